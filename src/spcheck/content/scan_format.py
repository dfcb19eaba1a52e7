"""The ``spcheck scan --format json`` document (``spcheck.scan/v1``) as pydantic models.

``spcheck scan`` builds this model and dumps it, and docs/schemas/scan-v1.schema.json is
generated from it (``python -m spcheck.schemas``); docs/scan-format.md says what each
field means. Nothing in it repeats what was found: identifiers are masked, in paths too.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from spcheck.content.api import FileScan, mask_identifiers
from spcheck.content.interface import FileType, Status
from spcheck.domain.findings import Severity

SCAN_SCHEMA = "spcheck.scan/v1"


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScanFinding(Part):
    rule: str = Field(description="A rule id from `spcheck rules` (file.*, content.*, check.*).")
    kind: str | None = Field(
        description="The kind of identifier (chi, nhs_number, ...) or of hidden data "
        "(tracked_change, ...); null when the rule has no kinds."
    )
    severity: Severity = Field(description="The rule's default severity.")
    location: str | None = Field(
        description="Where in the file (page 2, sheet 'Cases' cell B4, ...), when known."
    )
    masked: str | None = Field(
        description="The identifier found, masked: first two and last two characters."
    )
    message: str


class ScannedFile(Part):
    path: str = Field(description="The path as given, with any identifier in it masked.")
    type: FileType = Field(description="The file's type, from its first bytes and its name.")
    status: Status = Field(
        description="error: the file was not (fully) checked (unreadable, unverifiable); "
        "fail: a finding of severity error, or an empty file; pass: neither."
    )
    findings: list[ScanFinding]


class ScanV1(Part):
    """The result of `spcheck scan FILE... --format json`. See docs/scan-format.md."""

    model_config = ConfigDict(title=SCAN_SCHEMA)

    schema_id: Literal["spcheck.scan/v1"] = Field(alias="schema")
    files: list[ScannedFile]


def scan_model(scans: list[FileScan]) -> ScanV1:
    return ScanV1(
        schema=SCAN_SCHEMA,
        files=[
            ScannedFile(
                path=mask_identifiers(scan.path),
                type=scan.type,
                status=scan.status,
                findings=[
                    ScanFinding(
                        rule=f.rule,
                        kind=f.kind,
                        severity=f.severity,
                        location=f.location,
                        masked=f.masked,
                        message=f.message,
                    )
                    for f in scan.findings
                ],
            )
            for scan in scans
        ],
    )
