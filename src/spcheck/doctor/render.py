"""The doctor's answer as lines for a terminal, or as JSON.

One line per check: a mark (✓ pass, ! warning, ✗ failed, - skipped), the check's
name and what it found; under a warning or a failure, the fix and the runbook
section that explains it; under the settings line, every SPCHECK_ value. A
terminal whose encoding has no ✓ or ✗ gets ``ok``, ``warn``, ``FAIL`` instead.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import TextIO

from spcheck.doctor.interface import CheckResult, Status

MARKS = {Status.PASS: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "-"}
PLAIN = {Status.PASS: "ok", Status.WARN: "warn", Status.FAIL: "FAIL", Status.SKIP: "-"}


def _marks(stream: TextIO) -> dict[Status, str]:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "✓✗".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return PLAIN
    return MARKS


def as_json(results: list[CheckResult], code: int) -> str:
    counts = Counter(result.status.value for result in results)
    document = {
        "exit_code": code,
        "counts": {status.value: counts.get(status.value, 0) for status in Status},
        "checks": [
            {
                "id": result.id,
                "status": result.status.value,
                "summary": result.summary,
                "fix": result.fix,
                "runbook": result.runbook,
                **({"details": dict(result.details)} if result.details else {}),
            }
            for result in results
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def as_lines(results: list[CheckResult], code: int, marks: dict[Status, str]) -> str:
    width = max(len(result.id) for result in results)
    mark_width = max(len(mark) for mark in marks.values())
    lines: list[str] = []
    for result in results:
        mark = marks[result.status].ljust(mark_width)
        lines.append(f"{mark} {result.id.ljust(width)}  {result.summary}")
        for name, value in result.details.items():
            lines.append(f"    {name} = {value}")
        if result.status in (Status.WARN, Status.FAIL) and result.fix:
            where = f" (see {result.runbook})" if result.runbook else ""
            lines.append(f"    fix: {result.fix}{where}")
    counts = Counter(result.status for result in results)
    lines.append(
        f"doctor: {counts[Status.PASS]} passed, {counts[Status.WARN]} warning(s), "
        f"{counts[Status.FAIL]} failed, {counts[Status.SKIP]} skipped; exit {code}"
    )
    return "\n".join(lines)


def render(results: list[CheckResult], code: int, fmt: str, out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    if fmt == "json":
        stream.write(as_json(results, code) + "\n")
    else:
        stream.write(as_lines(results, code, _marks(stream)) + "\n")
    stream.flush()
