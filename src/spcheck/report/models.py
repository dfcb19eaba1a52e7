"""The JSON reports as pydantic models: ``spcheck.report/v2`` (``--format json``) and
``spcheck.report/v1`` (``--format json-v1``, kept for one release).

The JSON renderers build these models and dump them, and the JSON Schemas published in
docs/schemas/ are generated from them (``python -m spcheck.schemas``), so the schema a
consumer validates against is the shape the code writes. docs/report-format.md says
what each field means.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from spcheck.domain.findings import Severity
from spcheck.domain.history import FindingState
from spcheck.domain.timeline import MilestoneState

LONDON = ZoneInfo("Europe/London")


def local_iso(moment: dt.datetime) -> str:
    """ISO 8601 in UK local time (BST or GMT as the date falls), as every report says it."""
    return moment.astimezone(LONDON).isoformat()


def _absent(value: Any) -> bool:
    return value is None


def _no_default(schema: dict[str, Any]) -> None:
    # Absent rather than null: the schema gives no default a reader could take for a value.
    schema.pop("default", None)


# A moment in UK local time; written with its offset, e.g. 2026-10-02T23:59:00+01:00.
Timestamp = Annotated[
    AwareDatetime,
    PlainSerializer(local_iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Count = Annotated[int, Field(ge=0)]
# A key a finding carries only when it has a value: left out, never null.
WhenPresent = Annotated[
    str | None,
    Field(exclude_if=_absent, json_schema_extra=_no_default),
    WithJsonSchema({"type": "string"}),
]


class Part(BaseModel):
    """A part of a report: every key is written, no other key is allowed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SummaryV1(Part):
    """Counts over every inspection; errors and warnings count only what is not accepted."""

    errors: Count
    warnings: Count
    inspections: Count


class Summary(Part):
    """Counts over every inspection; errors and warnings count only what is not accepted;
    new counts errors new since the previous cycle; resolved counts findings resolved since."""

    errors: Count
    warnings: Count
    accepted: Count
    new: Count
    resolved: Count
    inspections: Count


class MilestoneV1(Part):
    id: str
    title: str
    due: Timestamp
    state: MilestoneState
    met_at: Timestamp | None
    evidence: list[str] = Field(
        description="Paths of the files that meet it, or for an attested milestone one line "
        "saying what was recorded, by whom, for when."
    )


class Milestone(MilestoneV1):
    kind: str | None = Field(
        description="What meets it: the policy's satisfied_by.kind (file, all_records, "
        "contacts, sample_list, attested)."
    )
    waiting_for: list[str] = Field(
        description="While it is not met (and not waived): what it still waits for, in words "
        "(a file or named document, a copy that passes its checks, a sample list with the "
        "policy's counts, an attestation). Empty once met."
    )


class NextMilestone(Part):
    """The earliest milestone not met or waived."""

    id: str
    title: str
    due: Timestamp
    state: MilestoneState


class Records(Part):
    """Progress of the 60 + 15 against the sample list; case references masked if one looks
    like a personal identifier."""

    sample_expected: Count
    sample_uploaded: Count
    reserves_expected: Count
    reserves_uploaded: Count
    missing: list[str]
    unexpected: list[str]
    duplicates: list[str]


class Reader(Part):
    """Someone who can read the records now."""

    who: str = Field(
        description="A person's address with the mailbox masked, a group's name, or "
        "'<scope> link'."
    )
    kind: Literal["person", "group", "site_group", "link", "unknown"] = Field(
        description="site_group: one of the site's own groups (owners, members, visitors)."
    )
    organisation: str | None = Field(
        description="From the definition (a nominated contact: the partnership), else the "
        "email domain; null for a group or a link."
    )
    organisation_from: Literal["definition", "email domain"] | None
    role: str = Field(description="The highest role: read, write or owner.")
    folders: list[str] = Field(description="Policy folder keys.")
    until: Timestamp | None = Field(
        description="When the last of their permissions ends; null with no_end."
    )
    no_end: bool = Field(description="At least one of their permissions never expires.")


