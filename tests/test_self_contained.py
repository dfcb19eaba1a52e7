"""The project explains itself: nothing in it sends a reader to a document outside it.

The first contracts were written in notes kept beside the project, which a clone does not
have. Everything they said now lives in docs/ and runbooks/; a comment, docstring or page
that cites one of those notes again fails here, naming the file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Spelled in pieces so that this file does not match itself.
OUTSIDE = re.compile(r"\b(?:DESIGN|DOMAIN|GRAPH)\.md\b|\bshared" + "/")
PLACES = ("src", "tests", "bench", "docs", "runbooks", "policies", "inspections", ".ci")
FILES = ("README.md", "pyproject.toml", "mkdocs.yml", "function_app.py")
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".sh", ".json", ".csv", ".txt", ""}
SKIPPED = {"__pycache__", ".cache", "node_modules"}


def _texts() -> list[Path]:
    paths = [ROOT / name for name in FILES if (ROOT / name).is_file()]
    for place in PLACES:
        for path in sorted((ROOT / place).rglob("*")):
            if SKIPPED.intersection(path.relative_to(ROOT).parts):
                continue
            if path.is_file() and path.suffix in SUFFIXES:
                paths.append(path)
    return paths


def test_no_file_cites_a_document_the_project_does_not_hold() -> None:
    cited = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _texts()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert cited == []


def test_the_check_finds_a_citation() -> None:
    assert OUTSIDE.search("see DESIGN" + ".md section 7")
    assert OUTSIDE.search("(GRAPH" + ".md)")
    assert OUTSIDE.search("/work/shared" + "/seed/")
    assert not OUTSIDE.search("docs/architecture.md, the Graph seam")
