"""Change notifications: drive subscriptions, notifications seen, pending wakes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from spcheck.store.azure_codec import aware, key, when
from spcheck.store.azure_table.base import (
    BATCH,
    CONFLICT_ATTEMPTS,
    FILTER_KEYS,
    PENDING,
    SEEN,
    SUBSCRIPTION,
    AzureTableBase,
    _chunks,
)
from spcheck.store.azure_table.entities import _row_subscription, _subscription_entity
from spcheck.store.interface import StoreError
from spcheck.store.records import DriveSubscription


class TableNotifications(AzureTableBase):
    """Change notifications: drive subscriptions, notifications seen, pending wakes."""

    def drive_subscriptions(self) -> list[DriveSubscription]:
        with self._guard("read failed"):
            rows = list(self._query("notify", "PartitionKey eq @pk", {"pk": SUBSCRIPTION}))
        return sorted((_row_subscription(row) for row in rows), key=lambda r: r.drive_id)

    def put_drive_subscription(self, record: DriveSubscription) -> None:
        from azure.data.tables import UpdateMode

        aware(record.checked_at, "checked_at")
        for moment, what in ((record.expires_at, "expires_at"), (record.created_at, "created_at")):
            if moment is not None:
                aware(moment, what)
        with self._guard("write failed"):
            self._table("notify").upsert_entity(
                _subscription_entity(record), mode=UpdateMode.REPLACE
            )

    def remove_drive_subscription(self, drive_id: str) -> None:
        with self._guard("write failed"):
            self._table("notify").delete_entity(SUBSCRIPTION, key(drive_id))

    def seen_notifications(self, subscription_id: str, notification_ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(notification_ids))
        found: set[str] = set()
        with self._guard("read failed"):
            for chunk in _chunks(wanted, FILTER_KEYS):
                names = {f"k{n}": key(ident) for n, ident in enumerate(chunk)}
                either = " or ".join(f"RowKey eq @{name}" for name in names)
                rows = self._query(
                    "notify",
                    f"PartitionKey eq @pk and ( {either} )",
                    {"pk": SEEN + key(subscription_id), **names},
                )
                found.update(str(row["notification_id"]) for row in rows)
        return found

    def note_notifications(
        self, subscription_id: str, notification_ids: Iterable[str], at: datetime
    ) -> None:
        from azure.data.tables import UpdateMode

        aware(at, "a notification's time")
        partition = SEEN + key(subscription_id)
        operations = [
            (
                "upsert",
                {
                    "PartitionKey": partition,
                    "RowKey": key(ident),
                    "subscription_id": subscription_id,
                    "notification_id": ident,
                    "seen_utc": at.astimezone(UTC).isoformat(),
                },
                {"mode": UpdateMode.REPLACE},
            )
            for ident in dict.fromkeys(notification_ids)
        ]
        with self._guard("write failed"):
            for batch in _chunks(operations, BATCH):
                self._commit("notify", batch)

    def forget_notifications(self, before: datetime) -> int:
        aware(before, "before")
        cutoff = before.astimezone(UTC)
        with self._guard("write failed"):
            rows = self._query(
                "notify",
                "PartitionKey ge @low and PartitionKey lt @high",
                {"low": SEEN, "high": SEEN[:-1] + "."},
                select=["PartitionKey", "RowKey", "seen_utc"],
            )
            by_partition: dict[str, list[tuple[Any, ...]]] = {}
            for row in rows:
                seen = when(row.get("seen_utc"))
                if seen is None or seen < cutoff:
                    by_partition.setdefault(str(row["PartitionKey"]), []).append(
                        ("delete", {"PartitionKey": row["PartitionKey"], "RowKey": row["RowKey"]})
                    )
            for operations in by_partition.values():
                for batch in _chunks(operations, BATCH):
                    self._commit("notify", batch)
        return sum(len(operations) for operations in by_partition.values())

    def mark_pending(self, marker: str, at: datetime, *, stale_before: datetime) -> bool:
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
        from azure.data.tables import UpdateMode

        aware(at, "at")
        aware(stale_before, "stale_before")
        entity = {
            "PartitionKey": PENDING,
            "RowKey": key(marker),
            "marker": marker,
            "since_utc": at.astimezone(UTC).isoformat(),
        }
        table = self._table("notify")

        def attempt() -> bool:
            for _ in range(CONFLICT_ATTEMPTS):
                try:
                    table.create_entity(entity)
                    return True
                except ResourceExistsError:
                    pass
                try:
                    found = table.get_entity(PENDING, key(marker))
                except ResourceNotFoundError:
                    continue  # cleared between the two calls: try to create it again
                since = when(found.get("since_utc"))
                if since is not None and since >= stale_before:
                    return False
                # A stale marker (its wake was lost): take it over, If-Match its ETag.
                table.update_entity(
                    entity,
                    mode=UpdateMode.REPLACE,
                    etag=found.metadata["etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
                return True
            raise StoreError(f"state store {self._location}: a pending marker keeps changing")

        with self._guard("write failed"):
            return self._retrying("a pending marker", attempt)

    def clear_pending(self, marker: str) -> None:
        with self._guard("write failed"):
            self._table("notify").delete_entity(PENDING, key(marker))
