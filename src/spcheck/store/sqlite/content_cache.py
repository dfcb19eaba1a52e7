"""The content cache: a file's scan result, by item and content hash."""

from __future__ import annotations

from datetime import datetime

from spcheck.store.sqlite.base import SqliteBase
from spcheck.store.sqlite.rows import _utc


class SqliteContentCache(SqliteBase):
    """The content cache: a file's scan result, by item and content hash."""

    def get(self, item_id: str, content_hash: str) -> str | None:
        rows = self._read(
            "SELECT result FROM content_cache WHERE item_id = ? AND content_hash = ?",
            (item_id, content_hash),
        )
        return rows[0]["result"] if rows else None

    def put(self, item_id: str, content_hash: str, result_json: str, scanned_at: datetime) -> None:
        _utc(scanned_at, "scanned_at")
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO content_cache (item_id, content_hash, result, scanned_at) "
                "VALUES (?, ?, ?, ?)",
                (item_id, content_hash, result_json, scanned_at.isoformat()),
            )
