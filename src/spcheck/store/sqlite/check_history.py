"""Check history: each check run's summary, and which findings have been alerted."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from spcheck.store.records import CheckRun, RunStatus, RunSummary
from spcheck.store.sqlite.base import SqliteBase
from spcheck.store.sqlite.rows import _row_run, _row_summary, _utc


class SqliteCheckHistory(SqliteBase):
    """Check history: each check run's summary, and which findings have been alerted."""

    def record_run(self, run: CheckRun) -> None:
        generated_utc = _utc(run.generated_at, "generated_at")
        _utc(run.as_of, "as_of")
        values = (
            run.run_id,
            run.inspection_id,
            run.as_of.isoformat(),
            run.generated_at.isoformat(),
            generated_utc,
            RunStatus(run.status).value,
            json.dumps(dict(run.counts), sort_keys=True),
            json.dumps(sorted(run.finding_keys)),
            json.dumps(dict(run.milestones), sort_keys=True),
        )
        with self._write() as conn:
            conn.execute(
                "INSERT INTO check_runs (run_id, inspection_id, as_of, generated_at, "
                "generated_utc, status, counts, finding_keys, milestones) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (run_id, inspection_id) DO UPDATE SET as_of = excluded.as_of, "
                "generated_at = excluded.generated_at, generated_utc = excluded.generated_utc, "
                "status = excluded.status, counts = excluded.counts, "
                "finding_keys = excluded.finding_keys, milestones = excluded.milestones",
                values,
            )

    def last_run(self, inspection_id: str) -> CheckRun | None:
        rows = self._read(
            "SELECT * FROM check_runs WHERE inspection_id = ? "
            "ORDER BY generated_utc DESC, seq DESC LIMIT 1",
            (inspection_id,),
        )
        return _row_run(rows[0]) if rows else None

    def recent_runs(self, inspection_id: str, limit: int) -> list[RunSummary]:
        rows = self._read(
            "SELECT run_id, as_of, generated_at, status, counts FROM check_runs "
            "WHERE inspection_id = ? ORDER BY generated_utc DESC, seq DESC LIMIT ?",
            (inspection_id, max(limit, 0)),
        )
        return [_row_summary(row) for row in rows]

    def alerted_keys(self, inspection_id: str) -> set[str]:
        rows = self._read(
            "SELECT key FROM alerts WHERE inspection_id = ? AND resolved_at IS NULL",
            (inspection_id,),
        )
        return {row["key"] for row in rows}

    def mark_alerted(self, inspection_id: str, keys: Iterable[str], at: datetime) -> None:
        _utc(at, "an alert's time")
        rows = [(inspection_id, key, at.isoformat()) for key in keys]
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO alerts (inspection_id, key, alerted_at, resolved_at) "
                "VALUES (?, ?, ?, NULL) ON CONFLICT (inspection_id, key) DO UPDATE SET "
                "alerted_at = excluded.alerted_at, resolved_at = NULL",
                rows,
            )

    def mark_resolved(self, inspection_id: str, keys: Iterable[str], at: datetime) -> None:
        _utc(at, "a resolution's time")
        rows = [(at.isoformat(), inspection_id, key) for key in keys]
        with self._write() as conn:
            conn.executemany(
                "UPDATE alerts SET resolved_at = ? "
                "WHERE inspection_id = ? AND key = ? AND resolved_at IS NULL",
                rows,
            )
