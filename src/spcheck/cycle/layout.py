"""Which stored drive items belong to which inspection, and in which policy folder.

Pure: a function of the store's items, the root folder and the policy. Paths in
the store are relative to the drive root; paths in a snapshot are relative to
the inspection folder. SharePoint names are case-insensitive, so matching is too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from spcheck.domain.policy import Policy
from spcheck.domain.snapshot import Upload
from spcheck.store.interface import StoredItem


@dataclass(frozen=True, slots=True)
class InspectionItems:
    """The inspection folder and everything under it, each with its snapshot path."""

    root_path: str
    root: StoredItem | None
    items: tuple[tuple[str, StoredItem], ...]  # (path under the inspection folder, item)


def inspection_root(root_folder: str, inspection_id: str) -> str:
    return f"{root_folder.strip('/')}/{inspection_id}"


def select(items: Sequence[StoredItem], root_path: str) -> InspectionItems:
    folded = root_path.casefold()
    prefix = folded + "/"
    root = None
    inside: list[tuple[str, StoredItem]] = []
    for item in items:
        path = item.path.casefold()
        if path == folded:
            root = item
        elif path.startswith(prefix):
            inside.append((item.path[len(prefix) :], item))
    inside.sort(key=lambda pair: pair[0].casefold())
    return InspectionItems(root_path, root, tuple(inside))


def folder_key(relative_path: str, policy: Policy) -> str | None:
    """The policy folder an item sits under (its first path segment), by display name."""
    first = relative_path.split("/", 1)[0].casefold()
    return next((f.key for f in policy.folders if f.name.casefold() == first), None)


def to_upload(relative_path: str, item: StoredItem, policy: Policy) -> Upload:
    return Upload(
        path=relative_path,
        name=item.name,
        is_folder=item.is_folder,
        folder_key=folder_key(relative_path, policy),
        size=item.size,
        created_at=item.created_at,
        modified_at=item.modified_at,
        created_by=item.created_by,
        sha256=item.sha256,
    )


def uploads(selected: InspectionItems, policy: Policy, as_of: dt.datetime) -> tuple[Upload, ...]:
    """Everything under the inspection folder that existed at ``as_of``.

    Replaying an earlier date (``--as-of``) leaves out what was uploaded after it,
    so a report for a past day says what could have been seen on that day.
    """
    return tuple(
        to_upload(path, item, policy)
        for path, item in selected.items
        if item.created_at is None or item.created_at <= as_of
    )
