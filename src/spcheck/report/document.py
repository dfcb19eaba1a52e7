"""The report as plain data (``spcheck.report/v2``, and the ``v1`` shape kept for one
release), and the shared helpers the text renderers use: local time, runbook links,
labels, each finding's history and acceptance in words.

docs/report-format.md describes both shapes; docs/schemas/ holds their JSON Schemas.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from spcheck.domain.findings import Finding, Severity, finding_key
from spcheck.domain.history import Accepted, FindingNote, FindingState, Resolved
from spcheck.domain.timeline import MilestoneState
from spcheck.report.interface import REPORT_SCHEMA_V1, Report
from spcheck.rules.interface import InspectionResult, MilestoneResult, RecordsSummary
from spcheck.rules.privacy import redact

LONDON = ZoneInfo("Europe/London")
SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LONDON)


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else local(moment).isoformat()


def shown(moment: dt.datetime | None) -> str:
    """A time as people read it in reports: ``Fri 02 Oct 2026 23:59 BST``."""
    if moment is None:
        return ""
    at = local(moment)
    return at.strftime("%a %d %b %Y %H:%M ") + (at.tzname() or "")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def runbook(rule_id: str) -> str | None:
    from spcheck.rules.registry import runbook_for

    return runbook_for(rule_id)


DONE = frozenset({MilestoneState.MET, MilestoneState.MET_LATE, MilestoneState.WAIVED})


def note_of(result: InspectionResult, finding: Finding) -> FindingNote:
    """The finding's history and acceptance; without a recorded history, seen for the first
    time at the result's ``as_of``."""
    note = result.note(finding)
    if note is not None:
        return note
    seen = result.as_of or dt.datetime.now(dt.UTC)
    return FindingNote(finding_key(finding), FindingState.NEW, seen, seen, 1)


def days(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, (local(end).date() - local(start).date()).days)


def history_text(note: FindingNote) -> str:
    """``new``, ``new (back after being resolved)`` or ``open for N days``."""
    if note.state is FindingState.NEW:
        return "new (back after being resolved)" if note.reopened else "new"
    span = days(note.first_seen, note.last_seen)
    if span == 0:
        return f"open since {shown(note.first_seen)}"
    return f"open for {plural(span, 'day')}"


def accepted_text(accepted: Accepted) -> str:
    """``accepted by NAME until DATE: REASON`` (names and reasons masked like any text)."""
    return (
        f"accepted by {redact(accepted.by)} until {shown(accepted.until)}: "
        f"{redact(accepted.reason)}"
    )


def resolved_text(resolved: Resolved) -> str:
    span = days(resolved.first_seen, resolved.resolved_at)
    return f"resolved {shown(resolved.resolved_at)}, open {plural(span, 'day')}"


def next_milestone(result: InspectionResult) -> MilestoneResult | None:
    """The earliest milestone not yet met or waived."""
    pending = [m for m in result.milestones if m.state not in DONE]
    return min(pending, key=lambda m: m.due) if pending else None


def error_counts(result: InspectionResult) -> dict[str, int]:
    """Errors new since the previous cycle, open from before, and accepted."""
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    accepted = sum(1 for f in errors if result.is_accepted(f))
    new = result.count_new(Severity.ERROR)
    return {"new": new, "open": len(errors) - accepted - new, "accepted": accepted}


def _finding_core(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "path": finding.path,
        "message": finding.message,
        "milestone": finding.milestone,
    }
    for key in ("kind", "location", "masked"):
        value = getattr(finding, key)
        if value is not None:
            data[key] = value
    return data


def finding_dict(finding: Finding, note: FindingNote) -> dict[str, Any]:
    data = _finding_core(finding)
    accepted = note.accepted
    data.update(
        {
            "key": note.key,
            "state": note.state.value,
            "first_seen": iso(note.first_seen),
            "last_seen": iso(note.last_seen),
            "cycles": note.cycles,
            "reopened": note.reopened,
            "accepted": None
            if accepted is None
            else {
                "by": redact(accepted.by),
                "at": iso(accepted.at),
                "reason": redact(accepted.reason),
                "until": iso(accepted.until),
            },
        }
    )
    return data


