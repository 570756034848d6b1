"""Frames per second of the lesson-09 playground (tlukit.widgets.playground) on this machine.

    python benchmarks/playground.py [--frames 30]

A frame is what the widget does on each tick of its Play button: ``epochs_per_frame`` epochs of
mini-batch SGD (a ``tf.function``), one in-place update of the figure (new contours, lines and
bars set) and one render to PNG on an Agg canvas, as the widget sends it to the front end (at 1×
while playing, 2× when paused or stepped). Also times the static fallback (what nbgrader and
nbconvert see) at default settings in quick mode. Run it on an idle machine; it prints and
asserts nothing (the tests assert behaviour).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "utils"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tlukit.keras_setup import import_keras  # noqa: E402
from tlukit.widgets import playground as P  # noqa: E402


def fps(settings: P.Settings, frames: int, scale: int) -> tuple[float, float, float]:
    """Frames per second, and the mean seconds of training and of drawing in one frame."""
    frame = P.Frame(P.Trainer(settings))
    frame.trainer.train(settings.epochs_per_frame)  # trace the training function once
    frame.update()
    frame.png(scale=scale)
    train = draw = 0.0
    start = time.perf_counter()
    for _ in range(frames):
        t0 = time.perf_counter()
        frame.trainer.train(settings.epochs_per_frame)
        t1 = time.perf_counter()
        frame.update()
        frame.png(scale=scale)
        train, draw = train + t1 - t0, draw + time.perf_counter() - t1
    return frames / (time.perf_counter() - start), train / frames, draw / frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    args = parser.parse_args()
    t0 = time.perf_counter()
    import_keras()
    print(f"TensorFlow import: {time.perf_counter() - t0:.1f} s (once per kernel; lesson 09's setup does it)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print(f"{'settings':<22} {'epochs/frame':>12} {'scale':>5} {'FPS':>6} {'train ms':>9} {'draw ms':>8}")
    for name in P.PRESETS:
        settings = P.preset_settings(name)
        for scale in (1, 2):
            rate, train, draw = fps(settings, args.frames, scale)
            print(f"{name:<22} {settings.epochs_per_frame:>12} {scale:>5} {rate:>6.1f} {train * 1e3:>9.1f} "
                  f"{draw * 1e3:>8.1f}")
    os.environ["TLUKIT_QUICK"] = "1"
    t0 = time.perf_counter()
    fig = P.static_figure(P.Settings())
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig).draw()
    print(f"\nstatic fallback, default settings, quick mode (TensorFlow already imported): "
          f"{time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
