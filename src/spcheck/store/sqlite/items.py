"""What delta sync remembers about each drive item, and each drive's delta link."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from spcheck.store.interface import StoredItem
from spcheck.store.sqlite.base import SqliteBase
from spcheck.store.sqlite.rows import _item_row, _row_item

_ITEM_INSERT = (
    "INSERT OR REPLACE INTO items (drive_id, id, name, path, path_key, parent_id, is_folder, "
    "first_seen, size, created_at, modified_at, created_by, modified_by, sha256, quick_xor, "
    "mime_type, etag, ctag, shared) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class SqliteItems(SqliteBase):
    """What delta sync remembers about each drive item, and each drive's delta link."""

    def get_delta_link(self, drive_id: str) -> str | None:
        rows = self._read("SELECT link FROM delta_links WHERE drive_id = ?", (drive_id,))
        return rows[0]["link"] if rows else None

    def set_delta_link(self, drive_id: str, link: str) -> None:
        if not link:
            raise ValueError("a delta link must not be empty")
        with self._write() as conn:
            self._put_link(conn, drive_id, link)

    @staticmethod
    def _put_link(conn: sqlite3.Connection, drive_id: str, link: str) -> None:
        conn.execute(
            "INSERT INTO delta_links (drive_id, link) VALUES (?, ?) "
            "ON CONFLICT (drive_id) DO UPDATE SET link = excluded.link",
            (drive_id, link),
        )

    def upsert_items(self, drive_id: str, items: Sequence[StoredItem]) -> None:
        rows = [_item_row(drive_id, item) for item in items]
        with self._write() as conn:
            conn.executemany(_ITEM_INSERT, rows)

    def remove_items(self, drive_id: str, ids: Iterable[str]) -> None:
        keys = [(drive_id, item_id) for item_id in ids]
        with self._write() as conn:
            conn.executemany("DELETE FROM items WHERE drive_id = ? AND id = ?", keys)

    def apply_changes(
        self,
        drive_id: str,
        upserts: Sequence[StoredItem],
        removals: Iterable[str],
        delta_link: str,
    ) -> None:
        if not delta_link:
            raise ValueError("a delta link must not be empty")
        keys = [(drive_id, item_id) for item_id in removals]
        rows = [_item_row(drive_id, item) for item in upserts]
        with self._write() as conn:
            conn.executemany("DELETE FROM items WHERE drive_id = ? AND id = ?", keys)
            conn.executemany(_ITEM_INSERT, rows)
            self._put_link(conn, drive_id, delta_link)

    def replace_all(self, drive_id: str, items: Sequence[StoredItem], delta_link: str) -> None:
        if not delta_link:
            raise ValueError("a delta link must not be empty")
        rows = [_item_row(drive_id, item) for item in items]
        with self._write() as conn:
            conn.execute("DELETE FROM items WHERE drive_id = ?", (drive_id,))
            conn.executemany(_ITEM_INSERT, rows)
            self._put_link(conn, drive_id, delta_link)

    def items(self, drive_id: str) -> list[StoredItem]:
        rows = self._read(
            "SELECT * FROM items WHERE drive_id = ? ORDER BY path_key, id", (drive_id,)
        )
        return [_row_item(row) for row in rows]

    def item(self, drive_id: str, item_id: str) -> StoredItem | None:
        rows = self._read("SELECT * FROM items WHERE drive_id = ? AND id = ?", (drive_id, item_id))
        return _row_item(rows[0]) if rows else None

    def item_by_path(self, drive_id: str, path: str) -> StoredItem | None:
        rows = self._read(
            "SELECT * FROM items WHERE drive_id = ? AND path_key = ? ORDER BY id LIMIT 1",
            (drive_id, path.strip("/").casefold()),
        )
        return _row_item(rows[0]) if rows else None
