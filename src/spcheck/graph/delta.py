"""Delta sync: bring an ItemStore up to date from ``root/delta``.

Delta returns the latest state of each changed item, possibly more than once
(the last occurrence wins), never ``parentReference.path`` (paths are rebuilt
from parent ids), and a 410 once a token has expired (answered by a full
resync that reconciles the store). Folders may be reported alone when they are
renamed, moved or deleted, so descendants' paths are recomputed and the
descendants of a deleted folder are removed with it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from spcheck.graph.budget import COST_DELTA_WITH_TOKEN, COST_MULTI_READ
from spcheck.graph.interface import GraphError, GraphGone, SyncResult
from spcheck.graph.paths import has_delta_token
from spcheck.graph.views import DriveItem, Page
from spcheck.store.interface import ItemStore, StoredItem

log = logging.getLogger("spcheck.graph")

FetchPage = Callable[[str, int], Awaitable[Page[DriveItem]]]

_ROOT_PREFIXES = ("/drive/root:", "/drives/")
FULL_LISTING_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Node:
    """What path building needs to know about an item."""

    name: str
    parent_id: str | None
    is_root: bool
    parent_path: str | None = None


@dataclass(frozen=True, slots=True)
class Collected:
    latest: dict[str, DriveItem]
    delta_link: str
    pages: int


def _parent_path(item: DriveItem) -> str | None:
    """The path in ``parentReference.path`` when Graph sends one (``/drive/root:/A/B``)."""
    raw = item.parent.path if item.parent is not None else None
    if not raw or not raw.startswith(_ROOT_PREFIXES) or "root:" not in raw:
        return None
    return raw.split("root:", 1)[1].strip("/")


def node_of(item: DriveItem) -> Node:
    return Node(
        name=item.name or "",
        parent_id=item.parent_id,
        is_root=item.root is not None,
        parent_path=_parent_path(item),
    )


def node_of_stored(item: StoredItem) -> Node:
    return Node(name=item.name, parent_id=item.parent_id, is_root=item.is_root)


@dataclass(frozen=True, slots=True)
class Resolved:
    paths: dict[str, str]
    orphans: frozenset[str]
    under_deleted: frozenset[str]


def resolve_paths(nodes: Mapping[str, Node], deleted: Iterable[str] = ()) -> Resolved:
    """Paths relative to the drive root for every node.

    A node whose ancestor is in ``deleted`` is reported in ``under_deleted``
    (removed with it). A node whose parent is unknown gets the parent's path
    from ``parent_path`` when Graph sent one, else it is treated as sitting
    under the root and reported as an orphan so the caller can say so.
    """
    gone = set(deleted)
    paths: dict[str, str] = {}
    orphans: set[str] = set()
    doomed: set[str] = set()
    for start in nodes:
        if start in paths or start in doomed:
            continue
        chain: list[str] = []
        seen: set[str] = set()
        current: str | None = start
        base = ""
        fate = "ok"
        while current is not None:
            if current in paths:
                base = paths[current]
                break
            if current in doomed or current in gone:
                fate = "deleted"
                break
            node = nodes.get(current)
            if node is None:
                fate = "orphan"
                break
            if current in seen:  # a cycle in corrupt data: stop rather than loop
                fate = "orphan"
                break
            seen.add(current)
            if node.is_root:
                paths[current] = ""
                break
            chain.append(current)
            if node.parent_id is None:
                fate = "orphan"
                current = None
                break
            current = node.parent_id
        if fate == "deleted":
            doomed.update(chain)
            continue
        if fate == "orphan" and chain:
            top = nodes[chain[-1]]
            if top.parent_path is not None:
                base = top.parent_path
            else:
                orphans.add(chain[-1])
        for item_id in reversed(chain):
            name = nodes[item_id].name
            base = f"{base}/{name}" if base else name
            paths[item_id] = base
    return Resolved(paths=paths, orphans=frozenset(orphans), under_deleted=frozenset(doomed))


def to_stored(item: DriveItem, path: str, first_seen: datetime) -> StoredItem:
    hashes = item.file.hashes if item.file is not None else None
    return StoredItem(
        id=item.id,
        name=item.name or "",
        path=path,
        parent_id=item.parent_id,
        is_folder=item.is_folder,
        first_seen=first_seen,
        size=item.size,
        created_at=item.created_at,
        modified_at=item.modified_at,
        created_by=item.created_by.label() if item.created_by is not None else None,
        modified_by=item.modified_by.label() if item.modified_by is not None else None,
        sha256=hashes.sha256 if hashes is not None else None,
        quick_xor=hashes.quick_xor if hashes is not None else None,
        mime_type=item.file.mime_type if item.file is not None else None,
        etag=item.etag,
        ctag=item.ctag,
        shared=item.shared is not None,
    )


class DeltaSync:
    """One delta run against one drive; ``fetch(url, cost)`` gets a page or raises GraphGone."""

    def __init__(
        self,
        fetch: FetchPage,
        *,
        start_url: str,
        now: Callable[[], datetime],
        label: str = "delta",
    ) -> None:
        self._fetch = fetch
        self._start_url = start_url
        self._now = now
        self._label = label

    async def run(self, drive_id: str, store: ItemStore, *, full: bool = False) -> SyncResult:
        """One run; ``full`` lists the whole drive even when a delta link is stored."""
        link = store.get_delta_link(drive_id)
        if link is None or full:
            return await self._full(drive_id, store, resynced=False)
        try:
            collected = await self.collect(link)
        except GraphGone:
            log.warning(
                "%s: the delta token has expired (410); starting a full resync", self._label
            )
            return await self._full(drive_id, store, resynced=True)
        return self._incremental(drive_id, store, collected)

    async def _list_all(self) -> Collected:
        """A full listing; a page link that expires midway (410) restarts it, a few times."""
        for _ in range(FULL_LISTING_ATTEMPTS - 1):
            try:
                return await self.collect(self._start_url)
            except GraphGone:
                log.warning(
                    "%s: a page link expired during a full listing; restarting", self._label
                )
        return await self.collect(self._start_url)

    async def collect(self, url: str) -> Collected:
        """Follow nextLinks from ``url`` until a deltaLink; the last occurrence of an item wins."""
        latest: dict[str, DriveItem] = {}
        seen: set[str] = set()
        pages = 0
        while True:
            if url in seen:
                raise GraphError(f"{self._label}: Graph returned the same page link twice")
            seen.add(url)
            cost = COST_DELTA_WITH_TOKEN if has_delta_token(url) else COST_MULTI_READ
            page = await self._fetch(url, cost)
            pages += 1
            for item in page.value:
                latest.pop(item.id, None)
                latest[item.id] = item
            if page.next_link:
                url = page.next_link
            elif page.delta_link:
                return Collected(latest=latest, delta_link=page.delta_link, pages=pages)
            else:
                raise GraphError(f"{self._label}: a delta page had neither nextLink nor deltaLink")

    async def _full(self, drive_id: str, store: ItemStore, *, resynced: bool) -> SyncResult:
        collected = await self._list_all()
        before = {item.id: item for item in store.items(drive_id)}
        live = {key: item for key, item in collected.latest.items() if not item.is_deleted}
        resolved = resolve_paths({key: node_of(item) for key, item in live.items()})
        now = self._now()
        fresh: list[StoredItem] = []
        for key, item in live.items():
            known = before.get(key)
            first_seen = known.first_seen if known is not None else now
            fresh.append(to_stored(item, resolved.paths[key], first_seen))
        store.replace_all(drive_id, fresh, collected.delta_link)
        added, changed, sharing = _diff(before, fresh, live, incremental=False)
        removed = sorted(set(before) - set(live))
        return SyncResult(
            drive_id=drive_id,
            added=added,
            changed=changed,
            removed=tuple(removed),
            sharing_changed=sharing,
            full=True,
            resynced=resynced,
            pages=collected.pages,
            item_count=len(fresh),
            orphans=tuple(sorted(resolved.orphans)),
        )

    def _incremental(self, drive_id: str, store: ItemStore, collected: Collected) -> SyncResult:
        if not collected.latest:
            # Nothing changed: keep the new link and do not read the store at all.
            store.set_delta_link(drive_id, collected.delta_link)
            return SyncResult(
                drive_id=drive_id,
                added=(),
                changed=(),
                removed=(),
                sharing_changed=(),
                full=False,
                resynced=False,
                pages=collected.pages,
                item_count=None,
            )
        before = {item.id: item for item in store.items(drive_id)}
        deleted = {key for key, item in collected.latest.items() if item.is_deleted}
        live = {key: item for key, item in collected.latest.items() if not item.is_deleted}
        nodes: dict[str, Node] = {
            key: node_of_stored(item) for key, item in before.items() if key not in deleted
        }
        nodes.update((key, node_of(item)) for key, item in live.items())
        resolved = resolve_paths(nodes, deleted)
        now = self._now()
        upserts: list[StoredItem] = []
        for key, item in live.items():
            if key in resolved.under_deleted:
                continue
            known = before.get(key)
            first_seen = known.first_seen if known is not None else now
            upserts.append(to_stored(item, resolved.paths[key], first_seen))
        for key, known in before.items():
            if key in live or key in deleted or key in resolved.under_deleted:
                continue
            path = resolved.paths.get(key)
            if path is not None and path != known.path:
                upserts.append(replace(known, path=path))
        removed = sorted(key for key in before if key in deleted or key in resolved.under_deleted)
        store.apply_changes(drive_id, upserts, removed, collected.delta_link)
        added, changed, sharing = _diff(before, upserts, live, incremental=True)
        return SyncResult(
            drive_id=drive_id,
            added=added,
            changed=changed,
            removed=tuple(removed),
            sharing_changed=sharing,
            full=False,
            resynced=False,
            pages=collected.pages,
            item_count=len(before) + len(added) - len(removed),
            orphans=tuple(sorted(resolved.orphans)),
        )


def _diff(
    before: Mapping[str, StoredItem],
    after: Iterable[StoredItem],
    reported: Mapping[str, DriveItem],
    *,
    incremental: bool,
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Added, changed and sharing-changed ids.

    In an incremental run an item that delta reports with nothing else changed
    is taken as a sharing change: with ``Prefer: hierarchicalsharing`` that is
    why it is there, and re-reading its permissions is the safe side to err on.
    """
    added: list[str] = []
    changed: list[str] = []
    sharing: set[str] = set()
    for item in after:
        known = before.get(item.id)
        view = reported.get(item.id)
        if known is None:
            added.append(item.id)
            if item.shared:
                sharing.add(item.id)
        elif not known.same_content(item):
            changed.append(item.id)
            if known.shared != item.shared:
                sharing.add(item.id)
        elif incremental and view is not None:
            sharing.add(item.id)
        if view is not None and view.shared_changed:
            sharing.add(item.id)
    return tuple(sorted(added)), tuple(sorted(changed)), tuple(sorted(sharing))
