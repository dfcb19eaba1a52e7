"""An in-memory ItemStore: the reference implementation used by tests and the demo."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from spcheck.store.interface import ItemStore, StoredItem


class MemoryItemStore(ItemStore):
    """Dictionaries behind one lock; every change is applied whole or not at all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, dict[str, StoredItem]] = {}
        self._links: dict[str, str] = {}

    def get_delta_link(self, drive_id: str) -> str | None:
        with self._lock:
            return self._links.get(drive_id)

    def set_delta_link(self, drive_id: str, link: str) -> None:
        if not link:
            raise ValueError("a delta link must not be empty")
        with self._lock:
            self._links[drive_id] = link

    def upsert_items(self, drive_id: str, items: Sequence[StoredItem]) -> None:
        with self._lock:
            drive = self._items.setdefault(drive_id, {})
            drive.update((item.id, item) for item in items)

    def remove_items(self, drive_id: str, ids: Iterable[str]) -> None:
        with self._lock:
            drive = self._items.get(drive_id, {})
            for item_id in ids:
                drive.pop(item_id, None)

    def apply_changes(
        self,
        drive_id: str,
        upserts: Sequence[StoredItem],
        removals: Iterable[str],
        delta_link: str,
    ) -> None:
        if not delta_link:
            raise ValueError("a delta link must not be empty")
        removed = list(removals)
        with self._lock:
            # Build the new state aside first so that an error leaves the old one intact.
            drive = dict(self._items.get(drive_id, {}))
            for item_id in removed:
                drive.pop(item_id, None)
            drive.update((item.id, item) for item in upserts)
            self._items[drive_id] = drive
            self._links[drive_id] = delta_link

    def replace_all(self, drive_id: str, items: Sequence[StoredItem], delta_link: str) -> None:
        if not delta_link:
            raise ValueError("a delta link must not be empty")
        fresh = {item.id: item for item in items}
        with self._lock:
            self._items[drive_id] = fresh
            self._links[drive_id] = delta_link

    def items(self, drive_id: str) -> list[StoredItem]:
        with self._lock:
            found = list(self._items.get(drive_id, {}).values())
        return sorted(found, key=lambda item: (item.path.casefold(), item.id))

    def item(self, drive_id: str, item_id: str) -> StoredItem | None:
        with self._lock:
            return self._items.get(drive_id, {}).get(item_id)

    def item_by_path(self, drive_id: str, path: str) -> StoredItem | None:
        wanted = path.strip("/").casefold()
        with self._lock:
            for item in self._items.get(drive_id, {}).values():
                if item.path.casefold() == wanted:
                    return item
        return None
