"""Lesson 09: a playground in the spirit of the TensorFlow Playground (Géron, ch. 10, Exercise 1).

Four pieces, each usable on its own:

* :func:`make_data` - the 2-D data sets ``circles``, ``xor``, ``gaussians`` and ``spiral``: ``X``
  (n, 2) float32 in about [-1.5, 1.5]², labels ``y`` (n,) int in {0, 1}, half of each class, fixed
  seed, Gaussian ``noise`` added to the points.
* :class:`Trainer` - a small MLP (``hidden`` sizes, one ``activation`` for every hidden layer, one
  sigmoid output) trained with plain mini-batch SGD on the binary cross-entropy. It is written in
  TensorFlow: ``tf.Variable`` weights, a ``tf.function`` that runs several epochs per call, and
  ``tf.GradientTape`` for the gradients (so nothing here is an answer to lesson 05's NumPy
  exercises). TensorFlow is imported when the first Trainer is built, never at ``import tlukit``.
* :class:`Frame` - one matplotlib figure (Agg, no pyplot) with three panels: the decision
  boundary (filled contours of P(y = 1) over a grid, the data coloured by class), the train and
  test loss against epochs, and each layer's gradient norm. :meth:`Frame.update` redraws it in
  place (new contours, ``set_data`` on the lines, ``set_height`` on the bars); nothing is re-created.
* :func:`playground` - shows it. With a widget front end: dropdowns and sliders for the data set,
  the noise, the number of hidden layers, the neurons per layer, the activation and the learning
  rate, a preset menu, a Play widget (its timer in the browser asks the kernel for one frame per
  tick: several epochs, then one redraw into an ``Image``), "step" and "reset" buttons. Without
  one (nbgrader, nbconvert, GitHub, tests, ``TLUKIT_STATIC=1``): it trains headless and shows
  a static figure - the boundary at four epochs and the loss curves (see :func:`static_figure`).

Presets (:data:`PRESETS`) show what can go wrong: ``"bad_init"`` (all weights start at
0: every hidden unit gets a zero gradient, the loss sits at ln 2, a stationary point),
``"too_small"`` (spiral with one hidden layer of 2 neurons: a few bends, never the spiral),
``"local_minima"`` (XOR with 3 tanh neurons: some initial weights get stuck on a worse boundary;
its static view trains four init seeds on the same data, :func:`static_seeds_figure`) and
``"vanishing_gradients"`` (six sigmoid layers: the first layer's gradient is far smaller than
the last's).

``Settings.seed`` draws the data set, the split and the order of the batches; ``Settings.init_seed``
draws the initial weights alone, so that "reset" (the next init seed) retrains from new weights on
the same data.
"""
from __future__ import annotations

import html
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from ..grading import quick
from .core import DPI, show

DATASETS = ("circles", "xor", "gaussians", "spiral")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
CLASS_NAMES = ("class 0", "class 1")
COLORS = ("#e07b22", "#1f6fc4")
FRAME_SIZE = (9.6, 3.9)       # inches: the widget's frame, 960 × 390 CSS pixels
LIMIT = 1.8                   # the plotted square is [-LIMIT, LIMIT]²
GRID = 48                     # points per side of the grid the boundary is drawn on


# --------------------------------------------------------------------------------- data sets
def make_data(name: str = "circles", n: int = 400, noise: float = 0.1, seed: int = 0):
    """``X`` (n, 2) float32 and ``y`` (n,) int64 in {0, 1} (n // 2 of class 0 first, then class 1).

    ``noise`` is the standard deviation of the Gaussian noise added to each coordinate, in the
    data's units (the points lie in about [-1.5, 1.5]²); ``seed`` fixes everything.
    """
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, not {name!r}")
    rng = np.random.default_rng(seed)
    n0 = n // 2
    n1 = n - n0
    y = np.r_[np.zeros(n0, np.int64), np.ones(n1, np.int64)]
    if name == "circles":        # class 1 inside a disc of radius 0.5, class 0 on a ring 0.8..1.2
        r = np.r_[rng.uniform(0.8, 1.2, n0), 0.5 * np.sqrt(rng.uniform(0, 1, n1))]
        t = rng.uniform(0, 2 * np.pi, n)
        X = np.c_[r * np.cos(t), r * np.sin(t)]
    elif name == "xor":          # class 1 where x1 and x2 have the same sign
        X = _balanced_xor(rng, n0, n1)
    elif name == "gaussians":    # two blobs
        X = np.r_[rng.normal((-0.6, -0.6), 0.3, (n0, 2)), rng.normal((0.6, 0.6), 0.3, (n1, 2))]
    else:                        # two interleaved arms, 1.5 turns each
        s = np.r_[rng.uniform(0, 1, n0), rng.uniform(0, 1, n1)]
        t = 3 * np.pi * s + np.pi * y
        r = 0.15 + 1.2 * s
        X = np.c_[r * np.cos(t), r * np.sin(t)]
    X = X + rng.normal(0, noise, X.shape)
    return X.astype(np.float32), y


