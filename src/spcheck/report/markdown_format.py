"""Markdown, for email and tickets.

Every name and message is escaped: ``&``, ``<`` and ``>`` become entities (Markdown
passes raw HTML through, so a file named ``<img src=x onerror=...>`` must not become a
tag), and the characters Markdown reads inline (emphasis, code, links, table pipes) are
backslash-escaped. Line breaks inside a value are folded to spaces so a name can never
start a heading or a list.
"""

from __future__ import annotations

import html
import re

from spcheck.domain.findings import Finding
from spcheck.report.document import (
    accepted_text,
    by_severity,
    history_text,
    note_of,
    plural,
    reader_organisation,
    reader_until,
    resolved_text,
    runbook,
    shown,
)
from spcheck.report.interface import Renderer, Report
from spcheck.rules.interface import InspectionResult, RecordsSummary

_INLINE = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
_HEADINGS = {"error": "Errors", "warning": "Warnings", "info": "Information"}


def md(value: object) -> str:
    text = "" if value is None else str(value)
    text = _BREAKS.sub(" ", text)
    return _INLINE.sub(r"\\\1", html.escape(text, quote=False))


def _finding(result: InspectionResult, finding: Finding) -> str:
    note = note_of(result, finding)
    parts = [f"- **{md(finding.rule)}**"]
    if finding.path:
        parts.append(f"{md(finding.path)}:")
    parts.append(md(finding.message))
    if finding.location:
        parts.append(f"({md(finding.location)})")
    if finding.masked:
        parts.append(f"\\[{md(finding.masked)}\\]")
    parts.append(f"_{md(history_text(note))}_")
    if note.accepted is not None:
        parts.append(f"**{md(accepted_text(note.accepted))}**")
    link = runbook(finding.rule)
    if link:
        parts.append(f"([runbook]({link}))")
    return " ".join(parts)


def _inspection(result: InspectionResult) -> list[str]:
    week = "not counted" if result.week is None else str(result.week)
    lines = [
        f"## {md(result.id)}: {md(result.partnership)}",
        "",
        f"Status **{result.status.upper()}**, week {week}.",
        "",
        "| milestone | due | state | met | evidence |",
        "| --- | --- | --- | --- | --- |",
    ]
    for m in result.milestones:
        evidence = (
            f"{len(m.evidence)} file(s)"
            if len(m.evidence) > 3
            else ", ".join(md(path) for path in m.evidence)
        )
        if m.waiting_for:
            waiting = "waiting for " + "; ".join(md(reason) for reason in m.waiting_for)
            evidence = f"{evidence}; {waiting}" if evidence else waiting
        lines.append(
            f"| {md(m.title)} | {shown(m.due)} | {m.state.value} | {shown(m.met_at)} | {evidence} |"
        )
    r = result.records
    lines += [
        "",
        f"Records: sample {r.sample_uploaded}/{r.sample_expected}, "
        f"reserves {r.reserves_uploaded}/{r.reserves_expected}.",
    ]
    for label, ids in (
        ("Missing", r.missing),
        ("Unexpected", r.unexpected),
        ("Duplicated", r.duplicates),
    ):
        if ids:
            lines.append(f"{label}: {', '.join(md(i) for i in ids)}.")
    lines += _readers(r)
    lines.append("")
    if not result.live:
        lines += ["No findings that count." if result.accepted else "No findings.", ""]
    for severity, findings in by_severity(result.live):
        lines += [f"### {_HEADINGS[severity.value]} ({len(findings)})", ""]
        lines += [_finding(result, f) for f in findings]
        lines.append("")
    if result.accepted:
        lines += [f"### Accepted ({len(result.accepted)}): listed, not counted", ""]
        lines += [_finding(result, f) for f in result.accepted]
        lines.append("")
    if result.resolved:
        lines += [f"### Resolved since the last report ({len(result.resolved)})", ""]
        for gone in result.resolved:
            milestone = f"milestone {gone.milestone}" if gone.milestone else None
            where = " ".join(md(p) for p in (gone.path, gone.location, milestone) if p)
            lines.append(
                f"- {md(gone.rule)} ({gone.severity.value}) {where}: {md(resolved_text(gone))}"
            )
        lines.append("")
    return lines


class MarkdownRenderer(Renderer):
    name = "md"
    media_type = "text/markdown"
    suffix = ".md"

    def render(self, report: Report) -> str:
        summary = report.summary
        lines = [
            "# spcheck report",
            "",
            f"Site {md(report.site)}, as of {shown(report.as_of)} "
            f"(generated {shown(report.generated_at)}).",
            "",
            f"{plural(summary.errors, 'error')} ({summary.new} new), "
            f"{plural(summary.warnings, 'warning')}, {summary.accepted} accepted, "
            f"{summary.resolved} resolved since the last report, "
            f"{plural(summary.inspections, 'inspection')}.",
            "",
        ]
        for result in report.inspections:
            lines += _inspection(result)
        if any(result.findings for result in report.inspections):
            # Mailed or pasted into a ticket, a runbook path leads nowhere: say where to read it.
            lines += [
                "What to do about a finding: `spcheck rules <rule>` prints its runbook, and the "
                "HTML report carries the runbooks its findings cite.",
                "",
            ]
        return "\n".join(lines).rstrip("\n") + "\n"


def _readers(records: RecordsSummary) -> list[str]:
    if records.readers is None:
        return ["", "Who can read the records: not known (permissions not read)."]
    if not records.readers:
        return ["", "Who can read the records: nobody."]
    lines = [
        "",
        "Who can read the records now:",
        "",
        "| who | organisation | role | folders | until |",
        "| --- | --- | --- | --- | --- |",
    ]
    for reader in records.readers:
        lines.append(
            f"| {md(reader.who)} | {md(reader_organisation(reader))} | {reader.role} "
            f"| {md(', '.join(reader.folders))} | {reader_until(reader)} |"
        )
    return lines
