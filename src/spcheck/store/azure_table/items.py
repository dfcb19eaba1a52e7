"""What delta sync remembers about each drive item, written under the drive's lease."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from spcheck.store.azure_codec import key
from spcheck.store.azure_lease import SYNC_ROW, DriveLease
from spcheck.store.azure_table.base import BATCH, PROBE_DRIVE, AzureTableBase, _chunks
from spcheck.store.azure_table.entities import _item_entity, _row_item
from spcheck.store.interface import StoredItem


class TableItems(AzureTableBase):
    """What delta sync remembers about each drive item, written under the drive's lease."""

    def get_delta_link(self, drive_id: str) -> str | None:
        from azure.core.exceptions import ResourceNotFoundError

        with self._guard("read failed"):
            try:
                found = self._table("drives").get_entity(key(drive_id), "sync")
            except ResourceNotFoundError:
                return None
        link = found.get("link")
        return str(link) if link else None

    def check_lease(self) -> None:
        """Take and give back a write lease on a drive row of spcheck's own, then remove the
        row: shows that the account takes the conditional writes a sync depends on."""
        lease = self._lease(PROBE_DRIVE)
        with self._guard("the write lease could not be taken and given back"):
            lease.acquire(clear_link=False)
            lease.release()
            self._table("drives").delete_entity(key(PROBE_DRIVE), SYNC_ROW)

    def _lease(self, drive_id: str) -> DriveLease:
        return DriveLease(
            self._table("drives"),
            drive_id,
            lease_seconds=self._lease_seconds,
            clock=self._clock,
            sleep=self._sleep,
        )

    def _write_items(
        self,
        drive_id: str,
        upserts: Sequence[StoredItem],
        removals: Iterable[str],
        *,
        link: str | None,
        replace_all: bool = False,
    ) -> None:
        """Items under the drive's lease; the link (when given) is written last."""
        from azure.data.tables import UpdateMode

        removed = list(dict.fromkeys(removals))
        latest = {item.id: item for item in upserts}
        # Built before the lease: a bad item is refused before anything is written.
        operations: list[tuple[Any, ...]] = [
            ("upsert", _item_entity(drive_id, item), {"mode": UpdateMode.REPLACE})
            for item in latest.values()
        ]
        lease = self._lease(drive_id)
        with self._guard("write failed"):
            lease.acquire(clear_link=replace_all)
            try:
                existing = self._item_ids(drive_id) if (removed or replace_all) else set()
                if replace_all:
                    removed = sorted(existing - set(latest))
                operations += [
                    ("delete", {"PartitionKey": key(drive_id), "RowKey": key(item_id)})
                    for item_id in removed
                    if item_id in existing and item_id not in latest
                ]
                for batch in _chunks(operations, BATCH):
                    lease.renew_if_due()
                    self._commit("items", batch)
                lease.release(link)
            except BaseException:
                lease.abandon()
                raise

    def _item_ids(self, drive_id: str) -> set[str]:
        rows = self._query(
            "items", "PartitionKey eq @pk", {"pk": key(drive_id)}, select=["item_id"]
        )
        return {str(row["item_id"]) for row in rows}

    def set_delta_link(self, drive_id: str, link: str) -> None:
        if not link:
            raise ValueError("a delta link must not be empty")
        self._write_items(drive_id, (), (), link=link)

    def upsert_items(self, drive_id: str, items: Sequence[StoredItem]) -> None:
        self._write_items(drive_id, items, (), link=None)

    def remove_items(self, drive_id: str, ids: Iterable[str]) -> None:
        self._write_items(drive_id, (), ids, link=None)

    def apply_changes(
        self,
        drive_id: str,
        upserts: Sequence[StoredItem],
        removals: Iterable[str],
        delta_link: str,
    ) -> None:
        if not delta_link:
            raise ValueError("a delta link must not be empty")
        self._write_items(drive_id, upserts, removals, link=delta_link)

    def replace_all(self, drive_id: str, items: Sequence[StoredItem], delta_link: str) -> None:
        if not delta_link:
            raise ValueError("a delta link must not be empty")
        self._write_items(drive_id, items, (), link=delta_link, replace_all=True)

    def items(self, drive_id: str) -> list[StoredItem]:
        with self._guard("read failed"):
            rows = list(self._query("items", "PartitionKey eq @pk", {"pk": key(drive_id)}))
        found = [_row_item(row) for row in rows]
        return sorted(found, key=lambda item: (item.path.casefold(), item.id))

    def item(self, drive_id: str, item_id: str) -> StoredItem | None:
        from azure.core.exceptions import ResourceNotFoundError

        with self._guard("read failed"):
            try:
                row = self._table("items").get_entity(key(drive_id), key(item_id))
            except ResourceNotFoundError:
                return None
        return _row_item(row)

    def item_by_path(self, drive_id: str, path: str) -> StoredItem | None:
        wanted = path.strip("/").casefold()
        with self._guard("read failed"):
            rows = list(
                self._query(
                    "items",
                    "PartitionKey eq @pk and path_key eq @path",
                    {"pk": key(drive_id), "path": wanted},
                )
            )
        found = sorted((_row_item(row) for row in rows), key=lambda item: item.id)
        return found[0] if found else None