def _balanced_xor(rng, n0, n1):
    quarter = lambda k, sx, sy: np.c_[sx * rng.uniform(0.08, 1.2, k), sy * rng.uniform(0.08, 1.2, k)]  # noqa: E731
    a0, a1 = n0 // 2, n1 // 2
    return np.r_[quarter(a0, 1, -1), quarter(n0 - a0, -1, 1), quarter(a1, 1, 1), quarter(n1 - a1, -1, -1)]


def split(X, y, test_fraction: float = 0.5, seed: int = 0):
    """A shuffled train/test split: ``(X_train, y_train), (X_test, y_test)``."""
    order = np.random.default_rng(seed + 1).permutation(len(X))
    cut = int(round(len(X) * (1 - test_fraction)))
    train, test = order[:cut], order[cut:]
    return (X[train], y[train]), (X[test], y[test])


# ----------------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Settings:
    """Everything that defines one run of the playground."""

    dataset: str = "circles"
    hidden: tuple = (4, 2)
    activation: str = "tanh"
    learning_rate: float = 0.03
    noise: float = 0.1
    batch_size: int = 10
    n: int = 400
    test_fraction: float = 0.5
    init_scale: float = 1.0       # × Glorot's uniform limit; 0 gives all-zero weights
    seed: int = 0                 # the data set, the train/test split and the order of the batches
    init_seed: int = 0            # the initial weights only: "reset" draws the next one, on the same data
    epochs_per_frame: int = 2

    def check(self) -> "Settings":
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, not {self.dataset!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, not {self.activation!r}")
        hidden = tuple(int(h) for h in self.hidden)
        if any(h < 1 for h in hidden):
            raise ValueError(f"every hidden layer needs at least one neuron: {self.hidden}")
        return replace(self, hidden=hidden)


PRESETS = {
    "default": dict(),
    "bad_init": dict(dataset="xor", hidden=(4,), activation="tanh", learning_rate=0.1, init_scale=0.0),
    "too_small": dict(dataset="spiral", hidden=(2,), activation="tanh", learning_rate=0.03),
    "local_minima": dict(dataset="xor", hidden=(3,), activation="tanh", learning_rate=0.03),
    "vanishing_gradients": dict(dataset="circles", hidden=(8,) * 6, activation="sigmoid", learning_rate=0.03),
}
"""name → the settings it changes from :class:`Settings`' defaults (see the module docstring)."""

PRESET_NOTES = {
    "default": "Circles, two hidden layers of 4 and 2 tanh neurons: the boundary closes into a loop.",
    "bad_init": "Every weight starts at 0: each hidden neuron outputs 0 and gets a zero gradient, so "
                          "nothing but the output bias ever moves; the loss sits at ln 2 ≈ 0.693 (a stationary "
                          "point the gradient never leaves). Set the preset to default (random init) to compare.",
    "too_small": "One hidden layer of 2 neurons can bend the boundary only a little: it never follows "
                            "the spiral, however long it trains (about 60–70 % accuracy). Add layers and neurons.",
    "local_minima": "XOR with one hidden layer of 3 tanh neurons. From some initial weights training settles on a "
                    "worse boundary, a diagonal band (about 88 % train accuracy, loss near 0.29), and stays there "
                    "however long it trains; from others it separates the four quadrants (94-96 %). Press reset "
                    "several times (new weights, same data) and compare; with 8 neurons, no reset we tried got "
                    "stuck.",
    "vanishing_gradients": "Six sigmoid layers: σ'(z) ≤ 0.25, so the gradient shrinks layer by layer on its way "
                           "back; the bottom panel shows the first layer's gradient orders of magnitude below the "
                           "last's, and training barely moves. Try relu or tanh.",
}


def preset_settings(name: str, **overrides) -> Settings:
    """The :class:`Settings` of a preset, with ``overrides`` on top."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}, not {name!r}")
    return Settings(**{**PRESETS[name], **overrides}).check()


# ------------------------------------------------------------------------------------- training
class Trainer:
    """A small MLP on one of the 2-D data sets, trained with mini-batch SGD in TensorFlow.

    ``train(epochs)`` runs that many epochs (each a shuffled pass over the training set in
    batches of ``batch_size``; ``batch_size=None`` or ≥ the training set: full-batch gradient
    descent) and appends the epoch count and both losses to ``history``.
    """

    def __init__(self, settings: Settings | None = None, **kwargs):
        from ..keras_setup import import_keras

        _, tf = import_keras()
        self.tf = tf
        self.settings = s = replace(settings or Settings(), **kwargs).check()
        X, y = make_data(s.dataset, s.n, s.noise, s.seed)
        self.data = X, y
        (self.X_train, self.y_train), (self.X_test, self.y_test) = split(X, y, s.test_fraction, s.seed)
        rng = np.random.default_rng(s.init_seed)   # the weights' own seed: a reset keeps the data
        sizes = [2, *s.hidden, 1]
        self.weights, self.biases = [], []
        for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            limit = s.init_scale * math.sqrt(6 / (fan_in + fan_out))        # Glorot uniform
            self.weights.append(tf.Variable(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32),
                                            name=f"W{k + 1}"))
            self.biases.append(tf.Variable(np.zeros(fan_out, np.float32), name=f"b{k + 1}"))
        self.variables = [v for pair in zip(self.weights, self.biases) for v in pair]
        self.lr = tf.Variable(float(s.learning_rate), dtype=tf.float32, name="learning_rate")
        self.epoch = tf.Variable(0, dtype=tf.int64, name="epoch")
        self._Xtr, self._ytr = tf.constant(self.X_train), tf.constant(self.y_train[:, None].astype(np.float32))
        self._Xte, self._yte = tf.constant(self.X_test), tf.constant(self.y_test[:, None].astype(np.float32))
        m = len(self.X_train)
        self.batch_size = min(int(s.batch_size or m), m)
        self._train = tf.function(self._epochs)
        self._grad_norms = tf.function(self._layer_gradient_norms)
        self._predict = tf.function(self._probability)
        self.history = {"epoch": [0], "train": [], "test": []}
        self.history["train"].append(self.loss("train"))
        self.history["test"].append(self.loss("test"))

    # -- the model, in TensorFlow
    def _activation(self, z):
        tf, name = self.tf, self.settings.activation
        return {"tanh": tf.tanh, "relu": tf.nn.relu, "sigmoid": tf.sigmoid, "linear": tf.identity}[name](z)

    def _logits(self, X):
        a = X
        for W, b in zip(self.weights[:-1], self.biases[:-1]):
            a = self._activation(a @ W + b)
        return a @ self.weights[-1] + self.biases[-1]

    def _loss(self, X, y):
        return self.tf.reduce_mean(self.tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=self._logits(X)))

    def _probability(self, X):
        return self.tf.sigmoid(self._logits(X))[:, 0]

    def _epochs(self, epochs):
        tf = self.tf
        m, bs = tf.shape(self._Xtr)[0], self.batch_size
        batches = (m + bs - 1) // bs
        for _ in tf.range(epochs):
            key = tf.stack([tf.constant(self.settings.seed, tf.int64), self.epoch])
            order = tf.argsort(tf.random.stateless_uniform([m], seed=key))
            X, y = tf.gather(self._Xtr, order), tf.gather(self._ytr, order)
            for k in tf.range(batches):
                with tf.GradientTape() as tape:
                    loss = self._loss(X[k * bs:(k + 1) * bs], y[k * bs:(k + 1) * bs])
                for v, g in zip(self.variables, tape.gradient(loss, self.variables)):
                    v.assign_sub(self.lr * g)
            self.epoch.assign_add(1)
        return self._loss(self._Xtr, self._ytr), self._loss(self._Xte, self._yte)

    def _layer_gradient_norms(self):
        with self.tf.GradientTape() as tape:
            loss = self._loss(self._Xtr, self._ytr)
        return self.tf.stack([self.tf.norm(g) for g in tape.gradient(loss, self.weights)])

    # -- what the pictures and the tests ask
    def train(self, epochs: int = 1) -> float:
        """Train ``epochs`` more epochs; returns the training loss after them."""
        if self.lr.numpy() != np.float32(self.settings.learning_rate):
            self.lr.assign(self.settings.learning_rate)
        train, test = self._train(self.tf.constant(int(epochs), self.tf.int32))
        self.history["epoch"].append(int(self.epoch.numpy()))
        self.history["train"].append(float(train))
        self.history["test"].append(float(test))
        return float(train)

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate without starting again (no retracing)."""
        self.settings = replace(self.settings, learning_rate=float(lr))
        self.lr.assign(float(lr))

    def loss(self, which: str = "train") -> float:
        X, y = (self._Xtr, self._ytr) if which == "train" else (self._Xte, self._yte)
        return float(self._loss(X, y))

    def predict_proba(self, X) -> np.ndarray:
        """P(y = 1 | x) for each row of ``X`` (k, 2)."""
        return self._predict(self.tf.constant(np.asarray(X, np.float32))).numpy()

    def accuracy(self, which: str = "test") -> float:
        X, y = (self.X_train, self.y_train) if which == "train" else (self.X_test, self.y_test)
        return float(np.mean((self.predict_proba(X) > 0.5) == y))

    def gradient_norms(self) -> np.ndarray:
        """‖∂L/∂W_k‖ (Frobenius) for each layer k = 1 … L, on the whole training set."""
        return self._grad_norms().numpy()

    @property
    def epochs(self) -> int:
        return int(self.history["epoch"][-1])


# -------------------------------------------------------------------------------------- drawing
def _grid(resolution: int = GRID):
    xs = np.linspace(-LIMIT, LIMIT, resolution, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs)
    return gx, gy, np.c_[gx.ravel(), gy.ravel()]


LEVELS = np.linspace(0, 1, 11)


def _describe(s: Settings) -> str:
    layers = " → ".join(str(h) for h in s.hidden)
    return (f"{s.dataset}: 2 → {layers} → 1 ({s.activation}), learning rate {s.learning_rate:g}, "
            f"init seed {s.init_seed}")


def draw_boundary(ax, trainer: Trainer, *, title: str | None = None, legend: bool = True, points: bool = True,
                  resolution: int = GRID):
    """Filled contours of P(y = 1) on ``ax``, the 0.5 line, and the data coloured by class."""
    gx, gy, pts = _grid(resolution)
    p = trainer.predict_proba(pts).reshape(gx.shape)
    filled = ax.contourf(gx, gy, p, levels=LEVELS, cmap="RdBu", vmin=-0.25, vmax=1.25, alpha=0.85)
    line = ax.contour(gx, gy, p, levels=[0.5], colors="k", linewidths=1.2)
    scatters = []
    if points:
        for label in (0, 1):
            for X, y, marker, alpha in ((trainer.X_train, trainer.y_train, "o", 1.0),
                                        (trainer.X_test, trainer.y_test, "^", 0.55)):
                mask = y == label
                name = f"{CLASS_NAMES[label]} ({'train' if marker == 'o' else 'test'})"
                scatters.append(ax.scatter(X[mask, 0], X[mask, 1], s=12, c=COLORS[label], marker=marker,
                                           edgecolors="0.2", linewidths=0.3, alpha=alpha, label=name))
    ax.set_xlim(-LIMIT, LIMIT)
    ax.set_ylim(-LIMIT, LIMIT)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title if title is not None else f"epoch {trainer.epochs}: test accuracy "
                 f"{trainer.accuracy('test'):.0%}", fontsize=10)
    if legend and points:
        ax.legend(loc="upper right", fontsize=6.5, framealpha=0.8, handletextpad=0.2, borderpad=0.3)
    return filled, line


