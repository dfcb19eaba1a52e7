"""Intents: what a change is about to do, written before it is done (the write-ahead audit)."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from spcheck.store.azure_codec import aware, get_text, int64, key, number, put_text
from spcheck.store.azure_table.audit_log import TableAuditLog
from spcheck.store.records import AuditEntry, Intent, entry_from_json, entry_json


class TableIntents(TableAuditLog):
    """Intents: what a change is about to do, written before it is done (the write-ahead audit)."""

    def open_intent(self, intent: Intent) -> Intent:
        aware(intent.opened_at, "an intent's time")
        with self._guard("write failed"):
            intent_id = self._increment("meta", "counter", "intent")
            stored = replace(intent, id=intent_id)
            entity: dict[str, Any] = {
                "PartitionKey": key(intent.inspection_id),
                "RowKey": f"{intent_id:020d}",
                "intent_id": int64(intent_id),
                "inspection_id": intent.inspection_id,
                "kind": intent.kind,
                "owner": intent.owner,
                "opened_at": intent.opened_at.isoformat(),
                "open": True,
            }
            put_text(entity, "entry", entry_json(intent.entry))
            put_text(entity, "subject", intent.subject)
            self._table("intents").create_entity(entity)
        return stored

    def close_intent(self, intent: Intent, entry: AuditEntry) -> AuditEntry:
        if intent.id is None:
            raise ValueError("an intent must be opened before it is closed")
        stored = self._append(entry, intent.id)
        assert stored.id is not None
        with self._guard("write failed"):
            self._mark_closed(intent.inspection_id, intent.id, stored.id)
        return stored

    def _mark_closed(self, inspection_id: str, intent_id: int, audit_id: int) -> None:
        from azure.core.exceptions import ResourceNotFoundError
        from azure.data.tables import UpdateMode

        with contextlib.suppress(ResourceNotFoundError):
            self._table("intents").update_entity(
                {
                    "PartitionKey": key(inspection_id),
                    "RowKey": f"{intent_id:020d}",
                    "open": False,
                    "closed_utc": datetime.now(UTC).isoformat(),
                    "audit_id": int64(audit_id),
                },
                mode=UpdateMode.MERGE,
            )

    def open_intents(self, inspection_id: str | None = None) -> list[Intent]:
        clauses, parameters = ["open eq true"], {}
        if inspection_id is not None:
            clauses.append("PartitionKey eq @pk")
            parameters["pk"] = key(inspection_id)
        found: list[Intent] = []
        with self._guard("read failed"):
            for row in self._query("intents", " and ".join(clauses), parameters):
                intent = Intent(
                    kind=str(row["kind"]),
                    entry=entry_from_json(get_text(row, "entry")),
                    subject=get_text(row, "subject", "{}"),
                    owner=str(row.get("owner") or ""),
                    id=number(row.get("intent_id")),
                )
                assert intent.id is not None
                # Closed in two writes: an entry naming the intent means it was closed.
                recorded = list(
                    self._query(
                        "audit",
                        "PartitionKey eq @pk and intent eq @intent",
                        {"pk": key(intent.inspection_id), "intent": str(intent.id)},
                        select=["audit_id"],
                        top=1,
                    )
                )
                if recorded:
                    audit_id = number(recorded[0].get("audit_id")) or 0
                    self._mark_closed(intent.inspection_id, intent.id, audit_id)
                    continue
                found.append(intent)
        found.sort(key=lambda i: (i.opened_at.astimezone(UTC), i.id or 0))
        return found
