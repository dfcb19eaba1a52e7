"""The report as plain data (``spcheck.report/v2``, and the ``v1`` shape kept for one
release), and the shared helpers the text renderers use: local time, runbook links,
labels, each finding's history and acceptance in words.

The JSON shapes are built as the models of ``report.models``; docs/report-format.md
describes them and docs/schemas/ holds the JSON Schemas generated from those models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from spcheck.domain.findings import Finding, Severity, finding_key
from spcheck.domain.history import Accepted, FindingNote, FindingState, Resolved
from spcheck.domain.timeline import MilestoneState
from spcheck.report import models
from spcheck.report.interface import REPORT_SCHEMA_V1, Report
from spcheck.report.models import LONDON, local_iso
from spcheck.rules.interface import (
    InspectionResult,
    MilestoneResult,
    RecordReader,
    RecordsSummary,
)
from spcheck.rules.privacy import redact

SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LONDON)


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else local_iso(moment)


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
    return {
        "rule": finding.rule,
        "severity": finding.severity,
        "path": finding.path,
        "message": finding.message,
        "milestone": finding.milestone,
        "kind": finding.kind,
        "location": finding.location,
        "masked": finding.masked,
    }


def finding_model(finding: Finding, note: FindingNote) -> models.Finding:
    accepted = note.accepted
    return models.Finding(
        **_finding_core(finding),
        key=note.key,
        state=note.state,
        first_seen=note.first_seen,
        last_seen=note.last_seen,
        cycles=note.cycles,
        reopened=note.reopened,
        accepted=None
        if accepted is None
        else models.Acceptance(
            by=redact(accepted.by),
            at=accepted.at,
            reason=redact(accepted.reason),
            until=accepted.until,
        ),
    )


def resolved_model(resolved: Resolved) -> models.Resolved:
    return models.Resolved(
        key=resolved.key,
        rule=resolved.rule,
        severity=resolved.severity,
        path=resolved.path,
        milestone=resolved.milestone,
        location=resolved.location,
        first_seen=resolved.first_seen,
        last_seen=resolved.last_seen,
        resolved_at=resolved.resolved_at,
        cycles=resolved.cycles,
    )


def _milestone_fields(milestone: MilestoneResult) -> dict[str, Any]:
    return {
        "id": milestone.id,
        "title": milestone.title,
        "due": milestone.due,
        "state": milestone.state,
        "met_at": milestone.met_at,
        "evidence": list(milestone.evidence),
    }


def records_model(records: RecordsSummary) -> models.Records:
    return models.Records(
        sample_expected=records.sample_expected,
        sample_uploaded=records.sample_uploaded,
        reserves_expected=records.reserves_expected,
        reserves_uploaded=records.reserves_uploaded,
        missing=list(records.missing),
        unexpected=list(records.unexpected),
        duplicates=list(records.duplicates),
    )


def reader_model(reader: RecordReader) -> models.Reader:
    return models.Reader(
        who=reader.who,
        kind=reader.kind,
        organisation=reader.organisation,
        organisation_from=reader.organisation_from,
        role=reader.role,
        folders=list(reader.folders),
        until=reader.until,
        no_end=reader.no_end,
    )


def records_model_v2(records: RecordsSummary) -> models.RecordsV2:
    """With who can read the records now; ``readers`` None when the permissions were not read."""
    return models.RecordsV2(
        **records_model(records).model_dump(),
        readers=None if records.readers is None else [reader_model(r) for r in records.readers],
    )


def reader_until(reader: RecordReader) -> str:
    """Until when, as the text reports say it: an open-ended permission is flagged."""
    return "no end (never expires)" if reader.no_end else shown(reader.until)


def reader_organisation(reader: RecordReader) -> str:
    if reader.organisation is None:
        return "the site's own group" if reader.kind == "site_group" else "-"
    if reader.organisation_from == "email domain":
        return f"{reader.organisation} (by email domain)"
    return reader.organisation


def inspection_model(result: InspectionResult) -> models.Inspection:
    upcoming = next_milestone(result)
    return models.Inspection(
        id=result.id,
        partnership=result.partnership,
        week=result.week,
        status=result.status,
        next_milestone=None
        if upcoming is None
        else models.NextMilestone(
            id=upcoming.id, title=upcoming.title, due=upcoming.due, state=upcoming.state
        ),
        errors=models.ErrorCounts(**error_counts(result)),
        trend=list(result.trend),
        milestones=[
            models.Milestone(**_milestone_fields(m), kind=m.kind, waiting_for=list(m.waiting_for))
            for m in result.milestones
        ],
        records=records_model_v2(result.records),
        findings=[finding_model(f, note_of(result, f)) for f in result.findings],
        resolved=[resolved_model(r) for r in result.resolved],
    )


def report_model(report: Report) -> models.ReportV2:
    """``spcheck.report/v2``."""
    summary = report.summary
    return models.ReportV2(
        schema=report.schema,
        generated_at=report.generated_at,
        as_of=report.as_of,
        site=report.site,
        summary=models.Summary(
            errors=summary.errors,
            warnings=summary.warnings,
            accepted=summary.accepted,
            new=summary.new,
            resolved=summary.resolved,
            inspections=summary.inspections,
        ),
        inspections=[inspection_model(i) for i in report.inspections],
    )


def report_model_v1(report: Report) -> models.ReportV1:
    """``spcheck.report/v1``, as it was: accepted findings keep their place and say so at
    the end of their message; status and summary count only what is not accepted."""
    summary = report.summary

    def finding_v1(result: InspectionResult, finding: Finding) -> models.FindingV1:
        data = _finding_core(finding)
        accepted = note_of(result, finding).accepted
        if accepted is not None:
            data["message"] = f"{finding.message} [{accepted_text(accepted)}]"
        return models.FindingV1(**data)

    return models.ReportV1(
        schema=REPORT_SCHEMA_V1,
        generated_at=report.generated_at,
        as_of=report.as_of,
        site=report.site,
        summary=models.SummaryV1(
            errors=summary.errors, warnings=summary.warnings, inspections=summary.inspections
        ),
        inspections=[
            models.InspectionV1(
                id=result.id,
                partnership=result.partnership,
                week=result.week,
                status=result.status,
                milestones=[models.MilestoneV1(**_milestone_fields(m)) for m in result.milestones],
                records=records_model(result.records),
                findings=[finding_v1(result, f) for f in result.findings],
            )
            for result in report.inspections
        ],
    )


def report_dict(report: Report) -> dict[str, Any]:
    """``spcheck.report/v2`` as JSON-ready data."""
    return models.dump(report_model(report))


def report_dict_v1(report: Report) -> dict[str, Any]:
    """``spcheck.report/v1`` as JSON-ready data."""
    return models.dump(report_model_v1(report))


def by_severity(findings: tuple[Finding, ...]) -> list[tuple[Severity, list[Finding]]]:
    """Findings grouped error, warning, info; empty groups left out."""
    groups = [(s, [f for f in findings if f.severity == s]) for s in SEVERITIES]
    return [(s, items) for s, items in groups if items]
