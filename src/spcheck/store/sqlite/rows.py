"""Rows of the SQLite state file to values and back, and the time checks they share."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from spcheck.domain.acceptance import Acceptance
from spcheck.domain.attestation import Attestation
from spcheck.domain.findings import Severity
from spcheck.domain.history import Tracked
from spcheck.store.interface import StoredItem
from spcheck.store.records import (
    AuditEntry,
    AuditResult,
    CheckRun,
    DriveSubscription,
    RunStatus,
    RunSummary,
)


def _text(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _utc(value: datetime, what: str) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return value.astimezone(UTC).isoformat()


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _row_item(row: sqlite3.Row) -> StoredItem:
    first_seen = _when(row["first_seen"])
    assert first_seen is not None
    return StoredItem(
        id=row["id"],
        name=row["name"],
        path=row["path"],
        parent_id=row["parent_id"],
        is_folder=bool(row["is_folder"]),
        first_seen=first_seen,
        size=row["size"],
        created_at=_when(row["created_at"]),
        modified_at=_when(row["modified_at"]),
        created_by=row["created_by"],
        modified_by=row["modified_by"],
        sha256=row["sha256"],
        quick_xor=row["quick_xor"],
        mime_type=row["mime_type"],
        etag=row["etag"],
        ctag=row["ctag"],
        shared=bool(row["shared"]),
    )


def _item_row(drive_id: str, item: StoredItem) -> tuple[Any, ...]:
    return (
        drive_id,
        item.id,
        item.name,
        item.path,
        item.path.casefold(),
        item.parent_id,
        int(item.is_folder),
        _text(item.first_seen),
        item.size,
        _text(item.created_at),
        _text(item.modified_at),
        item.created_by,
        item.modified_by,
        item.sha256,
        item.quick_xor,
        item.mime_type,
        item.etag,
        item.ctag,
        int(item.shared),
    )


def _row_audit(row: sqlite3.Row) -> AuditEntry:
    at = _when(row["at"])
    assert at is not None
    return AuditEntry(
        id=row["id"],
        plan_id=row["plan_id"],
        inspection_id=row["inspection_id"],
        step=row["step"],
        action=row["action"],
        path=row["path"],
        email=row["email"],
        actor=row["actor"],
        before=row["before"],
        after=row["after"],
        at=at,
        result=AuditResult(row["result"]),
        detail=row["detail"],
        requested_by=row["requested_by"],
    )


def _row_run(row: sqlite3.Row) -> CheckRun:
    as_of, generated = _when(row["as_of"]), _when(row["generated_at"])
    assert as_of is not None
    assert generated is not None
    return CheckRun(
        run_id=row["run_id"],
        inspection_id=row["inspection_id"],
        as_of=as_of,
        generated_at=generated,
        status=RunStatus(row["status"]),
        counts=MappingProxyType(dict(json.loads(row["counts"]))),
        finding_keys=frozenset(json.loads(row["finding_keys"])),
        milestones=MappingProxyType(dict(json.loads(row["milestones"]))),
    )


def _row_summary(row: sqlite3.Row) -> RunSummary:
    as_of, generated = _when(row["as_of"]), _when(row["generated_at"])
    assert as_of is not None
    assert generated is not None
    return RunSummary(
        run_id=row["run_id"],
        as_of=as_of,
        generated_at=generated,
        status=RunStatus(row["status"]),
        counts=MappingProxyType(dict(json.loads(row["counts"]))),
    )


_SEVERITIES = {severity.value: severity for severity in Severity}


def _row_tracked(row: Sequence[Any]) -> Tracked:
    # Read by position: an inspection's history can be tens of thousands of rows a cycle.
    (key, rule, severity, first_seen, first_cycle, last_seen, path, milestone, location,
     resolved_at, reopened, content, sharing) = row  # fmt: skip
    return Tracked(
        key,
        rule,
        _SEVERITIES[severity],
        datetime.fromisoformat(first_seen),
        first_cycle,
        datetime.fromisoformat(last_seen),
        path,
        milestone,
        location,
        datetime.fromisoformat(resolved_at) if resolved_at else None,
        bool(reopened),
        content,
        sharing,
    )


def _tracked_row(inspection_id: str, row: Tracked) -> tuple[Any, ...]:
    _utc(row.first_seen, "first_seen")
    return (
        inspection_id,
        row.key,
        row.rule,
        Severity(row.severity).value,
        row.path,
        row.milestone,
        row.location,
        row.first_seen.isoformat(),
        row.first_cycle,
        row.last_seen.isoformat(),
        _text(row.resolved_at),
        int(row.reopened),
        row.content,
        row.sharing,
    )


def _row_acceptance(row: sqlite3.Row) -> Acceptance:
    at, until = _when(row["at"]), _when(row["until"])
    assert at is not None
    assert until is not None
    return Acceptance(
        id=row["id"],
        inspection_id=row["inspection_id"],
        key=row["key"],
        rule=row["rule"],
        severity=Severity(row["severity"]),
        reason=row["reason"],
        by=row["accepted_by"],
        at=at,
        until=until,
        path=row["path"],
        location=row["location"],
        milestone=row["milestone"],
        content=row["content"],
        sharing=row["sharing"],
        ended_at=_when(row["ended_at"]),
        ended_by=row["ended_by"],
        end_reason=row["end_reason"],
    )


def _row_attestation(row: sqlite3.Row) -> Attestation:
    on, recorded = _when(row["happened_on"]), _when(row["recorded_at"])
    assert on is not None
    assert recorded is not None
    return Attestation(
        id=row["id"],
        inspection_id=row["inspection_id"],
        milestone=row["milestone"],
        on=on,
        recorded_at=recorded,
        by=row["recorded_by"],
        value=row["value"],
        note=row["note"],
        withdrawn_at=_when(row["withdrawn_at"]),
        withdrawn_by=row["withdrawn_by"],
    )


def _row_subscription(row: sqlite3.Row) -> DriveSubscription:
    checked = _when(row["checked_at"])
    assert checked is not None
    return DriveSubscription(
        drive_id=row["drive_id"],
        site_id=row["site_id"],
        subscription_id=row["subscription_id"],
        expires_at=_when(row["expires_at"]),
        checked_at=checked,
        created_at=_when(row["created_at"]),
        url_digest=row["url_digest"],
        state_digest=row["state_digest"],
        security=bool(row["security"]),
        refused=row["refused"],
    )
