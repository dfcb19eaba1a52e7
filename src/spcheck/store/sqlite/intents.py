"""Intents: what a change is about to do, written before it is done (the write-ahead audit)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from spcheck.store.records import AuditEntry, Intent, entry_from_json, entry_json, require_outcome
from spcheck.store.sqlite.audit_log import SqliteAuditLog
from spcheck.store.sqlite.rows import _utc


class SqliteIntents(SqliteAuditLog):
    """Intents: what a change is about to do, written before it is done (the write-ahead audit)."""

    def open_intent(self, intent: Intent) -> Intent:
        opened_utc = _utc(intent.opened_at, "an intent's time")
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO intents (kind, inspection_id, owner, opened_at, opened_utc, entry, "
                "subject) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    intent.kind,
                    intent.inspection_id,
                    intent.owner,
                    intent.opened_at.isoformat(),
                    opened_utc,
                    entry_json(intent.entry),
                    intent.subject,
                ),
            )
        return replace(intent, id=cursor.lastrowid)

    def close_intent(self, intent: Intent, entry: AuditEntry) -> AuditEntry:
        if intent.id is None:
            raise ValueError("an intent must be opened before it is closed")
        require_outcome(entry)
        with self._write() as conn:
            stored = self._insert_entry(conn, entry)
            conn.execute(
                "UPDATE intents SET closed_utc = ?, audit_id = ? "
                "WHERE id = ? AND closed_utc IS NULL",
                (datetime.now(UTC).isoformat(), stored.id, intent.id),
            )
        return stored

    def open_intents(self, inspection_id: str | None = None) -> list[Intent]:
        rows = self._read(
            "SELECT * FROM intents WHERE closed_utc IS NULL "
            "AND (?1 IS NULL OR inspection_id = ?1) ORDER BY opened_utc, id",
            (inspection_id,),
        )
        return [
            Intent(
                kind=row["kind"],
                entry=entry_from_json(row["entry"]),
                subject=row["subject"],
                owner=row["owner"],
                id=row["id"],
            )
            for row in rows
        ]
