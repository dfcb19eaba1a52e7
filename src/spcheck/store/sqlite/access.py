"""The permissions read of each item, and the sharing history kept beside it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal

from spcheck.store.sqlite.base import SqliteBase
from spcheck.store.sqlite.rows import _utc

# What ``_access_rows`` reads: the last permissions read, or the sharing history beside it.
_ACCESS_QUERIES = {
    "read": "SELECT item_id, permissions, read_at FROM access_cache WHERE item_id IN ",
    "history": "SELECT item_id, history FROM access_cache WHERE item_id IN ",
}


class SqliteAccess(SqliteBase):
    """The permissions read of each item, and the sharing history kept beside it."""

    def _access_rows(
        self, item_ids: Iterable[str], what: Literal["read", "history"]
    ) -> list[sqlite3.Row]:
        """The access_cache rows of ``item_ids`` that exist: the read, or the history."""
        wanted = list(dict.fromkeys(item_ids))
        found: list[sqlite3.Row] = []
        # SQLite caps bound parameters; ask in chunks.
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = _ACCESS_QUERIES[what]
            found.extend(self._read(f"{query}({marks})", chunk))
        return found

    def get_access(self, item_ids: Iterable[str]) -> dict[str, tuple[str, datetime]]:
        return {
            row["item_id"]: (row["permissions"], datetime.fromisoformat(row["read_at"]))
            for row in self._access_rows(item_ids, "read")
        }

    def put_access(
        self,
        entries: Mapping[str, str],
        read_at: datetime,
        histories: Mapping[str, str] | None = None,
    ) -> None:
        _utc(read_at, "read_at")
        kept = histories or {}
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO access_cache (item_id, permissions, read_at, history) "
                "VALUES (?, ?, ?, ?)",
                [
                    (item_id, text, read_at.isoformat(), kept.get(item_id))
                    for item_id, text in entries.items()
                ],
            )

    def get_sharing_history(self, item_ids: Iterable[str]) -> dict[str, str]:
        return {
            row["item_id"]: row["history"]
            for row in self._access_rows(item_ids, "history")
            if row["history"] is not None
        }
