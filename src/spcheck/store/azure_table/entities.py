"""Entities of the Azure Table state store to values and back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from spcheck.domain.acceptance import Acceptance
from spcheck.domain.attestation import Attestation
from spcheck.domain.findings import Severity
from spcheck.domain.history import Tracked
from spcheck.store.azure_codec import (
    aware,
    digest_key,
    get_text,
    highest_first,
    int64,
    iso,
    key,
    newest_first,
    number,
    put_text,
    when,
)
from spcheck.store.azure_table.base import SUBSCRIPTION
from spcheck.store.interface import StoredItem, StoreError
from spcheck.store.records import (
    AuditEntry,
    AuditResult,
    CheckRun,
    DriveSubscription,
    RunStatus,
    RunSummary,
)


def _item_entity(drive_id: str, item: StoredItem) -> dict[str, Any]:
    if not isinstance(item.first_seen, datetime):
        raise ValueError("an item's first_seen must be a datetime")
    entity: dict[str, Any] = {
        "PartitionKey": key(drive_id),
        "RowKey": key(item.id),
        "drive_id": drive_id,
        "item_id": item.id,
        "name": item.name,
        "path": item.path,
        "path_key": item.path.casefold(),
        "parent_id": item.parent_id,
        "is_folder": item.is_folder,
        "first_seen": iso(item.first_seen),
        "size": int64(item.size),
        "created_at": iso(item.created_at),
        "modified_at": iso(item.modified_at),
        "created_by": item.created_by,
        "modified_by": item.modified_by,
        "sha256": item.sha256,
        "quick_xor": item.quick_xor,
        "mime_type": item.mime_type,
        "item_etag": item.etag,
        "item_ctag": item.ctag,
        "shared": item.shared,
    }
    # The SDK leaves None out; an absent property reads back as None.
    return {name: value for name, value in entity.items() if value is not None}


def _text_or_none(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value)


def _row_item(row: Mapping[str, Any]) -> StoredItem:
    first_seen = when(row.get("first_seen"))
    if first_seen is None:
        raise StoreError("state store: an item has no first_seen; the table is damaged")
    return StoredItem(
        id=str(row["item_id"]),
        name=str(row["name"]),
        path=str(row["path"]),
        parent_id=_text_or_none(row, "parent_id"),
        is_folder=bool(row.get("is_folder")),
        first_seen=first_seen,
        size=number(row.get("size")),
        created_at=when(row.get("created_at")),
        modified_at=when(row.get("modified_at")),
        created_by=_text_or_none(row, "created_by"),
        modified_by=_text_or_none(row, "modified_by"),
        sha256=_text_or_none(row, "sha256"),
        quick_xor=_text_or_none(row, "quick_xor"),
        mime_type=_text_or_none(row, "mime_type"),
        etag=_text_or_none(row, "item_etag"),
        ctag=_text_or_none(row, "item_ctag"),
        shared=bool(row.get("shared")),
    )


def _audit_entity(entry: AuditEntry) -> dict[str, Any]:
    assert entry.id is not None
    entity: dict[str, Any] = {
        "PartitionKey": key(entry.inspection_id),
        "RowKey": f"{newest_first(entry.at)}-{highest_first(entry.id)}",
        "audit_id": int64(entry.id),
        "plan_id": entry.plan_id,
        "inspection_id": entry.inspection_id,
        "step": int64(entry.step),
        "action": entry.action,
        "actor": entry.actor,
        "at": entry.at.isoformat(),
        "at_utc": entry.at.astimezone(UTC).isoformat(),
        "result": AuditResult(entry.result).value,
    }
    if entry.path is not None:
        entity["path"] = entry.path
    if entry.email is not None:
        entity["email"] = entry.email
    if entry.requested_by is not None:
        entity["requested_by"] = entry.requested_by
    put_text(entity, "before", entry.before)
    put_text(entity, "after", entry.after)
    put_text(entity, "detail", entry.detail)
    return entity


def _row_audit(row: Mapping[str, Any]) -> AuditEntry:
    at = when(row.get("at"))
    if at is None:
        raise StoreError("state store: an audit entry has no time; the table is damaged")
    return AuditEntry(
        id=number(row.get("audit_id")),
        plan_id=str(row["plan_id"]),
        inspection_id=str(row["inspection_id"]),
        step=number(row.get("step")) or 0,
        action=str(row["action"]),
        actor=str(row["actor"]),
        at=at,
        result=AuditResult(str(row["result"])),
        path=_text_or_none(row, "path"),
        email=_text_or_none(row, "email"),
        before=get_text(row, "before", "null"),
        after=get_text(row, "after", "null"),
        detail=get_text(row, "detail"),
        requested_by=_text_or_none(row, "requested_by"),
    )


def _run_entity(partition: str, row: str, seq: int, run: CheckRun) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": partition,
        "RowKey": row,
        "run_id": run.run_id,
        "inspection_id": run.inspection_id,
        "seq": int64(seq),
        "as_of": run.as_of.isoformat(),
        "generated_at": run.generated_at.isoformat(),
        "status": RunStatus(run.status).value,
        "counts": json.dumps(dict(run.counts), sort_keys=True),
    }
    put_text(entity, "finding_keys", json.dumps(sorted(run.finding_keys)))
    put_text(entity, "milestones", json.dumps(dict(run.milestones), sort_keys=True))
    return entity


def _row_run(row: Mapping[str, Any]) -> CheckRun:
    as_of, generated = when(row.get("as_of")), when(row.get("generated_at"))
    if as_of is None or generated is None:
        raise StoreError("state store: a check run has no time; the table is damaged")
    return CheckRun(
        run_id=str(row["run_id"]),
        inspection_id=str(row["inspection_id"]),
        as_of=as_of,
        generated_at=generated,
        status=RunStatus(str(row["status"])),
        counts=MappingProxyType(dict(json.loads(str(row["counts"])))),
        finding_keys=frozenset(json.loads(get_text(row, "finding_keys", "[]"))),
        milestones=MappingProxyType(dict(json.loads(get_text(row, "milestones", "{}")))),
    )


def _row_summary(row: Mapping[str, Any]) -> RunSummary:
    as_of, generated = when(row.get("as_of")), when(row.get("generated_at"))
    if as_of is None or generated is None:
        raise StoreError("state store: a check run has no time; the table is damaged")
    return RunSummary(
        run_id=str(row["run_id"]),
        as_of=as_of,
        generated_at=generated,
        status=RunStatus(str(row["status"])),
        counts=MappingProxyType(dict(json.loads(str(row["counts"])))),
    )


def _optional(entity: dict[str, Any], **values: str | None) -> None:
    for name, value in values.items():
        if value is not None:
            entity[name] = value


def _tracked_entity(partition: str, row: Tracked) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": partition,
        "RowKey": digest_key(row.key),
        "rule": row.rule,
        "severity": Severity(row.severity).value,
        "first_seen": aware(row.first_seen, "first_seen").isoformat(),
        "first_cycle": int64(row.first_cycle),
        "last_seen": row.last_seen.isoformat(),
        "resolved_at": iso(row.resolved_at) or "",
        "reopened": row.reopened,
    }
    put_text(entity, "key", row.key)
    _optional(
        entity,
        path=row.path,
        milestone=row.milestone,
        location=row.location,
        content=row.content,
        sharing=row.sharing,
    )
    return entity


def _row_tracked(row: Mapping[str, Any]) -> Tracked:
    first_seen, last_seen = when(row.get("first_seen")), when(row.get("last_seen"))
    if first_seen is None or last_seen is None:
        raise StoreError("state store: a finding's history has no time; the table is damaged")
    return Tracked(
        key=get_text(row, "key"),
        rule=str(row["rule"]),
        severity=Severity(str(row["severity"])),
        first_seen=first_seen,
        first_cycle=number(row.get("first_cycle")) or 0,
        last_seen=last_seen,
        path=_text_or_none(row, "path"),
        milestone=_text_or_none(row, "milestone"),
        location=_text_or_none(row, "location"),
        resolved_at=when(row.get("resolved_at")),
        reopened=bool(row.get("reopened")),
        content=_text_or_none(row, "content"),
        sharing=_text_or_none(row, "sharing"),
    )


def _acceptance_entity(partition: str, acceptance: Acceptance) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": partition,
        "RowKey": key(acceptance.id),
        "acceptance_id": acceptance.id,
        "inspection_id": acceptance.inspection_id,
        "rule": acceptance.rule,
        "severity": Severity(acceptance.severity).value,
        "accepted_by": acceptance.by,
        "at": acceptance.at.isoformat(),
        "until": acceptance.until.isoformat(),
        "ended_at": "",
    }
    put_text(entity, "key", acceptance.key)
    put_text(entity, "reason", acceptance.reason)
    _optional(
        entity,
        path=acceptance.path,
        location=acceptance.location,
        milestone=acceptance.milestone,
        content=acceptance.content,
        sharing=acceptance.sharing,
    )
    return entity


def _ending(row: Any, at: datetime, by: str, reason: str) -> tuple[Any, ...]:
    """A merge that ends an acceptance, only if nobody changed it since it was read."""
    from azure.core import MatchConditions
    from azure.data.tables import UpdateMode

    return (
        "update",
        {
            "PartitionKey": row["PartitionKey"],
            "RowKey": row["RowKey"],
            "ended_at": at.isoformat(),
            "ended_by": by,
            "end_reason": reason,
        },
        {
            "mode": UpdateMode.MERGE,
            "etag": row.metadata["etag"],
            "match_condition": MatchConditions.IfNotModified,
        },
    )


def _row_acceptance(row: Mapping[str, Any]) -> Acceptance:
    at, until = when(row.get("at")), when(row.get("until"))
    if at is None or until is None:
        raise StoreError("state store: an acceptance has no time; the table is damaged")
    return Acceptance(
        id=str(row["acceptance_id"]),
        inspection_id=str(row["inspection_id"]),
        key=get_text(row, "key"),
        rule=str(row["rule"]),
        severity=Severity(str(row["severity"])),
        reason=get_text(row, "reason"),
        by=str(row["accepted_by"]),
        at=at,
        until=until,
        path=_text_or_none(row, "path"),
        location=_text_or_none(row, "location"),
        milestone=_text_or_none(row, "milestone"),
        content=_text_or_none(row, "content"),
        sharing=_text_or_none(row, "sharing"),
        ended_at=when(row.get("ended_at")),
        ended_by=_text_or_none(row, "ended_by"),
        end_reason=_text_or_none(row, "end_reason"),
    )


def _row_attestation(row: Mapping[str, Any]) -> Attestation:
    on, recorded = when(row.get("happened_on")), when(row.get("recorded_at"))
    if on is None or recorded is None:
        raise StoreError("state store: an attestation has no time; the table is damaged")
    return Attestation(
        id=str(row["attestation_id"]),
        inspection_id=str(row["inspection_id"]),
        milestone=str(row["milestone"]),
        on=on,
        recorded_at=recorded,
        by=str(row["recorded_by"]),
        value=number(row.get("value")),
        note=get_text(row, "note"),
        withdrawn_at=when(row.get("withdrawn_at")),
        withdrawn_by=_text_or_none(row, "withdrawn_by"),
    )


def _subscription_entity(record: DriveSubscription) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": SUBSCRIPTION,
        "RowKey": key(record.drive_id),
        "drive_id": record.drive_id,
        "site_id": record.site_id,
        "subscription_id": record.subscription_id,
        "expires_at": iso(record.expires_at),
        "checked_at": record.checked_at.isoformat(),
        "created_at": iso(record.created_at),
        "url_digest": record.url_digest,
        "state_digest": record.state_digest,
        "security": record.security,
        "refused": record.refused,
    }
    return {name: value for name, value in entity.items() if value is not None}


def _row_subscription(row: Mapping[str, Any]) -> DriveSubscription:
    checked = when(row.get("checked_at"))
    if checked is None:
        raise StoreError("state store: a drive subscription has no time; the table is damaged")
    return DriveSubscription(
        drive_id=str(row["drive_id"]),
        site_id=str(row["site_id"]),
        subscription_id=_text_or_none(row, "subscription_id"),
        expires_at=when(row.get("expires_at")),
        checked_at=checked,
        created_at=when(row.get("created_at")),
        url_digest=str(row.get("url_digest") or ""),
        state_digest=str(row.get("state_digest") or ""),
        security=bool(row.get("security")),
        refused=_text_or_none(row, "refused"),
    )
