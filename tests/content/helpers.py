"""Small assertions shared by the content tests."""

from __future__ import annotations

from spcheck.content.interface import FileScan
from spcheck.domain.findings import Finding


def of_rule(scan: FileScan, rule: str) -> list[Finding]:
    return [f for f in scan.findings if f.rule == rule]


def identifiers(scan: FileScan) -> dict[str, str]:
    """masked value -> location, for each personal identifier found."""
    return {
        f.masked or "": f.location or ""
        for f in scan.findings
        if f.rule == "content.personal_identifier"
    }


def hidden_kinds(scan: FileScan) -> set[str]:
    return {f.kind or "" for f in of_rule(scan, "content.hidden_data")}