class Frame:
    """The widget's figure: the boundary | the loss curves over the gradient norms.

    :meth:`update` changes only what training changes (the contours, the lines' data, the bars'
    heights, one status line), and :meth:`png` draws by *blitting*: the axes, ticks, labels and
    legends are drawn once into a background that is reused, and only those changing artists are
    drawn over it each frame (the whole figure is drawn again only when an axis' limits change,
    which are kept to a few steps). The figure is never re-created.
    """

    def __init__(self, trainer: Trainer, figsize=FRAME_SIZE):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=figsize, dpi=DPI)
        self.canvas = FigureCanvasAgg(self.figure)
        grid = self.figure.add_gridspec(2, 2, width_ratios=(1, 1.35), left=0.06, right=0.98, bottom=0.12,
                                        top=0.87, wspace=0.22, hspace=0.75)
        self.ax = self.figure.add_subplot(grid[:, 0])
        self.ax_loss = self.figure.add_subplot(grid[0, 1])
        self.ax_grad = self.figure.add_subplot(grid[1, 1])
        self.gx, self.gy, self.points = _grid()
        self.bind(trainer)

    def bind(self, trainer: Trainer) -> None:
        """Draw a new run (after reset, a preset or a new architecture) on the same figure."""
        self.trainer = trainer
        for ax in (self.ax, self.ax_loss, self.ax_grad):
            ax.clear()
        self.filled, self.line = draw_boundary(self.ax, trainer, title="Decision boundary: P(class 1)")
        self.scatters = [c for c in self.ax.collections if c not in (self.filled, self.line)]
        self.legend = self.ax.get_legend()
        self.status = self.ax.text(0.02, 0.02, "", transform=self.ax.transAxes, fontsize=8, va="bottom",
                                   bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="0.6", alpha=0.85))
        h = trainer.history
        (self.train_line,) = self.ax_loss.plot(h["epoch"], h["train"], color="C0", lw=1.6, label="train")
        (self.test_line,) = self.ax_loss.plot(h["epoch"], h["test"], color="C1", lw=1.6, ls="--", label="test")
        self.ax_loss.set_title("Binary cross-entropy", fontsize=10)
        self.ax_loss.set_xlabel("epoch")
        self.ax_loss.set_ylabel("loss")
        self.ax_loss.grid(True, alpha=0.3)
        self.ax_loss.legend(fontsize=8, loc="upper right")
        norms = trainer.gradient_norms()
        self.bars = self.ax_grad.bar([f"W{k + 1}" for k in range(len(norms))], np.maximum(norms, 1e-12),
                                     color="C2", label="‖∂L/∂W‖")
        self.ax_grad.set_yscale("log")
        self.ax_grad.set_title("Gradient norm per layer (input → output)", fontsize=10)
        self.ax_grad.set_xlabel("layer")
        self.ax_grad.set_ylabel("‖∂L/∂W‖")
        self.ax_grad.grid(True, axis="y", alpha=0.3)
        self.suptitle = self.figure.suptitle(_describe(trainer.settings), fontsize=10)
        for artist in self._changing():
            artist.set_animated(True)
        self._background = None
        self._refresh(norms)

    def _changing(self) -> list:
        """What :meth:`update` changes, in drawing order (drawn over the background)."""
        return [self.filled, self.line, *self.scatters, *([self.legend] if self.legend else []), self.status,
                self.train_line, self.test_line, *self.bars]

    def _refresh(self, norms) -> None:
        t, h = self.trainer, self.trainer.history
        accuracy = np.mean((t.predict_proba(t.X_test) > 0.5) == t.y_test)
        self.status.set_text(f"epoch {t.epochs} · test accuracy {accuracy:.0%}")
        # limits move in steps (doubling epochs, loss in steps of 0.25, norms by decades) so that
        # the background can be reused for many frames
        self.ax_loss.set_xlim(0, max(16, 2 ** math.ceil(math.log2(max(h["epoch"][-1], 1)))))
        top = min(max(max(h["train"]), max(h["test"])), 3.0)
        self.ax_loss.set_ylim(0, 0.25 * math.ceil(top / 0.25 + 0.2))
        positive = norms[norms > 0]
        lo = positive.min() if len(positive) else 1e-6
        hi = max(norms.max(), lo * 10)
        self.ax_grad.set_ylim(10 ** math.floor(math.log10(lo) - 0.3), 10 ** math.ceil(math.log10(hi) + 0.3))

    def update(self) -> None:
        """Show the trainer's current state: new contours, lines and bars set in place."""
        t, h = self.trainer, self.trainer.history
        p = t.predict_proba(self.points).reshape(self.gx.shape)
        self.filled.remove()
        self.line.remove()
        self.filled = self.ax.contourf(self.gx, self.gy, p, levels=LEVELS, cmap="RdBu", vmin=-0.25, vmax=1.25,
                                       alpha=0.85, animated=True)
        self.line = self.ax.contour(self.gx, self.gy, p, levels=[0.5], colors="k", linewidths=1.2, animated=True)
        self.train_line.set_data(h["epoch"], h["train"])
        self.test_line.set_data(h["epoch"], h["test"])
        norms = t.gradient_norms()
        for bar, value in zip(self.bars, norms):
            bar.set_height(max(float(value), 1e-12))
        self._refresh(norms)

    def _limits(self):
        return tuple((ax.get_xlim(), ax.get_ylim()) for ax in (self.ax, self.ax_loss, self.ax_grad))

    def draw(self, scale: int = 2) -> None:
        """Render onto the Agg canvas at ``scale × DPI``: the background when it is stale, then the
        changing artists over it."""
        key = (DPI * scale, self._limits())
        if self._background is None or self._background[0] != key:
            self.figure.set_dpi(DPI * scale)
            self.canvas.draw()                                    # everything but the animated artists
            self._background = key, self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self._background[1])
        renderer = self.canvas.get_renderer()
        for artist in self._changing():
            artist.draw(renderer)

    def png(self, scale: int = 2, compress_level: int = 1) -> bytes:
        """The figure as PNG bytes (drawn by :meth:`draw`; a fast zlib level: frames are short-lived)."""
        import io

        from PIL import Image

        self.draw(scale)
        buffer = io.BytesIO()
        Image.frombuffer("RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1) \
            .save(buffer, format="png", compress_level=compress_level)
        return buffer.getvalue()


def static_figure(settings: Settings, *, epochs: int | None = None, frames: int = 4):
    """Train headless; the boundary at ``frames`` epochs spread (roughly geometrically) over
    ``epochs``, and the loss curves with the per-layer gradient norms underneath."""
    from matplotlib.figure import Figure

    if epochs is None:
        epochs = 30 if quick() else 300
    trainer = Trainer(settings)
    marks = sorted({0, *(int(round(epochs ** (k / (frames - 1)))) for k in range(1, frames))})
    marks[-1] = epochs
    fig = Figure(figsize=(10.0, 5.6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=(1.15, 1))
    axes = top.subplots(1, len(marks))
    for k, (ax, mark) in enumerate(zip(axes, marks)):
        while trainer.epochs < mark:             # in chunks, for a smooth loss curve
            trainer.train(min(max(1, epochs // 30), mark - trainer.epochs))
        draw_boundary(ax, trainer, legend=k == 0, title=f"epoch {mark}: test acc. {trainer.accuracy('test'):.0%}")
        ax.tick_params(labelsize=7)
    ax_loss, ax_grad = bottom.subplots(1, 2, width_ratios=(1.6, 1))
    h = trainer.history
    ax_loss.plot(h["epoch"], h["train"], "-", color="C0", label="train")
    ax_loss.plot(h["epoch"], h["test"], "--", color="C1", label="test")
    for mark in marks[1:]:
        ax_loss.axvline(mark, color="0.6", lw=0.8, ls=":")
    ax_loss.set_title("Binary cross-entropy")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    ax_loss.grid(True, alpha=0.3)
    ax_loss.legend(fontsize=8)
    norms = trainer.gradient_norms()
    ax_grad.bar([f"W{k + 1}" for k in range(len(norms))], np.maximum(norms, 1e-12), color="C2", label="‖∂L/∂W‖")
    for k, value in enumerate(norms):
        if value == 0:                           # a log axis cannot show 0: drawn at 1e-12, and said so
            ax_grad.annotate("0 (clipped)", (k, 1e-12), textcoords="offset points", xytext=(0, -12), ha="center",
                             fontsize=7)
    ax_grad.set_yscale("log")
    ax_grad.set_title(f"Gradient norm per layer at epoch {trainer.epochs}")
    ax_grad.set_xlabel("layer (input → output)")
    ax_grad.set_ylabel("‖∂L/∂W‖")
    ax_grad.legend(fontsize=8)
    fig.suptitle(f"Playground (static: run the notebook in Jupyter to play) — {_describe(trainer.settings)}",
                 fontsize=10)
    fig.trainer = trainer
    return fig


def static_seeds_figure(settings: Settings, *, epochs: int | None = None, init_seeds=(0, 1, 2, 3)):
    """Train the same network from several initial weights (``init_seeds``) on the same data: each
    final boundary side by side, and the training losses together (the static view of
    ``"local_minima"``: what pressing "reset" several times shows)."""
    from matplotlib.figure import Figure

    if epochs is None:
        epochs = 30 if quick() else 300
    fig = Figure(figsize=(10.0, 5.6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=(1.15, 1))
    axes = top.subplots(1, len(init_seeds))
    ax_loss = bottom.subplots(1, 1)
    trainers = []
    for k, (ax, init_seed) in enumerate(zip(axes, init_seeds)):
        trainer = Trainer(replace(settings, init_seed=int(init_seed)))
        while trainer.epochs < epochs:           # in chunks, for a smooth loss curve
            trainer.train(min(max(1, epochs // 30), epochs - trainer.epochs))
        draw_boundary(ax, trainer, legend=k == 0, title=f"init seed {init_seed}: train acc. "
                      f"{trainer.accuracy('train'):.0%}")
        ax.tick_params(labelsize=7)
        h = trainer.history
        ax_loss.plot(h["epoch"], h["train"], "-", color=f"C{k}", label=f"init seed {init_seed}")
        trainers.append(trainer)
    ax_loss.set_title(f"Training loss (binary cross-entropy): the same data, {len(init_seeds)} initial weights")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    ax_loss.grid(True, alpha=0.3)
    ax_loss.legend(fontsize=8)
    s = settings
    fig.suptitle(f"Playground (static: run the notebook in Jupyter and press reset) — {s.dataset}: 2 → "
                 f"{' → '.join(map(str, s.hidden))} → 1 ({s.activation}), {epochs} epochs from each init seed",
                 fontsize=10)
    fig.trainers = trainers
    return fig


STATIC_VIEWS = {"local_minima": static_seeds_figure}
"""Presets whose static fallback is not :func:`static_figure`."""


# --------------------------------------------------------------------------------------- widget
@dataclass
class PlaygroundWidget:
    """The live playground: ``box`` is what is displayed; the rest is kept for the tests."""

    box: object
    controls: dict
    image: object
    frame: Frame
    info: object
    timing: dict = field(default_factory=lambda: {"frame_seconds": 0.0, "last_tick": 0.0})

    @property
    def trainer(self) -> Trainer:
        return self.frame.trainer


def build_widget(settings: Settings, preset_name: str = "default") -> PlaygroundWidget:
    """The ipywidgets box (never waits for input)."""
    import ipywidgets as W

    width, height = (round(inches * DPI) for inches in FRAME_SIZE)
    s = settings
    c = {
        "preset": W.Dropdown(options=list(PRESETS), value=preset_name, description="preset"),
        "dataset": W.Dropdown(options=list(DATASETS), value=s.dataset, description="data set"),
        "noise": W.FloatSlider(value=s.noise, min=0.0, max=0.5, step=0.05, description="noise",
                               continuous_update=False),
        "layers": W.IntSlider(value=len(s.hidden), min=1, max=6, description="hidden layers",
                              continuous_update=False),
        "neurons": W.IntSlider(value=max(s.hidden), min=1, max=8, description="neurons / layer",
                               continuous_update=False),
        "activation": W.Dropdown(options=list(ACTIVATIONS), value=s.activation, description="activation"),
        "learning_rate": W.SelectionSlider(options=[0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
                                           value=min([0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
                                                     key=lambda v: abs(math.log(v / s.learning_rate))),
                                           description="learning rate", continuous_update=False),
        "play": W.Play(value=0, min=0, max=10 ** 9, interval=150, show_repeat=False, description="play"),
        "step": W.Button(description="step ▶", tooltip="train one frame's epochs and redraw"),
        "reset": W.Button(description="reset ⟲", tooltip="new random weights (the next init seed) on the same "
                                                        "data, back to epoch 0"),
    }
    for control in c.values():
        if hasattr(control, "style") and "description_width" in control.style.keys:
            control.style.description_width = "initial"
    image = W.Image(format="png", width=str(width), height=str(height),
                    layout=W.Layout(width=f"{width}px", height=f"{height}px", object_fit="contain",
                                    flex="0 0 auto", align_self="flex-start"))
    info = W.HTML()
    frame = Frame(Trainer(s))
    pg = PlaygroundWidget(W.VBox([W.HBox([c["preset"], c["dataset"], c["noise"]]),
                                  W.HBox([c["layers"], c["neurons"], c["activation"]]),
                                  W.HBox([c["learning_rate"], c["play"], c["step"], c["reset"]]), info, image]),
                          c, image, frame, info)
    current = {"settings": s, "preset": preset_name, "busy": False}

    def redraw(scale=2):
        image.value = frame.png(scale=scale)
        t = frame.trainer
        note = PRESET_NOTES.get(current["preset"], "") if current["preset"] != "custom" else ""
        info.value = (f"epoch {t.epochs} · train loss {t.history['train'][-1]:.3f} · test loss "
                      f"{t.history['test'][-1]:.3f}" + (f"<br>ℹ️ {html.escape(note)}" if note else ""))

    def one_frame(scale=2):
        start = time.perf_counter()
        frame.trainer.train(current["settings"].epochs_per_frame)
        frame.update()
        redraw(scale)
        pg.timing["frame_seconds"] = time.perf_counter() - start

    def restart(new: Settings, preset_name: str):
        c["play"].playing = False
        current["settings"], current["preset"] = new, preset_name
        frame.bind(Trainer(new))
        redraw()

    def reset():
        """New initial weights (the next init seed), the same data and split: epoch 0."""
        s = current["settings"]
        restart(replace(s, init_seed=s.init_seed + 1), current["preset"])

    def on_tick(change):
        if change["new"] <= change["old"]:        # the stop button sets the value back to 0
            return
        # Ticks that queued up while the kernel drew the last frame arrive back to back: skip them.
        if time.perf_counter() - pg.timing["last_tick"] < 0.3 * c["play"].interval / 1000:
            return
        one_frame(scale=1)
        pg.timing["last_tick"] = time.perf_counter()
        # The browser's timer waits `interval` between ticks: keep it a little above a frame's time.
        c["play"].interval = int(min(1000, max(60, 1200 * pg.timing["frame_seconds"])))

    def on_pause(change):
        if not change["new"]:
            redraw(scale=2)                       # sharp again once paused

    def from_controls(*_):
        if current["busy"]:
            return
        layers, neurons = c["layers"].value, c["neurons"].value
        new = replace(current["settings"], dataset=c["dataset"].value, noise=c["noise"].value,
                      hidden=(neurons,) * layers, activation=c["activation"].value,
                      learning_rate=c["learning_rate"].value, init_scale=1.0).check()
        current["busy"] = True
        c["preset"].value = "custom" if "custom" in c["preset"].options else c["preset"].value
        current["busy"] = False
        restart(new, "custom")

    def from_learning_rate(change):
        if current["busy"]:
            return
        current["settings"] = replace(current["settings"], learning_rate=change["new"])
        frame.trainer.set_learning_rate(change["new"])

    def from_preset(change):
        if current["busy"] or change["new"] == "custom":
            return
        new = preset_settings(change["new"], epochs_per_frame=current["settings"].epochs_per_frame)
        current["busy"] = True
        try:
            c["dataset"].value, c["noise"].value, c["activation"].value = new.dataset, new.noise, new.activation
            c["layers"].value, c["neurons"].value = len(new.hidden), max(new.hidden)
            c["learning_rate"].value = min(c["learning_rate"].options,
                                           key=lambda v: abs(math.log(v / new.learning_rate)))
        finally:
            current["busy"] = False
        restart(new, change["new"])

    c["preset"].options = [*PRESETS, "custom"]
    c["preset"].value = preset_name
    c["play"].observe(on_tick, names="value")
    c["play"].observe(on_pause, names="playing")
    c["step"].on_click(lambda _: one_frame())
    c["reset"].on_click(lambda _: reset())
    c["preset"].observe(from_preset, names="value")
    for name in ("dataset", "noise", "layers", "neurons", "activation"):
        c[name].observe(from_controls, names="value")
    c["learning_rate"].observe(from_learning_rate, names="value")
    pg.step, pg.reset = one_frame, reset
    redraw()
    return pg


def playground(dataset: str = "circles", hidden=(4, 2), activation: str = "tanh", learning_rate: float = 0.03, *,
               preset: str | None = None, noise: float = 0.1, batch_size: int = 10, seed: int = 0,
               init_seed: int = 0, epochs_per_frame: int = 2, static_epochs: int | None = None):
    """Show the playground: the widget where a front end runs, else the static frame sequence.

    ``preset`` (one of :data:`PRESETS`: "default", "bad_init", "too_small", "local_minima",
    "vanishing_gradients") replaces the settings it names. ``seed`` draws the data set and the split, ``init_seed`` the
    initial weights (the widget's "reset" moves to the next one). ``static_epochs`` is how long the static fallback trains
    (default 300, or 30 when :func:`tlukit.grading.quick`). Returns the :class:`PlaygroundWidget`
    when interactive, else None.
    """
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}, not {preset!r}")
    base = dict(dataset=dataset, hidden=tuple(hidden), activation=activation, learning_rate=learning_rate,
                noise=noise, batch_size=batch_size, seed=seed, init_seed=init_seed,
                epochs_per_frame=epochs_per_frame)
    settings = Settings(**{**base, **PRESETS[preset or "default"]}).check()
    built = {}

    def make_widget():
        built["pg"] = build_widget(settings, preset or "default")
        return built["pg"].box

    static = STATIC_VIEWS.get(preset, static_figure)
    show(make_widget, lambda: static(settings, epochs=static_epochs), description="playground")
    return built.get("pg")
