"""Findings: what a rule or a content check reports (docs/report-format.md, `spcheck rules`).

A finding never carries the personal data it found: ``masked`` holds at most the
first two and last two characters of an identifier (see ``mask``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


def mask(value: str) -> str:
    """First two and last two characters kept, the rest starred; short values fully starred."""
    compact = "".join(value.split())
    if len(compact) <= 6:
        return "*" * len(compact)
    return compact[:2] + "*" * (len(compact) - 4) + compact[-2:]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong (or worth saying) about an inspection, a file or an access grant."""

    rule: str
    severity: Severity
    message: str
    path: str | None = None
    milestone: str | None = None
    kind: str | None = None
    location: str | None = None
    masked: str | None = None


def finding_key(finding: Finding) -> str:
    """A finding's identity across check cycles: rule, path, kind and location, and the
    milestone when the finding names no path (one overdue milestone is not another).

    Never the message or the masked value, so a key holds no personal data. Findings that
    share a key (two identifiers on the same page) are one problem for history and
    acceptance.
    """
    parts = [finding.rule, finding.path or "", finding.kind or "", finding.location or ""]
    if finding.path is None and finding.milestone:
        parts.append(finding.milestone)
    return "|".join(parts)
