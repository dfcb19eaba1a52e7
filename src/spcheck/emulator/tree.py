"""Reading the drive-item tree: items by id or path, children, paths, depth and size.

Each folder indexes its live children by name key (``names.name_key``), so paths
resolve case-insensitively as SharePoint's do; deleted items leave the index but
stay in ``items`` as tombstones, which ``drive_items`` still yields for delta.
"""

from __future__ import annotations

from collections.abc import Iterator

from spcheck.emulator.directory import Directory
from spcheck.emulator.interface import ItemNotFound
from spcheck.emulator.model import DriveItem
from spcheck.emulator.names import name_key, split_path


class Tree(Directory):
    """Lookups over the items of each site's library; nothing here changes the state."""

    def root(self, drive_id: str) -> DriveItem:
        return self.items[self.site_for_drive(drive_id).root_id]

    def get_item(self, drive_id: str, item_id: str) -> DriveItem:
        """A live item by id (``root`` is the library root); ``ItemNotFound`` otherwise."""
        if item_id.lower() == "root":
            return self.root(drive_id)
        self.site_for_drive(drive_id)
        item = self.items.get(item_id)
        if item is None or item.deleted or item.drive_id != drive_id:
            raise ItemNotFound("The resource could not be found.")
        return item

    def resolve(self, start: DriveItem, path: str) -> DriveItem | None:
        """The live item at ``path`` below ``start``, names matched case-insensitively."""
        node = start
        for part in split_path(path):
            child_id = self._children.get(node.id, {}).get(name_key(part))
            if child_id is None:
                return None
            node = self.items[child_id]
        return node

    def item_by_path(self, drive_id: str, path: str) -> DriveItem | None:
        with self.lock:
            return self.resolve(self.root(drive_id), path)

    def children(self, drive_id: str, item_id: str) -> list[DriveItem]:
        """Live children in a stable order (by name, then id)."""
        with self.lock:
            parent = self.get_item(drive_id, item_id)
            kids = [self.items[child] for child in self._children.get(parent.id, {}).values()]
            return sorted(kids, key=lambda item: (name_key(item.name), item.id))

    def drive_items(self, drive_id: str) -> Iterator[DriveItem]:
        """Every item of a drive ever created, tombstones included, oldest first."""
        for item_id in self._drive_items.get(drive_id, []):
            yield self.items[item_id]

    def path_of(self, item: DriveItem) -> str:
        """Path below the library root, e.g. ``Inspections/glenmorven-2026/PIR.xlsx``."""
        parts: list[str] = []
        node = item
        while node.parent_id is not None:
            parts.append(node.name)
            node = self.items[node.parent_id]
        return "/".join(reversed(parts))

    def depth_of(self, item: DriveItem) -> int:
        depth = 0
        node = item
        while node.parent_id is not None:
            depth += 1
            node = self.items[node.parent_id]
        return depth

    def child_count(self, item: DriveItem) -> int:
        return len(self._children.get(item.id, {}))

    def size_of(self, item: DriveItem) -> int:
        """A file's length; a folder's total, as SharePoint reports it."""
        if not item.is_folder:
            return len(item.content)
        return sum(
            self.size_of(self.items[child]) for child in self._children.get(item.id, {}).values()
        )

    def is_within(self, item: DriveItem, ancestor: DriveItem) -> bool:
        node: DriveItem | None = item
        while node is not None:
            if node.id == ancestor.id:
                return True
            node = self.items[node.parent_id] if node.parent_id is not None else None
        return False
