"""A self-contained HTML page for the SSO: no scripts, no external assets, readable printed
and mailed.

It opens with the programme overview (one row per inspection: week, status, the next
milestone, new, open and accepted errors, a small inline-SVG trend of open errors, a
link to the inspection's section), then one section per inspection (timeline,
milestones, records, findings with their history, accepted findings, what was resolved
since the last report) and the runbooks its findings cite.

jinja2 with autoescape on renders a view model built here; every name and message is
escaped by the template engine, and a Content-Security-Policy forbids anything but the
inline style even if something got through.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import jinja2

from spcheck.domain.findings import Finding
from spcheck.report.document import (
    accepted_text,
    by_severity,
    error_counts,
    history_text,
    local,
    next_milestone,
    note_of,
    plural,
    reader_organisation,
    reader_until,
    resolved_text,
    runbook,
    shown,
)
from spcheck.report.interface import Renderer, Report
from spcheck.report.runbooks import embedded, page_link
from spcheck.rules.interface import InspectionResult

_LABELS = {"error": "Errors", "warning": "Warnings", "info": "Information"}
_MET_BY = {
    "file": "upload",
    "all_records": "every sample record",
    "contacts": "contacts named",
    "attested": "attested by the SSO",
}
TREND_WIDTH, TREND_HEIGHT, TREND_PAD = 112, 26, 3


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("spcheck.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2")


def _monday(moment: dt.datetime) -> dt.date:
    day = local(moment).date()
    return day - dt.timedelta(days=day.weekday())


def _pct(done: int, expected: int) -> int:
    return 0 if expected <= 0 else max(0, min(100, round(100 * done / expected)))


def _weeks(result: InspectionResult) -> list[dict[str, Any]]:
    today = _monday(result.as_of) if result.as_of else None
    opened = _monday(result.access_from) if result.access_from else None
    closed = _monday(result.access_until) if result.access_until else None
    cells = []
    for week in result.weeks:
        classes = []
        if week.paused:
            classes.append("paused")
        if opened and closed and opened <= week.start <= closed:
            classes.append("window")
        if week.start == today:
            classes.append("today")
        marks = [
            {
                "id": m.id,
                "state": m.state.value,
                "title": f"{m.title}: due {shown(m.due)}"
                + (" (attested by the SSO)" if m.kind == "attested" else ""),
                "attested": m.kind == "attested",
            }
            for m in result.milestones
            if _monday(m.due) == week.start
        ]
        label = "holiday" if week.number is None else f"W{week.number}"
        cells.append(
            {
                "label": label,
                "date": week.start.strftime("%d %b"),
                "classes": " ".join(classes),
                "title": f"week of {week.start:%d %B %Y}"
                + (" (today)" if week.start == today else ""),
                "marks": marks,
                "today": week.start == today,
            }
        )
    return cells


def trend(values: tuple[int, ...]) -> dict[str, Any] | None:
    """Points of a small line chart of open errors, oldest first (None: nothing to draw)."""
    if not values:
        return None
    top = max(max(values), 1)
    step = (TREND_WIDTH - 2 * TREND_PAD) / max(len(values) - 1, 1)
    span = TREND_HEIGHT - 2 * TREND_PAD
    points = [
        (round(TREND_PAD + i * step, 1), round(TREND_HEIGHT - TREND_PAD - v / top * span, 1))
        for i, v in enumerate(values)
    ]
    return {
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
        "points": " ".join(f"{x},{y}" for x, y in points),
        "last": points[-1],
        "label": f"open errors over the last {plural(len(values), 'cycle')}, oldest first: "
        + ", ".join(str(v) for v in values),
        "now": values[-1],
    }


def _overview(result: InspectionResult, anchor: str) -> dict[str, Any]:
    upcoming = next_milestone(result)
    return {
        "anchor": anchor,
        "id": result.id,
        "partnership": result.partnership,
        "week": "—" if result.week is None else result.week,
        "status": result.status,
        "next": None
        if upcoming is None
        else {
            "title": upcoming.title,
            "due": shown(upcoming.due),
            "state": upcoming.state.value,
            "state_label": upcoming.state.value.replace("_", " "),
        },
        "errors": error_counts(result),
        "trend": trend(result.trend),
    }


def _finding(result: InspectionResult, f: Finding, linked: frozenset[str]) -> dict[str, Any]:
    note = note_of(result, f)
    return {
        "rule": f.rule,
        "path": f.path or "",
        "message": f.message,
        "where": " · ".join(p for p in (f.location, f.kind, f.masked) if p),
        "runbook": _link(runbook(f.rule), linked),
        "history": history_text(note),
        "state": note.state.value,
        "accepted": accepted_text(note.accepted) if note.accepted else "",
        "severity": f.severity.value,
    }


def _inspection(result: InspectionResult, linked: frozenset[str], anchor: str) -> dict[str, Any]:
    r = result.records
    groups = [
        {
            "severity": severity.value,
            "label": _LABELS[severity.value],
            "findings": [_finding(result, f, linked) for f in findings],
        }
        for severity, findings in by_severity(result.live)
    ]
    accepted = [_finding(result, f, linked) for f in result.accepted]
    resolved = [
        {
            "rule": gone.rule,
            "severity": gone.severity.value,
            "path": gone.path or "",
            "where": " · ".join(p for p in (gone.location, gone.milestone) if p),
            "when": resolved_text(gone),
        }
        for gone in result.resolved
    ]
    window = (
        f"{shown(result.access_from)} to {shown(result.access_until)}"
        if result.access_from and result.access_until
        else "not known"
    )
    return {
        "anchor": anchor,
        "id": result.id,
        "partnership": result.partnership,
        "status": result.status,
        "week": "not counted (paused or before notification)"
        if result.week is None
        else result.week,
        "window": window,
        "weeks": _weeks(result),
        "milestones": [
            {
                "title": m.title,
                "due": shown(m.due),
                "state": m.state.value,
                "state_label": m.state.value.replace("_", " "),
                "met_at": shown(m.met_at),
                "met_by": _MET_BY.get(m.kind or "", ""),
                "evidence": list(m.evidence),
                "evidence_count": len(m.evidence),
                "waiting_for": list(m.waiting_for),
            }
            for m in result.milestones
        ],
        "records": {
            "sample_uploaded": r.sample_uploaded,
            "sample_expected": r.sample_expected,
            "reserves_uploaded": r.reserves_uploaded,
            "reserves_expected": r.reserves_expected,
            "readers": None
            if r.readers is None
            else [
                {
                    "who": reader.who,
                    "organisation": reader_organisation(reader),
                    "role": reader.role,
                    "folders": ", ".join(reader.folders),
                    "until": reader_until(reader),
                    # The site's own groups are open-ended by design: their access without
                    # an end is not marked.
                    "no_end": reader.no_end and reader.kind != "site_group",
                }
                for reader in r.readers
            ],
            "sample_pct": _pct(r.sample_uploaded, r.sample_expected),
            "reserves_pct": _pct(r.reserves_uploaded, r.reserves_expected),
            "lists": [
                (label, list(ids))
                for label, ids in (
                    ("Missing", r.missing),
                    ("Unexpected", r.unexpected),
                    ("Duplicated", r.duplicates),
                )
                if ids
            ],
        },
        "groups": groups,
        "accepted": accepted,
        "resolved": resolved,
    }


def _link(reference: str | None, embedded: frozenset[str]) -> str | None:
    """The in-page section when the runbook is in the page, else the documentation path."""
    if reference and reference.partition("#")[0] in embedded:
        return page_link(reference)
    return reference


class HtmlRenderer(Renderer):
    name = "html"
    media_type = "text/html"
    suffix = ".html"

    def render(self, report: Report) -> str:
        guides = embedded(runbook(f.rule) for result in report.inspections for f in result.findings)
        linked = frozenset(f"runbooks/{guide.name}.md" for guide in guides)
        anchors = [f"inspection-{n}" for n in range(1, len(report.inspections) + 1)]
        return _template().render(
            site=report.site,
            as_of=shown(report.as_of),
            generated_at=shown(report.generated_at),
            summary=report.summary,
            overview=[
                _overview(i, anchor) for i, anchor in zip(report.inspections, anchors, strict=True)
            ],
            inspections=[
                _inspection(i, linked, anchor)
                for i, anchor in zip(report.inspections, anchors, strict=True)
            ],
            runbooks=guides,
        )
