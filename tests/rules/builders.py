"""Plain-value snapshots of the glenmorven example, built by hand.

``clean_uploads()``, ``clean_access()`` and ``clean_attested()`` describe an inspection
where everything is in order on ``CLEAN_AS_OF`` (week 8: the PIR, records and training in
on time, the steps the SSO attests recorded on time, the position statement not due yet,
every contact with exactly the access they need), so a test changes one thing and expects
exactly the findings that change brings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib
from collections.abc import Iterable
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from spcheck.domain.attestation import Attestation
from spcheck.domain.findings import Finding, Severity
from spcheck.domain.snapshot import (
    Access,
    ContentCheck,
    ContentStatus,
    InspectionSnapshot,
    Principal,
    Unverified,
    Upload,
)
from spcheck.loader import LoadedInspection, load_inspection, load_policies
from spcheck.rules import InspectionResult, RuleContext, evaluate
from tests.conftest import EXAMPLES, POLICIES

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
INSPECTION_ID = "glenmorven-2026"

PIR = "01 Pre-inspection return"
PS = "02 Position statement and evidence"
SAMPLE = "03 Records sample"
RESERVES = "04 Records reserves"
TRAINING = "05 Training materials (redacted)"
SURVEY = "06 Staff survey"
SSO = "99 SSO only"
FOLDER_KEYS = {
    PIR: "pir",
    PS: "position-statement",
    SAMPLE: "records",
    RESERVES: "records-reserves",
    TRAINING: "training",
    SURVEY: "staff-survey",
    SSO: "sso",
}

COORDINATOR = "morag.testperson@glenmorven-council.example"
RECORDS_UPLOADER = "iain.sampleton@nhs-glenmorven.example"
DOCS_UPLOADER = "eilidh.placeholder@glenmorven-council.example"

# Glenmorven's dates under the shipped policy (notified 7 Sep 2026, 12 Oct paused).
PIR_DUE = dt.datetime(2026, 10, 2, 23, 59, tzinfo=LONDON)  # BST
RECORDS_DUE = dt.datetime(2026, 11, 6, 23, 59, tzinfo=LONDON)  # GMT
POSITION_DUE = dt.datetime(2026, 11, 20, 23, 59, tzinfo=LONDON)
ACCESS_FROM = dt.datetime(2026, 9, 21, 0, 0, tzinfo=LONDON)
ACCESS_UNTIL = dt.datetime(2026, 12, 18, 23, 59, tzinfo=LONDON)
CLEAN_AS_OF = dt.datetime(2026, 11, 10, 12, 0, tzinfo=LONDON)
ONE_SECOND = dt.timedelta(seconds=1)


@cache
def loaded() -> LoadedInspection:
    policies = load_policies(POLICIES)
    return load_inspection(EXAMPLES / f"{INSPECTION_ID}.yaml", policies)


def with_inspection(**changes: Any) -> LoadedInspection:
    base = loaded()
    return dataclasses.replace(base, inspection=base.inspection.model_copy(update=changes))


def with_policy(**changes: Any) -> LoadedInspection:
    base = loaded()
    return dataclasses.replace(base, policy=base.policy.model_copy(update=changes))


def without_sample() -> LoadedInspection:
    return dataclasses.replace(loaded(), sample=None)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def file(path: str, *, size: int = 2048, created: dt.datetime | None = None) -> Upload:
    folder, _, name = path.rpartition("/")
    key = FOLDER_KEYS.get(folder.split("/", 1)[0]) if folder else None
    return Upload(
        path=path,
        name=name,
        is_folder=False,
        folder_key=key,
        size=size,
        created_at=created or at(2026, 9, 29),
    )


def folder(path: str, *, created: dt.datetime | None = None) -> Upload:
    parent, _, name = path.rpartition("/")
    key = FOLDER_KEYS.get((parent or path).split("/", 1)[0])
    return Upload(path, name, True, key, None, created or at(2026, 9, 29))


def record_ids(kind: str) -> list[str]:
    sample = loaded().sample
    assert sample is not None
    return sample.ids(kind)  # type: ignore[arg-type]


def clean_uploads() -> list[Upload]:
    uploads = [
        file(f"{PIR}/PIR glenmorven.xlsx", created=at(2026, 9, 30)),
        file(f"{TRAINING}/assessment and plan (redacted).pdf", created=at(2026, 11, 2)),
    ]
    arrived = at(2026, 11, 3)
    uploads += [file(f"{SAMPLE}/{rid}.pdf", created=arrived) for rid in record_ids("sample")]
    uploads += [file(f"{RESERVES}/{rid}.pdf", created=arrived) for rid in record_ids("reserve")]
    return uploads


def passed(uploads: Iterable[Upload]) -> dict[str, ContentCheck]:
    return {
        u.path: ContentCheck(u.path, ContentStatus.PASS, (), 1200)
        for u in uploads
        if not u.is_folder
    }


def grant(
    path: str,
    email: str | None,
    role: str = "write",
    *,
    principal: Principal = Principal.USER,
    inherited: bool = False,
    expires: dt.datetime | None = None,
    scope: str | None = None,
    pid: str | None = None,
) -> Access:
    return Access(
        path=path,
        permission_id=pid
        or f"p-{zlib.crc32(repr((path, email, role, principal, scope)).encode()):08x}",
        roles=(role,),
        principal=principal,
        email=email,
        link_scope=scope,
        link_type="view" if scope else None,
        expires_at=expires,
        inherited=inherited,
    )


def link(path: str, scope: str) -> Access:
    return grant(path, None, "read", principal=Principal.LINK, scope=scope)


def clean_access() -> list[Access]:
    return [
        grant("", COORDINATOR, "write"),
        grant(SAMPLE, RECORDS_UPLOADER),
        grant(RESERVES, RECORDS_UPLOADER),
        grant(PIR, DOCS_UPLOADER),
        grant(PS, DOCS_UPLOADER),
        grant(TRAINING, DOCS_UPLOADER),
        # Care Inspectorate staff and the application itself are not partnership access.
        grant("", "sso.officer@careinspectorate.example", "owner"),
        grant("", None, "owner", principal=Principal.APPLICATION),
        # What the coordinator's grant on the inspection folder looks like further down.
        grant(PIR, COORDINATOR, "write", inherited=True),
    ]


# When the SSO recorded each attested step (each on time).
ATTESTED_ON = {
    "survey-distribution": dt.datetime(2026, 10, 1, 11, 0, tzinfo=LONDON),
    "pd1": dt.datetime(2026, 10, 7, 14, 0, tzinfo=LONDON),
    "survey-closed": dt.datetime(2026, 10, 30, 17, 0, tzinfo=LONDON),
    "reader-training": dt.datetime(2026, 11, 4, 10, 0, tzinfo=LONDON),
}


def attestation(milestone: str, on: dt.datetime, **extra: Any) -> Attestation:
    values: dict[str, Any] = {
        "id": f"att-{milestone}",
        "inspection_id": INSPECTION_ID,
        "milestone": milestone,
        "on": on,
        "recorded_at": on,
        "by": "Ailsa Placeholder (SSO)",
        "value": 143 if milestone == "survey-distribution" else None,
    }
    values.update(extra)
    return Attestation(**values)


def clean_attested(*, drop: str | None = None) -> dict[str, Attestation]:
    return {m: attestation(m, on) for m, on in ATTESTED_ON.items() if m != drop}


def snapshot(
    uploads: Iterable[Upload] | None = None,
    *,
    access: Iterable[Access] | None = (),
    content: dict[str, ContentCheck] | None = None,
    unverified: Iterable[Unverified] = (),
    provisioned: bool = True,
    attested: dict[str, Attestation] | None = None,
) -> InspectionSnapshot:
    items = tuple(clean_uploads() if uploads is None else uploads)
    return InspectionSnapshot(
        inspection_id=INSPECTION_ID,
        root_path=f"Inspections/{INSPECTION_ID}",
        provisioned=provisioned,
        uploads=items,
        access=None if access is None else tuple(access),
        content=passed(items) if content is None else content,
        unverified=tuple(unverified),
        attested=clean_attested() if attested is None else attested,
    )


def clean_snapshot(**changes: Any) -> InspectionSnapshot:
    changes.setdefault("access", clean_access())
    return snapshot(**changes)


def run(
    snap: InspectionSnapshot | None = None,
    as_of: dt.datetime = CLEAN_AS_OF,
    inspection: LoadedInspection | None = None,
) -> InspectionResult:
    ctx = RuleContext.build(snap or clean_snapshot(), inspection or loaded(), as_of)
    return evaluate(ctx)


def rules_of(result: InspectionResult) -> list[str]:
    return [f.rule for f in result.findings]


def only(result: InspectionResult, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == rule]


def state(result: InspectionResult, milestone: str) -> str:
    return next(m.state.value for m in result.milestones if m.id == milestone)


def content_finding(
    rule: str,
    message: str = "found",
    *,
    kind: str | None = None,
    location: str | None = None,
    masked: str | None = None,
    severity: Severity = Severity.ERROR,
) -> Finding:
    # The content module reports the file name it was given, not the site path.
    return Finding(rule, severity, message, "scanned-name", None, kind, location, masked)


def replace_content(
    uploads: list[Upload], path: str, status: ContentStatus, *findings: Finding, words: int = 10
) -> dict[str, ContentCheck]:
    checks = passed(uploads)
    checks[path] = ContentCheck(path, status, tuple(findings), words)
    return checks
