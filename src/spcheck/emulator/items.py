"""Creating and changing drive items: folders, simple uploads, rename, move and delete.

Names are settled under the target folder by ``conflictBehavior`` (``fail``,
``replace`` or ``rename``) before anything changes. A delete marks the item and
everything below it deleted rather than dropping them, so delta can report the
tombstones. Each change goes through ``_touch`` so delta sees it.
"""

from __future__ import annotations

from datetime import datetime

from spcheck.emulator.hashing import quick_xor_hash
from spcheck.emulator.interface import InvalidRequest, NameConflict, PayloadTooLarge
from spcheck.emulator.model import DriveItem, Identity
from spcheck.emulator.names import check_name, mime_type_for, name_key, renamed, split_path
from spcheck.emulator.tree import Tree

MAX_SIMPLE_UPLOAD = 250 * 1024 * 1024
CONFLICT_BEHAVIOURS = ("fail", "replace", "rename")


class Items(Tree):
    """Writes to the item tree, as a Python call (tests, seeds) or for the HTTP layer."""

    def _new_item(
        self, parent: DriveItem, name: str, actor: Identity, at: datetime, *, folder: bool
    ) -> DriveItem:
        item = DriveItem(
            id=self.ids.item_id(),
            drive_id=parent.drive_id,
            name=name,
            parent_id=parent.id,
            is_folder=folder,
            created=at,
            modified=at,
            created_by=actor,
            modified_by=actor,
            etag_id=self.ids.guid("etag").upper(),
        )
        self.items[item.id] = item
        self._drive_items[item.drive_id].append(item.id)
        self._children[parent.id][name_key(name)] = item.id
        if folder:
            self._children[item.id] = {}
        return item

    def _settle_name(
        self,
        parent: DriveItem,
        name: str,
        conflict: str,
        *,
        folder: bool,
        moving: DriveItem | None = None,
    ) -> tuple[str, DriveItem | None]:
        """The name to use under ``parent`` and the item a ``replace`` displaces, if any."""
        if conflict not in CONFLICT_BEHAVIOURS:
            raise InvalidRequest(
                f"conflictBehavior must be one of {', '.join(CONFLICT_BEHAVIOURS)}"
            )
        if not parent.is_folder:
            raise InvalidRequest("The parent of an item must be a folder")
        taken = self._children[parent.id]
        existing_id = taken.get(name_key(name))
        if existing_id is None or (moving is not None and existing_id == moving.id):
            return name, None
        if conflict == "fail":
            raise NameConflict(f"The specified item name already exists. Name: {name}")
        if conflict == "replace":
            return name, self.items[existing_id]
        attempt = 1
        while name_key(renamed(name, attempt, folder)) in taken:
            attempt += 1
        return renamed(name, attempt, folder), None

    def ensure_folders(
        self, drive_id: str, path: str, actor: Identity, at: datetime | None = None
    ) -> DriveItem:
        """The folder at ``path``, creating missing folders on the way."""
        with self.lock:
            node = self.root(drive_id)
            when = at or self.now()
            for part in split_path(path):
                found = self.resolve(node, part)
                if found is None:
                    found = self._new_item(node, check_name(part), actor, when, folder=True)
                    self._touch(found)
                elif not found.is_folder:
                    raise NameConflict(f"'{self.path_of(found)}' is a file, not a folder")
                node = found
            return node

    def add_folder(
        self, parent: DriveItem, name: str, actor: Identity, *, conflict: str = "fail"
    ) -> DriveItem:
        """Create a folder under a live folder (the HTTP path)."""
        with self.lock:
            name, displaced = self._settle_name(parent, check_name(name), conflict, folder=True)
            if displaced is not None and not displaced.is_folder:
                raise NameConflict(f"A file named '{name}' already exists here")
            if displaced is not None:
                self._delete(displaced)
            folder = self._new_item(parent, name, actor, self.now(), folder=True)
            self._touch(folder)
            return folder

    def create_folder(
        self,
        drive_id: str,
        parent_path: str,
        name: str,
        *,
        user: str | None = None,
        conflict: str = "fail",
    ) -> DriveItem:
        """Create ``name`` under ``parent_path`` ("" for the root), creating missing parents."""
        with self.lock:
            actor, _ = self.acting(user)
            parent = self.ensure_folders(drive_id, parent_path, actor)
            return self.add_folder(parent, name, actor, conflict=conflict)

    def put_content(
        self,
        parent: DriveItem,
        name: str,
        content: bytes,
        actor: Identity,
        *,
        at: datetime | None = None,
        conflict: str = "replace",
    ) -> tuple[DriveItem, bool]:
        """Simple upload into a live folder; returns the file and whether it is new."""
        with self.lock:
            if len(content) > MAX_SIMPLE_UPLOAD:
                raise PayloadTooLarge("Simple upload is limited to 250 MB; use an upload session")
            when = self._aware(at, "at") if at is not None else self.now()
            name, existing = self._settle_name(parent, check_name(name), conflict, folder=False)
            if existing is not None and existing.is_folder:
                raise NameConflict(f"A folder named '{name}' already exists here")
            created = existing is None
            item = existing or self._new_item(parent, name, actor, when, folder=False)
            if not created:
                item.version += 1
                item.modified = when
                item.modified_by = actor
            item.content = bytes(content)
            item.mime_type = mime_type_for(name)
            item.quick_xor_hash = quick_xor_hash(item.content)
            self._touch(item)
            return item, created

    def upload(
        self,
        drive_id: str,
        parent_path: str,
        name: str,
        content: bytes,
        *,
        user: str,
        at: datetime | None = None,
        conflict: str = "replace",
    ) -> DriveItem:
        """Upload as ``user``, creating missing parent folders; ``at`` sets both timestamps."""
        with self.lock:
            actor, _ = self.acting(user)
            when = self._aware(at, "at") if at is not None else None
            parent = self.ensure_folders(drive_id, parent_path, actor, when)
            return self.put_content(parent, name, content, actor, at=when, conflict=conflict)[0]

    def update_item(
        self,
        drive_id: str,
        item_id: str,
        *,
        name: str | None = None,
        parent_id: str | None = None,
        user: str | None = None,
        conflict: str = "fail",
    ) -> DriveItem:
        """Rename and/or move an item."""
        with self.lock:
            actor, _ = self.acting(user)
            item = self.get_item(drive_id, item_id)
            target = self.get_item(drive_id, parent_id) if parent_id is not None else None
            return self.change_item(item, actor, name=name, new_parent=target, conflict=conflict)

    def change_item(
        self,
        item: DriveItem,
        actor: Identity,
        *,
        name: str | None = None,
        new_parent: DriveItem | None = None,
        conflict: str = "fail",
    ) -> DriveItem:
        with self.lock:
            if item.is_root:
                raise InvalidRequest("The root of a library cannot be renamed or moved")
            parent = self.items[item.parent_id] if item.parent_id is not None else item
            target = new_parent or parent
            if target.drive_id != item.drive_id:
                raise InvalidRequest("Moving an item to another drive is not supported")
            if item.is_folder and self.is_within(target, item):
                raise InvalidRequest(
                    "A folder cannot be moved into itself or one of its descendants"
                )
            wanted = check_name(name) if name is not None else item.name
            if target.id == parent.id and wanted == item.name:
                return item
            final, displaced = self._settle_name(
                target, wanted, conflict, folder=item.is_folder, moving=item
            )
            if displaced is not None:
                self._delete(displaced)
            del self._children[parent.id][name_key(item.name)]
            item.name = final
            item.parent_id = target.id
            self._children[target.id][name_key(final)] = item.id
            item.modified = self.now()
            item.modified_by = actor
            item.version += 1
            self._touch(item)
            return item

    def _delete(self, item: DriveItem) -> None:
        for child_id in list(self._children.get(item.id, {}).values()):
            self._delete(self.items[child_id])
        if item.parent_id is not None:
            self._children[item.parent_id].pop(name_key(item.name), None)
        self._children.pop(item.id, None)
        item.deleted = True
        self._touch(item)

    def delete_item(self, drive_id: str, item_id: str, *, user: str | None = None) -> None:
        """Delete an item and everything below it (each becomes a tombstone for delta)."""
        with self.lock:
            self.acting(user)
            self.remove(self.get_item(drive_id, item_id))

    def remove(self, item: DriveItem) -> None:
        with self.lock:
            if item.is_root:
                raise InvalidRequest("The root of a library cannot be deleted")
            self._delete(item)
