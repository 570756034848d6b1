"""autograder/colab.py: course.toml read and checked, the Colab links, and the install line,
which is run for real against a local clone of this repository."""
from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from autograder import colab

REPO = Path(__file__).resolve().parent.parent
SAMPLE = """
repository = "https://github.com/ada-lab/nn-course-kit"
branch = "spring-2025"
tlukit_from = "repository"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def sample(tmp_path):
    return colab.settings(write(tmp_path, SAMPLE))


def test_the_repositorys_course_toml_is_valid():
    config = colab.settings()
    assert config.path == REPO / "course.toml"
    assert config.tlukit_from in colab.SOURCES and config.branch
    assert colab.install_command(config) in ("tlukit", f"tlukit @ git+{config.repository}@{config.branch}#subdirectory=utils")


def test_sample_config(sample):
    assert (sample.owner, sample.name, sample.branch) == ("ada-lab", "nn-course-kit", "spring-2025")
    assert not sample.placeholder
    assert colab.install_command(sample) == \
        "tlukit @ git+https://github.com/ada-lab/nn-course-kit@spring-2025#subdirectory=utils"
    url = "https://colab.research.google.com/github/ada-lab/nn-course-kit/blob/spring-2025/release/02_perceptron/02_perceptron.ipynb"
    assert colab.colab_url("release/02_perceptron/02_perceptron.ipynb", sample) == url
    assert colab.colab_url(REPO / "release/02_perceptron/02_perceptron.ipynb", sample) == url
    assert colab.badge_markdown("release/02_perceptron/02_perceptron.ipynb", sample) == \
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"
    assert colab.colab_url("release/03 two words/x.ipynb", sample).endswith("/release/03%20two%20words/x.ipynb")


def test_setup_lines_install_only_on_colab(sample):
    lines = colab.setup_lines(sample)
    assert lines == [
        "import sys",
        'if "google.colab" in sys.modules:  # on Colab, install the course helpers (tlukit) from the course\'s repository',
        '    %pip install -q "tlukit @ git+https://github.com/ada-lab/nn-course-kit@spring-2025#subdirectory=utils"',
    ]
    # what IPython makes of the cell: valid Python that runs the %pip line only on Colab
    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell("\n".join(lines) + "\n")
    compile(code, "setup", "exec")
    assert "get_ipython().run_line_magic('pip', 'install -q \"tlukit @ git+https://github.com/ada-lab" in code


def test_pypi_and_normalised_addresses(tmp_path):
    config = colab.settings(write(tmp_path, 'repository = "https://github.com/ada-lab/kit.git/"\n'
                                            'branch = "main"\ntlukit_from = "pypi"\n'))
    assert config.repository == "https://github.com/ada-lab/kit" and config.name == "kit"
    assert colab.install_command(config) == "tlukit"
    assert colab.setup_lines(config)[-1] == '    %pip install -q "tlukit"'
    assert "from PyPI" in colab.setup_lines(config)[1]


@pytest.mark.parametrize("text, key", [
    ('branch = "main"\ntlukit_from = "repository"\n', "'repository' is missing"),
    ('repository = "https://gitlab.com/a/b"\nbranch = "main"\ntlukit_from = "repository"\n', "'repository' must be a GitHub"),
    ('repository = "github.com/a/b"\nbranch = "main"\ntlukit_from = "repository"\n', "'repository' must be a GitHub"),
    ('repository = 42\nbranch = "main"\ntlukit_from = "repository"\n', "'repository' must be"),
    ('repository = "https://github.com/a/b"\ntlukit_from = "repository"\n', "'branch' is missing"),
    ('repository = "https://github.com/a/b"\nbranch = "ma in"\ntlukit_from = "repository"\n', "'branch' must be"),
    ('repository = "https://github.com/a/b"\nbranch = "../x"\ntlukit_from = "repository"\n', "'branch' must be"),
    ('repository = "https://github.com/a/b"\nbranch = "main"\ntlukit_from = "conda"\n', "'tlukit_from' must be one of"),
    ('repository = "https://github.com/a/b"\nbranch = "main"\n', "'tlukit_from' is missing"),
    ('repository = "https://github.com/a/b\nbranch = "main"\n', "is not valid TOML"),
])
def test_a_malformed_config_names_the_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(colab.CourseConfigError, match=key) as info:
        colab.settings(path)
    assert str(path) in str(info.value)


def test_a_missing_config_says_what_to_write(tmp_path):
    with pytest.raises(colab.CourseConfigError, match="not found.*repository, branch and tlukit_from"):
        colab.settings(tmp_path / "course.toml")


def test_bad_paths_and_overrides_are_refused(sample):
    for bad in ("../outside.ipynb", "", "/etc/passwd"):
        with pytest.raises(ValueError):
            colab.colab_url(bad, sample)
    with pytest.raises(colab.CourseConfigError, match="URL git can clone"):
        colab.install_command(sample, repository="/just/a/path", branch="main")
    with pytest.raises(colab.CourseConfigError, match="would not pass through"):
        colab.install_command(sample, repository="file:///tmp/$HOME/clone", branch="main")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed: pip cannot install from a git URL")
def test_the_install_line_installs_tlukit_from_a_clone(tmp_path):
    """Clone this repository (its committed HEAD), mark the clone, then run the setup cell's pip
    requirement, built by install_command with the clone as the repository, and import tlukit."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True, timeout=60)
    marker = f"clone-{tmp_path.name}"
    with (clone / "utils" / "tlukit" / "__init__.py").open("a", encoding="utf-8") as init:
        init.write(f"\nCLONE_MARKER = {marker!r}\n")
    git = ["git", "-C", str(clone), "-c", "user.name=kit test", "-c", "user.email=kit-test@example.org"]
    subprocess.run([*git, "commit", "--quiet", "-am", "mark the clone"], check=True, timeout=30)
    branch = subprocess.run([*git, "rev-parse", "--abbrev-ref", "HEAD"], check=True, capture_output=True,
                            text=True).stdout.strip()
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()

    lines = colab.setup_lines(repository=clone.as_uri(), branch=branch)
    requirement = colab.install_command(repository=clone.as_uri(), branch=branch)
    assert requirement == f"tlukit @ git+file://{clone}@{branch}#subdirectory=utils"
    # The %pip line's words as the shell hands them to pip.
    words = shlex.split(lines[-1].strip().removeprefix("%pip "))
    assert words == ["install", "-q", requirement]

    target = tmp_path / "target"  # a throwaway install location; no network: no deps, no build isolation
    pip = subprocess.run([sys.executable, "-m", "pip", *words, "--no-deps", "--no-build-isolation", "--no-index",
                          "--disable-pip-version-check", "--target", str(target)],
                         capture_output=True, text=True, timeout=120)
    assert pip.returncode == 0, pip.stderr[-3000:]

    # Import it with only the target and the venv's packages on the path (-S: no .pth files, so
    # the editable install of this checkout is not found).
    site = sysconfig.get_paths()["purelib"]
    probe = subprocess.run([sys.executable, "-S", "-c", "import json, tlukit; print(json.dumps("
                            "[tlukit.__file__, getattr(tlukit, 'CLONE_MARKER', None)]))"],
                           env={"PYTHONPATH": f"{target}:{site}", "PATH": "/usr/bin:/bin"},
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr[-3000:]
    where, found = json.loads(probe.stdout)
    assert Path(where).is_relative_to(target) and found == marker
    (dist,) = target.glob("tlukit-*.dist-info")
    origin = json.loads((dist / "direct_url.json").read_text())
    assert origin["url"] == clone.as_uri() and origin["subdirectory"] == "utils"
    assert origin["vcs_info"]["commit_id"] == commit
