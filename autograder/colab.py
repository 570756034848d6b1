"""Release notebooks on Colab: the "Open in Colab" link and the setup cell's install line.

Everything comes from ``course.toml`` at the repository's root, the one place where the
instructor says where the course lives::

    repository = "https://github.com/OWNER/nn-course-kit"   # a GitHub repository: Colab opens notebooks from GitHub
    branch = "main"                                        # the branch (or tag) students use
    tlukit_from = "repository"                             # or "pypi", once tlukit is published there

The release build calls:

* :func:`settings` - ``course.toml`` read and checked (:class:`CourseConfigError` names the key);
* :func:`install_command` - the pip requirement for tlukit, e.g.
  ``tlukit @ git+https://github.com/OWNER/nn-course-kit@main#subdirectory=utils`` (pip's direct
  URL form ``Name @ git+URL@ref#subdirectory=dir``, see pip's "VCS Support"), or ``tlukit``;
* :func:`setup_lines` - the lines of the setup cell that install it, on Colab only;
* :func:`colab_url` / :func:`badge_markdown` - the link that opens a notebook of the repository in
  Colab (``https://colab.research.google.com/github/OWNER/REPO/blob/BRANCH/PATH``) and the
  standard badge around it.

``python -m autograder.colab [PATH ...]`` prints the requirement, the setup lines and a badge per
path, to check ``course.toml`` by eye.
"""
from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
COURSE_TOML = REPO / "course.toml"
PACKAGE = "tlukit"
SUBDIRECTORY = "utils"  # where tlukit's pyproject.toml is, in the repository
SOURCES = ("repository", "pypi")
COLAB = "https://colab.research.google.com"
BADGE = f"{COLAB}/assets/colab-badge.svg"

GITHUB = re.compile(r"https://github\.com/(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/"
                    r"(?P<name>[A-Za-z0-9._-]+?)(?:\.git)?/?")
REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
# characters that the %pip line of the setup cell would not pass through unchanged
# (IPython expands $name and {expr} in magics; the shell sees quotes and backslashes)
UNSAFE = re.compile(r"[\"'$`{}\\\s]")


class CourseConfigError(ValueError):
    """course.toml is missing, unreadable, or a value in it is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    repository: str      # https://github.com/OWNER/NAME, without a trailing ".git" or "/"
    branch: str
    tlukit_from: str     # "repository" or "pypi"
    path: Path | None = None  # the course.toml read

    @property
    def owner(self) -> str:
        return GITHUB.fullmatch(self.repository)["owner"]

    @property
    def name(self) -> str:
        return GITHUB.fullmatch(self.repository)["name"]

    @property
    def placeholder(self) -> bool:
        """True while the repository is still the template's ``OWNER``: links will not work yet."""
        return self.owner == "OWNER"


def _where(path: Path | None) -> str:
    return str(path) if path else "course.toml"


def _string(table: dict, key: str, path: Path | None, what: str) -> str:
    if key not in table:
        raise CourseConfigError(f"{_where(path)}: the key {key!r} is missing; it should be {what}.")
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise CourseConfigError(f"{_where(path)}: {key!r} must be {what}, not {value!r}.")
    return value.strip()


def check(table: dict, path: Path | None = None) -> Settings:
    """:class:`Settings` from the parsed TOML ``table``; :class:`CourseConfigError` names the bad key."""
    repository = _string(table, "repository", path, 'the address of the course\'s GitHub repository, '
                                                     'like "https://github.com/OWNER/nn-course-kit"')
    match = GITHUB.fullmatch(repository)
    if not match:
        raise CourseConfigError(f"{_where(path)}: 'repository' must be a GitHub address like "
                                f"\"https://github.com/OWNER/nn-course-kit\" (Colab opens notebooks from GitHub), "
                                f"not {repository!r}.")
    repository = f"https://github.com/{match['owner']}/{match['name']}"
    branch = _string(table, "branch", path, 'a branch or tag name, like "main"')
    if not REF.fullmatch(branch) or ".." in branch or branch.endswith(("/", ".lock", ".")):
        raise CourseConfigError(f"{_where(path)}: 'branch' must be a branch or tag name like \"main\" "
                                f"(letters, digits, '.', '_', '-', '/'), not {branch!r}.")
    source = _string(table, "tlukit_from", path, f"one of {', '.join(map(repr, SOURCES))}")
    if source not in SOURCES:
        raise CourseConfigError(f"{_where(path)}: 'tlukit_from' must be one of {', '.join(map(repr, SOURCES))}, "
                                f"not {source!r}.")
    return Settings(repository, branch, source, path)


