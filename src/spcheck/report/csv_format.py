"""One row per finding, for spreadsheets and trackers: accepted ones included and marked
(``accepted_by``, ``accepted_until``, ``accepted_reason``), with each finding's history
(``state``: new or open; ``first_seen``, ``last_seen``).

A cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is prefixed with an apostrophe: file names come from
the partnership, and ``=HYPERLINK(...)`` in a name must stay text (OWASP CSV injection).
"""

from __future__ import annotations

import csv
import io

from spcheck.report.document import iso, note_of, runbook
from spcheck.report.interface import Renderer, Report
from spcheck.rules.privacy import redact

COLUMNS = (
    "inspection",
    "partnership",
    "status",
    "severity",
    "rule",
    "milestone",
    "path",
    "message",
    "kind",
    "location",
    "masked",
    "runbook",
    "as_of",
    "state",
    "first_seen",
    "last_seen",
    "accepted_by",
    "accepted_until",
    "accepted_reason",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class CsvRenderer(Renderer):
    name = "csv"
    media_type = "text/csv"
    suffix = ".csv"

    def render(self, report: Report) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        as_of = iso(report.as_of)
        for result in report.inspections:
            for f in result.findings:
                note = note_of(result, f)
                accepted = note.accepted
                row = (
                    result.id,
                    result.partnership,
                    result.status,
                    f.severity.value,
                    f.rule,
                    f.milestone,
                    f.path,
                    f.message,
                    f.kind,
                    f.location,
                    f.masked,
                    runbook(f.rule),
                    as_of,
                    note.state.value,
                    iso(note.first_seen),
                    iso(note.last_seen),
                    redact(accepted.by) if accepted else None,
                    iso(accepted.until) if accepted else None,
                    redact(accepted.reason) if accepted else None,
                )
                writer.writerow([cell(v) for v in row])
        return out.getvalue()
