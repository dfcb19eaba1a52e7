"""The audit log: one row per change spcheck made or refused."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from spcheck.store.records import AuditEntry, AuditResult, require_outcome
from spcheck.store.sqlite.base import SqliteBase
from spcheck.store.sqlite.rows import _row_audit, _utc


class SqliteAuditLog(SqliteBase):
    """The audit log: one row per change spcheck made or refused."""

    def append(self, entry: AuditEntry) -> AuditEntry:
        require_outcome(entry)
        with self._write() as conn:
            return self._insert_entry(conn, entry)

    @staticmethod
    def _insert_entry(conn: sqlite3.Connection, entry: AuditEntry) -> AuditEntry:
        at_utc = _utc(entry.at, "an audit entry's time")
        cursor = conn.execute(
            "INSERT INTO audit (plan_id, inspection_id, step, action, path, email, actor, "
            "before, after, at, at_utc, result, detail, requested_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.plan_id,
                entry.inspection_id,
                entry.step,
                entry.action,
                entry.path,
                entry.email,
                entry.actor,
                entry.before,
                entry.after,
                entry.at.isoformat(),
                at_utc,
                AuditResult(entry.result).value,
                entry.detail,
                entry.requested_by,
            ),
        )
        return replace(entry, id=cursor.lastrowid)

    def entries(
        self,
        inspection_id: str | None = None,
        *,
        plan_id: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        rows = self._read(
            "SELECT * FROM audit WHERE (?1 IS NULL OR inspection_id = ?1) "
            "AND (?2 IS NULL OR plan_id = ?2) ORDER BY at_utc DESC, id DESC LIMIT ?3",
            (inspection_id, plan_id, -1 if limit is None else max(limit, 0)),
        )
        return [_row_audit(row) for row in rows]