def resolved_dict(resolved: Resolved) -> dict[str, Any]:
    return {
        "key": resolved.key,
        "rule": resolved.rule,
        "severity": resolved.severity.value,
        "path": resolved.path,
        "milestone": resolved.milestone,
        "location": resolved.location,
        "first_seen": iso(resolved.first_seen),
        "last_seen": iso(resolved.last_seen),
        "resolved_at": iso(resolved.resolved_at),
        "cycles": resolved.cycles,
    }


def milestone_dict(milestone: MilestoneResult) -> dict[str, Any]:
    return {
        "id": milestone.id,
        "title": milestone.title,
        "due": iso(milestone.due),
        "state": milestone.state.value,
        "met_at": iso(milestone.met_at),
        "evidence": list(milestone.evidence),
    }


def records_dict(records: RecordsSummary) -> dict[str, Any]:
    return {
        "sample_expected": records.sample_expected,
        "sample_uploaded": records.sample_uploaded,
        "reserves_expected": records.reserves_expected,
        "reserves_uploaded": records.reserves_uploaded,
        "missing": list(records.missing),
        "unexpected": list(records.unexpected),
        "duplicates": list(records.duplicates),
    }


def inspection_dict(result: InspectionResult) -> dict[str, Any]:
    upcoming = next_milestone(result)
    return {
        "id": result.id,
        "partnership": result.partnership,
        "week": result.week,
        "status": result.status,
        "next_milestone": None
        if upcoming is None
        else {
            "id": upcoming.id,
            "title": upcoming.title,
            "due": iso(upcoming.due),
            "state": upcoming.state.value,
        },
        "errors": error_counts(result),
        "trend": list(result.trend),
        "milestones": [
            {**milestone_dict(m), "kind": m.kind, "waiting_for": list(m.waiting_for)}
            for m in result.milestones
        ],
        "records": records_dict(result.records),
        "findings": [finding_dict(f, note_of(result, f)) for f in result.findings],
        "resolved": [resolved_dict(r) for r in result.resolved],
    }


def report_dict(report: Report) -> dict[str, Any]:
    """``spcheck.report/v2``."""
    summary = report.summary
    return {
        "schema": report.schema,
        "generated_at": iso(report.generated_at),
        "as_of": iso(report.as_of),
        "site": report.site,
        "summary": {
            "errors": summary.errors,
            "warnings": summary.warnings,
            "accepted": summary.accepted,
            "new": summary.new,
            "resolved": summary.resolved,
            "inspections": summary.inspections,
        },
        "inspections": [inspection_dict(i) for i in report.inspections],
    }


def report_dict_v1(report: Report) -> dict[str, Any]:
    """``spcheck.report/v1``, as it was: accepted findings keep their place and say so at
    the end of their message; status and summary count only what is not accepted."""
    summary = report.summary

    def finding_v1(result: InspectionResult, finding: Finding) -> dict[str, Any]:
        data = _finding_core(finding)
        accepted = note_of(result, finding).accepted
        if accepted is not None:
            data["message"] = f"{finding.message} [{accepted_text(accepted)}]"
        return data

    return {
        "schema": REPORT_SCHEMA_V1,
        "generated_at": iso(report.generated_at),
        "as_of": iso(report.as_of),
        "site": report.site,
        "summary": {
            "errors": summary.errors,
            "warnings": summary.warnings,
            "inspections": summary.inspections,
        },
        "inspections": [
            {
                "id": result.id,
                "partnership": result.partnership,
                "week": result.week,
                "status": result.status,
                "milestones": [milestone_dict(m) for m in result.milestones],
                "records": records_dict(result.records),
                "findings": [finding_v1(result, f) for f in result.findings],
            }
            for result in report.inspections
        ],
    }


def by_severity(findings: tuple[Finding, ...]) -> list[tuple[Severity, list[Finding]]]:
    """Findings grouped error, warning, info; empty groups left out."""
    groups = [(s, [f for f in findings if f.severity == s]) for s in SEVERITIES]
    return [(s, items) for s, items in groups if items]