def settings(path: Path | str | None = None) -> Settings:
    """Read and check ``course.toml`` (default: the one at the repository's root)."""
    path = Path(path) if path is not None else COURSE_TOML
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseConfigError(f"{path} not found: create it with the keys repository, branch and "
                                f"tlukit_from (see autograder/colab.py).") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CourseConfigError(f"{path} is not valid TOML: {exc}") from None
    return check(table, path)


def _config(config: Settings | None) -> Settings:
    return config if config is not None else settings()


def install_command(config: Settings | None = None, *, repository: str | None = None,
                    branch: str | None = None) -> str:
    """The pip requirement that installs tlukit as ``course.toml`` says.

    ``repository`` and ``branch`` override the configured ones (any URL git can clone, e.g.
    ``file:///path/to/clone``, for a test) and imply installing from a repository.
    """
    if repository is None:
        config = _config(config)
        if config.tlukit_from == "pypi" and branch is None:
            return PACKAGE
        repository = config.repository
    if branch is None:
        branch = _config(config).branch
    if not re.match(r"[a-z][a-z0-9+.-]*://", repository):
        raise CourseConfigError(f"repository must be a URL git can clone (https://..., file:///...), "
                                f"not {repository!r}.")
    if not REF.fullmatch(branch) or ".." in branch:
        raise CourseConfigError(f"branch must be a branch, tag or commit name, not {branch!r}.")
    requirement = f"{PACKAGE} @ git+{repository.rstrip('/')}@{branch}#subdirectory={SUBDIRECTORY}"
    bad = UNSAFE.search(requirement.replace(" @ ", "", 1))
    if bad:
        raise CourseConfigError(f"the requirement {requirement!r} holds {bad.group()!r}, which the setup "
                                f"cell's %pip line would not pass through unchanged.")
    return requirement


def setup_lines(config: Settings | None = None, *, repository: str | None = None,
                branch: str | None = None) -> list[str]:
    """The lines of the setup cell that install tlukit, on Colab only (elsewhere it is installed)."""
    requirement = install_command(config, repository=repository, branch=branch)
    where = "PyPI" if requirement == PACKAGE else "the course's repository"
    return ["import sys",
            f'if "google.colab" in sys.modules:  # on Colab, install the course helpers (tlukit) from {where}',
            f'    %pip install -q "{requirement}"']


def _repo_path(path_in_repo: str | Path) -> str:
    path = Path(path_in_repo)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(REPO)
        except ValueError:
            raise ValueError(f"{path_in_repo} is not inside the repository {REPO}.") from None
    posix = PurePosixPath(path.as_posix())
    if not posix.parts or ".." in posix.parts or str(posix) == ".":
        raise ValueError(f"expected a file's path inside the repository, like "
                         f"'release/01_mcculloch_pitts/01_mcculloch_pitts.ipynb', not {str(path_in_repo)!r}.")
    return "/".join(quote(part) for part in posix.parts)


def colab_url(path_in_repo: str | Path, config: Settings | None = None) -> str:
    """The address that opens the notebook ``path_in_repo`` (e.g. ``release/01_x/01_x.ipynb``) of the
    course's repository, on its branch, in Colab."""
    config = _config(config)
    return f"{COLAB}/github/{config.owner}/{config.name}/blob/{quote(config.branch)}/{_repo_path(path_in_repo)}"


def badge_markdown(path_in_repo: str | Path, config: Settings | None = None) -> str:
    """The standard "Open In Colab" badge, linking to :func:`colab_url`."""
    return f"[![Open In Colab]({BADGE})]({colab_url(path_in_repo, config)})"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        config = settings()
        print(f"requirement: {install_command(config)}")
        print("setup cell:\n  " + "\n  ".join(setup_lines(config)))
        for path in args:
            print(f"{path}: {badge_markdown(path, config)}")
    except (CourseConfigError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    if config.placeholder:
        print(f"note: {config.path} still names the template's repository {config.repository}: "
              "set 'repository' to the course's own.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
