"""The content cache: a file's scan result, by item and content hash."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from spcheck.store.azure_codec import TooLarge, aware, get_text, key, put_text
from spcheck.store.azure_table.base import CONTENT, AzureTableBase

# The name the store has always logged under, so log filters and alerts keep matching.
log = logging.getLogger("spcheck.store.azure_table")


class TableContentCache(AzureTableBase):
    """The content cache: a file's scan result, by item and content hash."""

    def get(self, item_id: str, content_hash: str) -> str | None:
        from azure.core.exceptions import ResourceNotFoundError

        with self._guard("read failed"):
            try:
                row = self._table("cache").get_entity(CONTENT, key(item_id))
            except ResourceNotFoundError:
                return None
        if row.get("content_hash") != content_hash:
            return None
        return get_text(row, "result")

    def put(self, item_id: str, content_hash: str, result_json: str, scanned_at: datetime) -> None:
        from azure.data.tables import UpdateMode

        aware(scanned_at, "scanned_at")
        entity: dict[str, Any] = {
            "PartitionKey": CONTENT,
            "RowKey": key(item_id),
            "item_id": item_id,
            "content_hash": content_hash,
            "scanned_at": scanned_at.isoformat(),
        }
        table = self._table("cache")
        with self._guard("write failed"):
            try:
                put_text(entity, "result", result_json)
            except TooLarge:
                # Not cached: the file is scanned again next time, never taken as passed.
                log.warning("content result of an item is too large to cache; not cached")
                table.delete_entity(CONTENT, key(item_id))
                return
            table.upsert_entity(entity, mode=UpdateMode.REPLACE)
