"""One row per finding, for spreadsheets and trackers.

A cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is prefixed with an apostrophe: file names come from
the partnership, and ``=HYPERLINK(...)`` in a name must stay text (OWASP CSV injection).
"""

from __future__ import annotations

import csv
import io

from spcheck.report.document import iso, runbook
from spcheck.report.interface import Renderer, Report

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
                )
                writer.writerow([cell(v) for v in row])
        return out.getvalue()
