"""Which permissions existed at an earlier moment: the sharing history, narrowed by the audit log.

A replay (``--as-of`` a past date) must judge the access there was then, not the
access there is now. Each permission the cycle's reads saw has a span (sharing.py):
it appeared after the read before it was first seen and went before the read that
no longer showed it. spcheck's own grants and revocations are in the audit log with
their exact times, so for those the bounds close. At the replayed moment a
permission therefore existed, did not, or may have: the last is kept with a
``doubt`` (why it is not known), and the rules report it as not checked, never as
a pass and never as a finding about access that may not have been there.

An item created after the moment had no permissions then. Access given and taken
away between two reads without spcheck is never seen: a replay cannot know of it.
Pure: the check cycle passes in what the store holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from spcheck.cycle.sharing import Span, identity
from spcheck.graph.views import Permission
from spcheck.store.records import AuditEntry, AuditResult

_STARTS = frozenset({"grant", "change_role"})
_ENDS = frozenset({"revoke", "remove_link", "remove_drift", "change_role"})
Existed = Literal["yes", "no", "unknown"]


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """A permission spcheck made (``starts``) or took away, on a folder, at an exact time."""

    path: str  # the folder's path under the drive root, case-folded
    permission_id: str
    at: dt.datetime
    starts: bool
    record: Mapping[str, Any]  # the permission as the audit log keeps it


def _records(text: str) -> list[Mapping[str, Any]]:
    import json

    try:
        value = json.loads(text)
    except ValueError:
        return []
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)]


def audit_events(entries: Iterable[AuditEntry]) -> list[AuditEvent]:
    """The permission changes the audit log records as made (result ``ok``), oldest first."""
    found: list[AuditEvent] = []
    for entry in entries:
        if entry.result is not AuditResult.OK or not entry.path:
            continue
        path = entry.path.casefold()
        if entry.action in _ENDS:
            for record in _records(entry.before):
                found.append(AuditEvent(path, str(record["id"]), entry.at, False, record))
        if entry.action in _STARTS:
            for record in _records(entry.after):
                found.append(AuditEvent(path, str(record["id"]), entry.at, True, record))
    found.sort(key=lambda e: (e.at, e.starts))
    return found


def from_record(record: Mapping[str, Any]) -> Permission:
    """A permission as the audit log kept it, in Graph's shape again."""
    data: dict[str, Any] = {
        "id": record["id"],
        "roles": list(record.get("roles") or []),
        "expirationDateTime": record.get("expires_at"),
    }
    kind = record.get("kind")
    if kind == "link":
        data["link"] = {"scope": record.get("link_scope")}
    elif kind == "group":
        data["grantedToV2"] = {"group": {"displayName": record.get("group")}}
    elif record.get("email"):
        data["invitation"] = {"email": record["email"]}
    return Permission.model_validate(data)


@dataclass(frozen=True, slots=True)
class Then:
    """A permission that existed at the moment (``doubt`` None), or may have.

    Two versions of one permission (its roles or expiry changed between two reads)
    share ``one_of``: between those reads one of them existed, which is not known.
    """

    permission: Permission
    doubt: str | None = None
    one_of: str | None = None


@dataclass(frozen=True, slots=True)
class _Bounds:
    """When a permission began and ended, as closely as the reads and the audit log say.

    It began after ``start_lo`` (None: not known) and by ``start_hi``; exactly at
    ``start_hi`` when ``start_exact``. It ended after ``end_lo`` and by ``end_hi``,
    exactly at ``end_hi`` when ``end_exact``; ``end_hi`` None: it has not ended.
    """

    permission: Permission
    start_lo: dt.datetime | None
    start_hi: dt.datetime
    start_exact: bool
    end_lo: dt.datetime | None
    end_hi: dt.datetime | None
    end_exact: bool


def _exact_start(span: Span, events: Sequence[AuditEvent]) -> dt.datetime | None:
    key = span.permission.id
    times = [
        e.at
        for e in events
        if e.starts
        and e.permission_id == key
        and (span.before is None or span.before < e.at)
        and e.at <= span.first_seen
    ]
    return max(times) if times else None


def _exact_end(span: Span, events: Sequence[AuditEvent]) -> dt.datetime | None:
    key = span.permission.id
    times = [
        e.at
        for e in events
        if not e.starts
        and e.permission_id == key
        and span.last_seen <= e.at
        and (span.gone_at is None or e.at <= span.gone_at)
    ]
    return min(times) if times else None


def _bounds(span: Span, events: Sequence[AuditEvent]) -> _Bounds:
    started = _exact_start(span, events)
    ended = _exact_end(span, events)
    if ended is not None:
        end_lo, end_hi, end_exact = ended, ended, True
    elif span.gone_at is None:
        # In the latest read and not taken away by spcheck since: it is there.
        end_lo, end_hi, end_exact = None, None, False
    else:
        end_lo, end_hi, end_exact = span.last_seen, span.gone_at, False
    if started is not None:
        return _Bounds(span.permission, None, started, True, end_lo, end_hi, end_exact)
    return _Bounds(span.permission, span.before, span.first_seen, False, end_lo, end_hi, end_exact)


