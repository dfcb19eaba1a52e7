"""Findings over time: each finding's first and last cycle, kept per inspection."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType

from spcheck.domain.history import History, Tracked
from spcheck.store.sqlite.base import SqliteBase
from spcheck.store.sqlite.rows import _row_tracked, _tracked_row, _utc, _when

_TRACKED_QUERY = (
    "SELECT key, rule, severity, first_seen, first_cycle, last_seen, path, milestone, location, "
    "resolved_at, reopened, content, sharing FROM finding_history WHERE inspection_id = ?"
)


class SqliteFindingHistory(SqliteBase):
    """Findings over time: each finding's first and last cycle, kept per inspection."""

    def history(self, inspection_id: str) -> History:
        with self._lock:
            cycles = self._read(
                "SELECT cycle, at FROM history_cycles WHERE inspection_id = ?", (inspection_id,)
            )
            # Every write of the rows moves the cycle count in the same transaction, so an
            # unchanged count means unchanged rows: a long-running watch reads them once.
            known = self._histories.get(inspection_id)
            if known is not None and cycles and known.cycle == cycles[0]["cycle"]:
                return known
            try:
                cursor = self._conn.execute(_TRACKED_QUERY, (inspection_id,))
                cursor.row_factory = None
                rows = cursor.fetchall()
            except sqlite3.Error as error:
                raise self._error("read failed", error) from None
        tracked = {row[0]: _row_tracked(row) for row in rows}
        if not cycles:
            return History(tracked=MappingProxyType(tracked))
        found = History(
            cycle=cycles[0]["cycle"],
            at=_when(cycles[0]["at"]),
            tracked=MappingProxyType(tracked),
        )
        with self._lock:
            self._histories[inspection_id] = found
        return found

    def record_history(
        self,
        inspection_id: str,
        *,
        previous_cycle: int,
        cycle: int,
        at: datetime,
        changed: Sequence[Tracked],
    ) -> bool:
        _utc(at, "a cycle's time")
        rows = [_tracked_row(inspection_id, row) for row in changed]
        with self._write() as conn:
            found = conn.execute(
                "SELECT cycle FROM history_cycles WHERE inspection_id = ?", (inspection_id,)
            ).fetchone()
            if (found[0] if found else 0) != previous_cycle:
                return False
            conn.execute(
                "INSERT INTO history_cycles (inspection_id, cycle, at) VALUES (?, ?, ?) "
                "ON CONFLICT (inspection_id) DO UPDATE SET cycle = excluded.cycle, "
                "at = excluded.at",
                (inspection_id, cycle, at.isoformat()),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO finding_history (inspection_id, key, rule, severity, "
                "path, milestone, location, first_seen, first_cycle, last_seen, resolved_at, "
                "reopened, content, sharing) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            known = self._histories.pop(inspection_id, None)
        # Committed: what this process knew, with what it wrote, is the record now.
        if known is not None and known.cycle == previous_cycle:
            tracked = dict(known.tracked)
            tracked.update((row.key, row) for row in changed)
            with self._lock:
                self._histories[inspection_id] = History(cycle, at, MappingProxyType(tracked))
        return True
