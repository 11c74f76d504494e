"""The README stays short, true and runnable: a newcomer reads it in five minutes.

Everything else (design, measurements, testing, settings) lives in docs/; these checks keep the
README's commands, the paths it names and the pages it links from drifting out of date.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAX_LINES = 260

# Paths the README may name before they land (none now: everything it names exists).
PLANNED: set[str] = set()

FILE_SUFFIXES = (".py", ".md", ".yaml", ".yml", ".tf", ".json", ".txt", ".sh", ".toml", ".js")
# Generated at run time, not in the repository.
RUNTIME_DIRS = (".devstack/", "build/", "~/")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_PATH = re.compile(r"[\w.-]+(?:/[\w.-]+)*/?")
_DOC_LINK = re.compile(r"\]\(((?:\.\./)*docs/[^)#\s]+\.md)(?:#[^)]*)?\)")
_THREE_FUNCTIONS = re.compile(r"\bthree\s+(?:\w+\s+){0,2}functions\b", re.IGNORECASE)


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def _prose(text: str) -> str:
    """The text outside fenced blocks (a diagram or a banner is not a list of paths)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def mentioned_paths(text: str) -> set[str]:
    """Repository paths named in backticks: with a slash, or a file name (then at the top)."""
    paths = set()
    for span in _CODE_SPAN.findall(_prose(text)):
        if not _PATH.fullmatch(span) or span.startswith(RUNTIME_DIRS) or span.startswith("."):
            continue
        if "/" in span or span.endswith(FILE_SUFFIXES):
            paths.add(span)
    return paths


def test_readme_is_short() -> None:
    lines = _readme().count("\n")
    assert lines <= MAX_LINES, f"README.md has {lines} lines; move detail into docs/"


def test_readme_starts_with_the_two_commands() -> None:
    text = _readme()
    assert "pip install nox" in text
    assert "nox -s dev" in text
    assert "nox -s tests" in text


def test_ci_runs_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^nox -s tests$", ci, re.M), ".ci/run must run exactly `nox -s tests`"


def test_mentioned_paths_are_found_in_prose() -> None:
    sample = "See `assistant/answer/tools.py`, `noxfile.py`, `nox -s dev` and `.devstack/logs/`."
    assert mentioned_paths(sample) == {"assistant/answer/tools.py", "noxfile.py"}


def test_every_path_the_readme_names_exists() -> None:
    paths = mentioned_paths(_readme())
    missing = sorted(p for p in paths - PLANNED if not (ROOT / p).exists())
    assert not missing, f"README.md names paths that do not exist: {missing}"


def test_every_docs_page_the_readme_links_exists() -> None:
    links = _DOC_LINK.findall(_readme())
    assert links, "README.md links no docs/ page"
    missing = sorted({link for link in links if link not in PLANNED and not (ROOT / link).exists()})
    assert not missing, f"README.md links docs that do not exist: {missing}"


@pytest.mark.parametrize("page", [README, *sorted((ROOT / "docs").glob("*.md"))], ids=str)
def test_no_page_says_three_functions(page: Path) -> None:
    found = _THREE_FUNCTIONS.findall(page.read_text(encoding="utf-8"))
    assert not found, (
        f"{page.relative_to(ROOT)} says {found}: there are four functions and the executor"
    )
