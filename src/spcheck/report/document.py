"""The report as plain data (the ``spcheck.report/v1`` shape, DESIGN.md section 6), and
the shared helpers the text renderers use: local time, runbook links, labels.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from spcheck.domain.findings import Finding, Severity
from spcheck.report.interface import Report
from spcheck.rules.interface import InspectionResult, MilestoneResult, RecordsSummary

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


def finding_dict(finding: Finding) -> dict[str, Any]:
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
    return {
        "id": result.id,
        "partnership": result.partnership,
        "week": result.week,
        "status": result.status,
        "milestones": [milestone_dict(m) for m in result.milestones],
        "records": records_dict(result.records),
        "findings": [finding_dict(f) for f in result.findings],
    }


def report_dict(report: Report) -> dict[str, Any]:
    summary = report.summary
    return {
        "schema": report.schema,
        "generated_at": iso(report.generated_at),
        "as_of": iso(report.as_of),
        "site": report.site,
        "summary": {
            "errors": summary.errors,
            "warnings": summary.warnings,
            "inspections": summary.inspections,
        },
        "inspections": [inspection_dict(i) for i in report.inspections],
    }


def by_severity(findings: tuple[Finding, ...]) -> list[tuple[Severity, list[Finding]]]:
    """Findings grouped error, warning, info; empty groups left out."""
    groups = [(s, [f for f in findings if f.severity == s]) for s in SEVERITIES]
    return [(s, items) for s, items in groups if items]
