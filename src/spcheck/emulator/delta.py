"""Delta over the state's change log, with Graph's paging and token rules.

A first call (no token) lists every live item of the drive, parents before
children. A token remembers a change-log position: the next call returns the
latest state of each item changed since then (deleted ones as tombstones), once
each. Listings are snapshotted when they start, so paging through ``nextLink``
neither skips nor repeats items while the drive changes underneath; whatever
changed meanwhile comes back in the following round, as Graph's does. Tokens carry
the state's delta epoch: ``EmulatorState.expire_delta_tokens`` bumps it and every
older token then gets 410 ``resyncRequired``. Sharing changes count only for
callers that send ``Prefer: hierarchicalsharing`` or ``deltashowsharingchanges``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from spcheck.emulator.interface import InvalidRequest, ResyncRequired
from spcheck.emulator.model import DriveItem
from spcheck.emulator.state import EmulatorState

PAGE_SIZE = 200
LATEST = "latest"  # the token that asks for a deltaLink to the current state
SNAPSHOT_LIMIT = 256


@dataclass(frozen=True, slots=True)
class DeltaPage:
    """Items of one page; ``since`` is the change-log position the listing started from
    (0 for a full listing), so callers can tell which items changed sharing since then."""

    items: list[DriveItem]
    next_token: str | None = None
    delta_token: str | None = None
    since: int = 0


def _drive_tag(drive_id: str) -> str:
    return hashlib.sha256(drive_id.encode()).hexdigest()[:10]


def _encode(*fields: str | int) -> str:
    text = ".".join(str(field) for field in fields)
    return base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")


def _decode(token: str) -> list[str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii").split(".")
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidRequest("The delta token is not valid") from None


def _changed(item: DriveItem, since: int, sharing_changes: bool) -> bool:
    return item.content_seq > since or (sharing_changes and item.sharing_seq > since)


def _snapshot(
    state: EmulatorState, drive_id: str, since: int, sharing_changes: bool
) -> tuple[str, int]:
    upto = state.change_seq
    changed = [
        item
        for item in state.drive_items(drive_id)
        if _changed(item, since, sharing_changes) and not (since == 0 and item.deleted)
    ]
    changed.sort(key=lambda item: (state.depth_of(item), max(item.content_seq, item.sharing_seq)))
    snapshot_id = state.ids.guid("delta").replace("-", "")[:16]
    state.delta_snapshots[snapshot_id] = (since, upto, [item.id for item in changed])
    while len(state.delta_snapshots) > SNAPSHOT_LIMIT:
        state.delta_snapshots.popitem(last=False)
    return snapshot_id, upto


def _page(
    state: EmulatorState, drive_id: str, snapshot_id: str, offset: int, top: int
) -> DeltaPage:
    stored = state.delta_snapshots.get(snapshot_id)
    if stored is None:
        raise ResyncRequired("The delta page link has expired; start a full delta again")
    since, upto, item_ids = stored
    end = offset + top
    items = [state.items[item_id] for item_id in item_ids[offset:end]]
    tag = _drive_tag(drive_id)
    if end < len(item_ids):
        token = _encode("n", state.delta_epoch, tag, snapshot_id, end)
        return DeltaPage(items, next_token=token, since=since)
    del state.delta_snapshots[snapshot_id]
    return DeltaPage(items, delta_token=_encode("d", state.delta_epoch, tag, upto), since=since)


def delta_page(
    state: EmulatorState,
    drive_id: str,
    token: str | None,
    *,
    top: int = PAGE_SIZE,
    sharing_changes: bool = False,
) -> DeltaPage:
    """One page of delta for ``drive_id`` from ``token`` (None: a full listing; ``latest``: now)."""
    with state.lock:
        state.site_for_drive(drive_id)
        top = max(1, min(top, PAGE_SIZE))
        tag = _drive_tag(drive_id)
        if token == LATEST:
            return DeltaPage([], delta_token=_encode("d", state.delta_epoch, tag, state.change_seq))
        if not token:
            snapshot_id, _ = _snapshot(state, drive_id, 0, sharing_changes)
            return _page(state, drive_id, snapshot_id, 0, top)
        fields = _decode(token)
        if len(fields) < 4 or fields[0] not in ("d", "n") or not fields[1].isdigit():
            raise InvalidRequest("The delta token is not valid")
        if fields[2] != tag:
            raise InvalidRequest("The delta token belongs to another drive")
        if int(fields[1]) != state.delta_epoch:
            raise ResyncRequired(
                "Resync required. Replace any local items with the server's version "
                "(including deletes) after a full delta."
            )
        if fields[0] == "d":
            if not fields[3].isdigit():
                raise InvalidRequest("The delta token is not valid")
            snapshot_id, _ = _snapshot(state, drive_id, int(fields[3]), sharing_changes)
            return _page(state, drive_id, snapshot_id, 0, top)
        if len(fields) != 5 or not fields[4].isdigit():
            raise InvalidRequest("The delta token is not valid")
        return _page(state, drive_id, fields[3], int(fields[4]), top)
