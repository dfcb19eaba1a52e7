"""The permissions read of each item, and the sharing history kept beside it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from spcheck.store.azure_codec import aware, get_text, key, put_text, when
from spcheck.store.azure_table.base import ACCESS, BATCH, FILTER_KEYS, AzureTableBase, _chunks


class TableAccess(AzureTableBase):
    """The permissions read of each item, and the sharing history kept beside it."""

    def _access_rows(self, item_ids: Iterable[str]) -> list[Mapping[str, Any]]:
        """The permissions-read entities of ``item_ids`` that exist, asked in chunks."""
        wanted = list(dict.fromkeys(item_ids))
        found: list[Mapping[str, Any]] = []
        with self._guard("read failed"):
            for chunk in _chunks(wanted, FILTER_KEYS):
                names = {f"k{n}": key(item_id) for n, item_id in enumerate(chunk)}
                either = " or ".join(f"RowKey eq @{name}" for name in names)
                found.extend(
                    self._query(
                        "cache", f"PartitionKey eq @pk and ( {either} )", {"pk": ACCESS, **names}
                    )
                )
        return found

    def get_access(self, item_ids: Iterable[str]) -> dict[str, tuple[str, datetime]]:
        found: dict[str, tuple[str, datetime]] = {}
        for row in self._access_rows(item_ids):
            read_at = when(row.get("read_at"))
            if read_at is not None:
                found[str(row["item_id"])] = (get_text(row, "permissions"), read_at)
        return found

    def put_access(
        self,
        entries: Mapping[str, str],
        read_at: datetime,
        histories: Mapping[str, str] | None = None,
    ) -> None:
        from azure.data.tables import UpdateMode

        aware(read_at, "read_at")
        kept = histories or {}
        operations = []
        for item_id, text in entries.items():
            entity: dict[str, Any] = {
                "PartitionKey": ACCESS,
                "RowKey": key(item_id),
                "item_id": item_id,
                "read_at": read_at.isoformat(),
            }
            put_text(entity, "permissions", text)
            if item_id in kept:
                # In the same entity as the read: the two are written together or not at all.
                put_text(entity, "history", kept[item_id])
            operations.append(("upsert", entity, {"mode": UpdateMode.REPLACE}))
        with self._guard("write failed"):
            for batch in _chunks(operations, BATCH):
                self._commit("cache", batch)

    def get_sharing_history(self, item_ids: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for row in self._access_rows(item_ids):
            history = get_text(row, "history", "")
            if history:
                found[str(row["item_id"])] = history
        return found
