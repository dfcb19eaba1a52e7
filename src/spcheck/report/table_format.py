"""The terminal view: per inspection, milestones, records progress and findings (rich)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from spcheck.report.document import (
    accepted_text,
    history_text,
    note_of,
    plural,
    reader_organisation,
    reader_until,
    shown,
)
from spcheck.report.interface import Renderer, Report
from spcheck.rules.interface import InspectionResult

WIDTH = 140


def _inspection(console: Console, result: InspectionResult) -> None:
    week = "not counted" if result.week is None else str(result.week)
    console.print(
        f"[bold]{escape(result.id)}[/]: {escape(result.partnership)}  "
        f"status {result.status.upper()}, week {week}"
    )
    milestones = Table("milestone", "due", "state", "met", "waiting for", title=None)
    for m in result.milestones:
        milestones.add_row(
            escape(m.title),
            shown(m.due),
            m.state.value,
            shown(m.met_at),
            escape("; ".join(m.waiting_for)),
        )
    console.print(milestones)
    r = result.records
    console.print(
        f"records: sample {r.sample_uploaded}/{r.sample_expected}, "
        f"reserves {r.reserves_uploaded}/{r.reserves_expected}"
    )
    for label, ids in (("missing", r.missing), ("unexpected", r.unexpected)):
        if ids:
            console.print(f"{label}: {escape(', '.join(ids))}")
    if r.readers is None:
        console.print("who can read the records: not known (permissions not read)")
    elif r.readers:
        readers = Table("who", "organisation", "role", "folders", "until", title="can read records")
        for reader in r.readers:
            readers.add_row(
                escape(reader.who),
                escape(reader_organisation(reader)),
                reader.role,
                escape(", ".join(reader.folders)),
                reader_until(reader),
            )
        console.print(readers)
    else:
        console.print("who can read the records: nobody")
    if not result.findings:
        console.print("no findings")
        return
    findings = Table("severity", "rule", "path", "message", "since")
    for f in result.findings:
        note = note_of(result, f)
        severity = f"{f.severity.value} (accepted)" if note.accepted else f.severity.value
        message = escape(f.message)
        if note.accepted:
            message += f" [{escape(accepted_text(note.accepted))}]"
        findings.add_row(severity, f.rule, escape(f.path or ""), message, history_text(note))
    console.print(findings)
    for gone in result.resolved:
        where = " ".join(p for p in (gone.path, gone.location, gone.milestone) if p)
        console.print(f"resolved since the last report: {gone.rule} {escape(where)}")


class TableRenderer(Renderer):
    name = "table"
    media_type = "text/plain"
    suffix = ".txt"

    def render(self, report: Report) -> str:
        console = Console(
            file=io.StringIO(), record=True, width=WIDTH, color_system=None, highlight=False
        )
        summary = report.summary
        console.print(
            f"spcheck report for {escape(report.site)} as of {shown(report.as_of)}: "
            f"{plural(summary.errors, 'error')} ({summary.new} new), "
            f"{plural(summary.warnings, 'warning')}, {summary.accepted} accepted, "
            f"{plural(summary.inspections, 'inspection')}"
        )
        for result in report.inspections:
            console.print()
            _inspection(console, result)
        return console.export_text()
