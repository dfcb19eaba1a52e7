"""Reports built from plain values, with the names a hostile partnership might choose."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from spcheck.domain.findings import Finding, Severity, finding_key
from spcheck.domain.history import Accepted, FindingNote, FindingState, Resolved
from spcheck.domain.timeline import MilestoneState
from spcheck.report import Report
from spcheck.rules import InspectionResult, MilestoneResult, RecordsSummary, WeekMark

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
XSS_NAME = "<img src=x onerror=alert(1)>.pdf"
XSS_PATH = f"03 Records sample/{XSS_NAME}"
FORMULA_PATHS = ("=HYPERLINK(1).xlsx", "+cmd.csv", "-2+3.pdf", "@SUM(A1).docx")
GENERATED = dt.datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
AS_OF = dt.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def finding(
    rule: str,
    severity: Severity,
    message: str,
    path: str | None = None,
    milestone: str | None = None,
    **detail: str,
) -> Finding:
    return Finding(rule, severity, message, path, milestone, **detail)


def sample_result() -> InspectionResult:
    findings = (
        finding(
            "records.unexpected",
            Severity.ERROR,
            "a file named as record GM-0001, which is not on the sample list",
            XSS_PATH,
            "records",
        ),
        finding(
            "content.personal_identifier",
            Severity.ERROR,
            "a CHI number (confidence 0.95)",
            "01 Pre-inspection return/PIR.xlsx",
            "pir",
            kind="chi",
            location="sheet Cases cell B7",
            masked="01******37",
        ),
        finding("check.unverifiable", Severity.ERROR, "the folder permissions were not read"),
        *(
            finding("file.type_not_allowed", Severity.ERROR, "not allowed", path)
            for path in FORMULA_PATHS
        ),
        finding(
            "records.naming",
            Severity.WARNING,
            "not named by a case reference | pipe & <b>bold</b>",
            "03 Records sample/~notes*_[x](y).pdf",
            "records",
        ),
        finding(
            "deadline.due_soon", Severity.INFO, "due Fri 06 Nov 2026 23:59 GMT", None, "records"
        ),
    )
    milestones = (
        MilestoneResult(
            "pir",
            "Pre-inspection return uploaded",
            dt.datetime(2026, 10, 2, 23, 59, tzinfo=LONDON),
            MilestoneState.MET,
            dt.datetime(2026, 9, 30, 10, 15, tzinfo=UTC),
            ("01 Pre-inspection return/PIR.xlsx",),
        ),
        MilestoneResult(
            "records",
            "Records for the sample of 60 plus 15 reserves uploaded",
            dt.datetime(2026, 11, 6, 23, 59, tzinfo=LONDON),
            MilestoneState.DUE_SOON,
            waiting_for=("2 sample records not uploaded", "<b>2 reserves</b> not uploaded"),
        ),
    )
    weeks = tuple(
        WeekMark(
            None if monday == dt.date(2026, 10, 12) else index - (monday > dt.date(2026, 10, 12)),
            monday,
            monday == dt.date(2026, 10, 12),
        )
        for index, monday in ((i, dt.date(2026, 9, 7) + dt.timedelta(weeks=i)) for i in range(10))
    )
    return InspectionResult(
        id="glenmorven-2026",
        partnership="Glenmorven <Community> Planning & Partnership",
        week=7,
        status="error",
        milestones=milestones,
        records=RecordsSummary(60, 58, 15, 13, ("GM-2999", "GM-9233"), ("GM-0001",), ()),
        findings=findings,
        weeks=weeks,
        as_of=AS_OF,
        access_from=dt.datetime(2026, 9, 21, 0, 0, tzinfo=LONDON),
        access_until=dt.datetime(2026, 12, 18, 23, 59, tzinfo=LONDON),
    )


def sample_report(*results: InspectionResult) -> Report:
    return Report(
        generated_at=GENERATED,
        as_of=AS_OF,
        site="glenmorven.example:/sites/inspections",
        inspections=results or (sample_result(),),
    )


ACCEPTED_PATH = FORMULA_PATHS[0]
ACCEPTED_BY = "Ailsa Placeholder (SSO)"
ACCEPTED_REASON = "agreed with the inspection lead: the partnership replaces it in week 8"
FIRST_SEEN = AS_OF - dt.timedelta(days=3)
RESOLVED_KEY = "pir.missing|01 Pre-inspection return||"


def followed_result() -> InspectionResult:
    """``sample_result`` after some cycles: the unexpected record open for three days, one
    file of a refused type accepted, the PIR finding resolved, a trend of open errors."""
    base = sample_result()
    notes: dict[str, FindingNote] = {}
    for f in base.findings:
        key = finding_key(f)
        notes[key] = FindingNote(key, FindingState.NEW, AS_OF, AS_OF, 1)
    unexpected = finding_key(base.findings[0])
    notes[unexpected] = FindingNote(unexpected, FindingState.OPEN, FIRST_SEEN, AS_OF, 4)
    accepted = next(finding_key(f) for f in base.findings if f.path == ACCEPTED_PATH)
    notes[accepted] = FindingNote(
        accepted,
        FindingState.OPEN,
        FIRST_SEEN,
        AS_OF,
        4,
        accepted=Accepted(
            ACCEPTED_BY,
            AS_OF - dt.timedelta(days=1),
            ACCEPTED_REASON,
            AS_OF + dt.timedelta(days=10),
        ),
    )
    resolved = (
        Resolved(
            key=RESOLVED_KEY,
            rule="pir.missing",
            severity=Severity.ERROR,
            first_seen=FIRST_SEEN,
            last_seen=AS_OF - dt.timedelta(days=1),
            resolved_at=AS_OF,
            cycles=3,
            path="01 Pre-inspection return",
            milestone="pir",
        ),
    )
    return base.with_history(notes, resolved, (2, 3, 5, 7, 6))
