"""The item store: what spcheck remembers about each drive between runs (docs/architecture.md).

The delta sync writes here and a check cycle reads here. Every implementation
(in-memory for tests, SQLite by default, Azure Table Storage in Functions)
honours the same contract:

- paths are relative to the drive root, "/"-separated, with no leading slash;
  the drive root itself is stored with the empty path so that incremental runs
  can rebuild the paths of its children;
- each method that changes state is one transaction: a reader never sees half
  of a delta run, and a failed run leaves the previous state and delta link;
- ``first_seen`` is set once, when spcheck first stored the item, and kept
  across updates, renames and full resyncs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from spcheck.errors import InputError, ServiceUnavailable


class StoreError(ServiceUnavailable):
    """The state store could not be read or written, or is damaged. Exit 3."""


class StateDamaged(StoreError):
    """The state file is damaged: it does not mend by itself (runbooks/state.md). Exit 3."""


class NotAStateFile(StoreError, InputError):
    """SPCHECK_STATE names something that is not spcheck's state at all (a directory, another
    program's file): a setting to correct, not an outage. Exit 2."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class StoredItem:
    """One drive item as last seen through delta."""

    id: str
    name: str
    path: str
    parent_id: str | None
    is_folder: bool
    first_seen: datetime
    size: int | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    created_by: str | None = None
    modified_by: str | None = None
    sha256: str | None = None
    quick_xor: str | None = None
    mime_type: str | None = None
    etag: str | None = None
    ctag: str | None = None
    shared: bool = False

    @property
    def is_root(self) -> bool:
        return self.path == "" and self.is_folder

    def same_content(self, other: StoredItem) -> bool:
        """True when nothing but ``first_seen`` differs."""
        return _comparable(self) == _comparable(other)


def _comparable(item: StoredItem) -> tuple[object, ...]:
    return (
        item.id,
        item.name,
        item.path,
        item.parent_id,
        item.is_folder,
        item.size,
        item.created_at,
        item.modified_at,
        item.created_by,
        item.modified_by,
        item.sha256,
        item.quick_xor,
        item.mime_type,
        item.etag,
        item.ctag,
        item.shared,
    )


class ItemStore(ABC):
    """Items and delta links per drive. Methods are synchronous: each is one short transaction."""

    @abstractmethod
    def get_delta_link(self, drive_id: str) -> str | None:
        """The full deltaLink URL stored by the last completed sync, or None."""

    @abstractmethod
    def set_delta_link(self, drive_id: str, link: str) -> None:
        """Store the full deltaLink URL for the next run."""

    @abstractmethod
    def upsert_items(self, drive_id: str, items: Sequence[StoredItem]) -> None:
        """Insert or replace items by id."""

    @abstractmethod
    def remove_items(self, drive_id: str, ids: Iterable[str]) -> None:
        """Forget items by id; unknown ids are ignored."""

    @abstractmethod
    def apply_changes(
        self,
        drive_id: str,
        upserts: Sequence[StoredItem],
        removals: Iterable[str],
        delta_link: str,
    ) -> None:
        """One incremental delta run: upserts, removals and the new link, all or nothing."""

    @abstractmethod
    def replace_all(self, drive_id: str, items: Sequence[StoredItem], delta_link: str) -> None:
        """A full sync or resync: the drive's items become exactly ``items``, all or nothing."""

    @abstractmethod
    def items(self, drive_id: str) -> list[StoredItem]:
        """Every stored item of the drive, the root included, in path order."""

    @abstractmethod
    def item(self, drive_id: str, item_id: str) -> StoredItem | None:
        """One item by id, or None."""

    @abstractmethod
    def item_by_path(self, drive_id: str, path: str) -> StoredItem | None:
        """One item by its path relative to the drive root (case-insensitive, as SharePoint)."""
