"""Change notifications: drive subscriptions, notifications seen, pending wakes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from spcheck.store.records import DriveSubscription
from spcheck.store.sqlite.base import SqliteBase
from spcheck.store.sqlite.rows import _row_subscription, _text, _utc


class SqliteNotifications(SqliteBase):
    """Change notifications: drive subscriptions, notifications seen, pending wakes."""

    def drive_subscriptions(self) -> list[DriveSubscription]:
        rows = self._read("SELECT * FROM drive_subscriptions ORDER BY drive_id")
        return [_row_subscription(row) for row in rows]

    def put_drive_subscription(self, record: DriveSubscription) -> None:
        _utc(record.checked_at, "checked_at")
        for moment, what in ((record.expires_at, "expires_at"), (record.created_at, "created_at")):
            if moment is not None:
                _utc(moment, what)
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO drive_subscriptions (drive_id, site_id, subscription_id, "
                "expires_at, checked_at, created_at, url_digest, state_digest, security, refused) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.drive_id,
                    record.site_id,
                    record.subscription_id,
                    _text(record.expires_at),
                    record.checked_at.isoformat(),
                    _text(record.created_at),
                    record.url_digest,
                    record.state_digest,
                    int(record.security),
                    record.refused,
                ),
            )

    def remove_drive_subscription(self, drive_id: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM drive_subscriptions WHERE drive_id = ?", (drive_id,))

    def seen_notifications(self, subscription_id: str, notification_ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(notification_ids))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = "SELECT notification_id FROM notifications_seen WHERE subscription_id = ? "
            rows = self._read(f"{query}AND notification_id IN ({marks})", [subscription_id, *chunk])
            found.update(row["notification_id"] for row in rows)
        return found

    def note_notifications(
        self, subscription_id: str, notification_ids: Iterable[str], at: datetime
    ) -> None:
        seen = _utc(at, "a notification's time")
        rows = [(subscription_id, ident, seen) for ident in dict.fromkeys(notification_ids)]
        with self._write() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO notifications_seen (subscription_id, notification_id, "
                "seen_utc) VALUES (?, ?, ?)",
                rows,
            )

    def forget_notifications(self, before: datetime) -> int:
        cutoff = _utc(before, "before")
        with self._write() as conn:
            cursor = conn.execute("DELETE FROM notifications_seen WHERE seen_utc < ?", (cutoff,))
        return int(cursor.rowcount)

    def mark_pending(self, marker: str, at: datetime, *, stale_before: datetime) -> bool:
        since, stale = _utc(at, "at"), _utc(stale_before, "stale_before")
        with self._write() as conn:
            # One statement: a fresh marker stays; an absent or stale one becomes ours.
            cursor = conn.execute(
                "INSERT INTO pending_wakes (key, since_utc) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET since_utc = excluded.since_utc "
                "WHERE pending_wakes.since_utc < ?",
                (marker, since, stale),
            )
        return int(cursor.rowcount) == 1

    def clear_pending(self, marker: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM pending_wakes WHERE key = ?", (marker,))