class RecordsV2(Records):
    """Progress of the 60 + 15 against the sample list (case references masked if one looks
    like a personal identifier), and who can read the records now."""

    readers: list[Reader] | None = Field(
        description="Who can read the records now: everyone with a permission (inherited "
        "included, not an expired one, not the app's own) on the folders that hold records or "
        "anything in them. null when the permissions were not read (never taken as nobody)."
    )


class ErrorCounts(Part):
    """Errors new since the previous cycle, open from before, and accepted."""

    new: Count
    open: Count
    accepted: Count


class FindingV1(Part):
    rule: str = Field(description="A rule id from `spcheck rules`.")
    severity: Severity
    path: str | None = Field(
        description="Under the inspection folder; null when the finding is about no item."
    )
    message: str
    milestone: str | None
    kind: WhenPresent = Field(
        default=None, description="The kind of identifier or hidden data, when it has one."
    )
    location: WhenPresent = Field(default=None, description="Where in the file, when known.")
    masked: WhenPresent = Field(
        default=None,
        description="The identifier found, masked: first two and last two characters.",
    )


class Acceptance(Part):
    """Who accepted the finding, when, why and until when."""

    by: str
    at: Timestamp
    reason: str
    until: Timestamp


class Finding(FindingV1):
    key: str = Field(
        description="The finding's identity across check cycles: rule|path|kind|location, and "
        "|milestone when it has no path. No message, no masked value."
    )
    state: Literal[FindingState.NEW, FindingState.OPEN] = Field(
        description="new: not open in the previous cycle (first seen now, or back after being "
        "resolved); open: open in the previous cycle too."
    )
    first_seen: Timestamp
    last_seen: Timestamp
    cycles: int = Field(ge=1, description="Check cycles it has been open in, this one included.")
    reopened: bool = Field(description="This episode follows an earlier one that was resolved.")
    accepted: Acceptance | None


class Resolved(Part):
    """A finding open in the previous cycle and gone in this one."""

    key: str
    rule: str
    severity: Severity
    path: str | None
    milestone: str | None
    location: str | None
    first_seen: Timestamp
    last_seen: Timestamp
    resolved_at: Timestamp
    cycles: int = Field(ge=1)


Status = Literal["ok", "warning", "error"]
Week = Annotated[
    int | None,
    Field(description="Counted week of as_of; null before notification or in a paused week."),
]


class InspectionV1(Part):
    id: str
    partnership: str
    week: Week
    status: Status = Field(
        description="Of the findings that count (accepted ones, which say so in their "
        "message, do not)."
    )
    milestones: list[MilestoneV1]
    records: Records
    findings: list[FindingV1]


class Inspection(Part):
    id: str
    partnership: str
    week: Week
    status: Status = Field(description="Of the findings that count: accepted ones do not.")
    next_milestone: NextMilestone | None
    errors: ErrorCounts
    trend: list[Count] = Field(
        max_length=14,
        description="Open errors in each of the last check cycles, oldest first, this one last.",
    )
    milestones: list[Milestone]
    records: RecordsV2
    findings: list[Finding]
    resolved: list[Resolved]


class ReportV2(Part):
    """The report of one spcheck check cycle (`spcheck check --format json`). See
    docs/report-format.md."""

    model_config = ConfigDict(title="spcheck.report/v2")

    schema_id: Literal["spcheck.report/v2"] = Field(alias="schema")
    generated_at: Timestamp
    as_of: Timestamp
    site: str
    summary: Summary
    inspections: list[Inspection]


class ReportV1(Part):
    """The previous report shape (`spcheck check --format json-v1`), kept for one release.
    See docs/report-format.md."""

    model_config = ConfigDict(title="spcheck.report/v1")

    schema_id: Literal["spcheck.report/v1"] = Field(alias="schema")
    generated_at: Timestamp
    as_of: Timestamp
    site: str
    summary: SummaryV1
    inspections: list[InspectionV1]


def dump(document: BaseModel) -> dict[str, Any]:
    """The document as JSON-ready data, with its published key names."""
    data: dict[str, Any] = document.model_dump(mode="json", by_alias=True)
    return data