def _audit_only(
    spans: Sequence[Span], events: Sequence[AuditEvent], latest_read: dt.datetime | None
) -> list[_Bounds]:
    """Permissions spcheck made that no read showed as such (made and taken away between two
    reads, or before the sharing history was kept): the audit log alone dates them."""
    matched = {
        (span.permission.id, at) for span in spans if (at := _exact_start(span, events)) is not None
    }
    found: list[_Bounds] = []
    for event in events:
        if not event.starts or (event.permission_id, event.at) in matched:
            continue
        permission = from_record(event.record)
        ends = [
            e.at
            for e in events
            if not e.starts and e.permission_id == event.permission_id and e.at > event.at
        ]
        later = [s.first_seen for s in spans if s.permission.id == event.permission_id]
        later = [t for t in later if t > event.at]
        if ends:
            found.append(_Bounds(permission, None, event.at, True, min(ends), min(ends), True))
        elif later or (latest_read is not None and latest_read > event.at):
            # Gone by a later read, or replaced by what it showed: when, nobody recorded.
            gone = min([*later, *([latest_read] if latest_read is not None else [])])
            found.append(_Bounds(permission, None, event.at, True, event.at, gone, False))
        else:
            found.append(_Bounds(permission, None, event.at, True, None, None, False))
    return found


def _existed(bounds: _Bounds, as_of: dt.datetime) -> Existed:
    if bounds.start_exact:
        if as_of < bounds.start_hi:
            return "no"
        started = True
    else:
        if bounds.start_lo is not None and as_of <= bounds.start_lo:
            return "no"  # a read at or after the moment did not show it yet
        started = as_of >= bounds.start_hi
    if bounds.end_hi is None:
        going = True
    elif as_of >= bounds.end_hi:
        return "no"
    else:
        going = bounds.end_exact or (bounds.end_lo is not None and as_of <= bounds.end_lo)
    return "yes" if started and going else "unknown"


def _doubt(bounds: _Bounds, as_of: dt.datetime, shown: Callable[[dt.datetime], str]) -> str:
    if as_of < bounds.start_hi:
        if bounds.start_lo is None:
            return (
                f"spcheck first read it on {shown(bounds.start_hi)} and had not read this "
                "item's sharing before"
            )
        return (
            f"it was not there on {shown(bounds.start_lo)} and was first seen on "
            f"{shown(bounds.start_hi)}"
        )
    assert bounds.end_lo is not None
    assert bounds.end_hi is not None
    return f"it was last seen on {shown(bounds.end_lo)} and gone by {shown(bounds.end_hi)}"


def _changed_between_reads(spans: Sequence[Span]) -> dict[int, str]:
    """Spans that are two versions of one permission, changed between the same two reads
    (one gone at the read the other was first seen at): ``id(span)`` to a shared key."""
    keys: dict[int, str] = {}
    for old in spans:
        for new in spans:
            if (
                old is not new
                and old.permission.id == new.permission.id
                and old.gone_at is not None
                and old.gone_at == new.first_seen
                and new.before == old.last_seen
            ):
                key = f"{new.permission.id}@{new.first_seen.isoformat()}"
                keys.setdefault(id(old), key)
                keys.setdefault(id(new), key)
    return keys


def at_moment(
    spans: Sequence[Span],
    events: Sequence[AuditEvent],
    *,
    as_of: dt.datetime,
    created_at: dt.datetime | None,
    latest_read: dt.datetime | None,
    shown: Callable[[dt.datetime], str],
) -> tuple[Then, ...]:
    """The item's permissions at ``as_of``: those that existed, and those that may have.

    ``spans`` is the item's history (its latest read included), ``events`` the audit
    log's changes on this item, ``created_at`` when the item was made.
    """
    if created_at is not None and as_of < created_at:
        return ()
    changed = _changed_between_reads(spans)
    found: list[Then] = []
    bounded: list[tuple[str | None, _Bounds]] = [
        (changed.get(id(s)), _bounds(s, events)) for s in spans
    ]
    bounded += [(None, b) for b in _audit_only(spans, events, latest_read)]
    for version_of, bounds in bounded:
        existed = _existed(bounds, as_of)
        if existed == "yes":
            found.append(Then(bounds.permission))
        elif existed == "unknown":
            found.append(Then(bounds.permission, _doubt(bounds, as_of, shown), version_of))
    # One entry per permission: a certain one wins over a doubtful one.
    best: dict[tuple[object, ...], Then] = {}
    for then in found:
        same = identity(then.permission)
        if same not in best or (best[same].doubt is not None and then.doubt is None):
            best[same] = then
    return tuple(best.values())
