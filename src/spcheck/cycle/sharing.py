"""Each item's sharing history: which permissions the check cycle's reads saw, and when.

A permission read shows what is there at that moment. Kept read after read, it
gives each permission a span: first and last seen, the read before that did not
show it yet (``before``) and the first read that no longer showed it
(``gone_at``). Between two reads nothing is seen, so a span bounds when a
permission appeared and went, and ``replay`` (replay.py) narrows the bounds with
the audit log, where spcheck's own grants and revocations carry exact times.

Pure: the check cycle reads and writes the JSON text through the store.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from spcheck.graph.views import Permission

# Spans of permissions that are gone, kept per item; older ones are dropped first.
MAX_CLOSED = 50
VERSION = 1


def identity(permission: Permission) -> tuple[object, ...]:
    """What makes two reads show the same permission: id, roles, link scope and expiry."""
    link = permission.link
    return (
        permission.id,
        tuple(sorted(role.lower() for role in permission.roles)),
        link.scope if link else None,
        permission.expires_at,
    )


@dataclass(frozen=True, slots=True)
class Span:
    """One permission as a run of reads showed it."""

    permission: Permission
    first_seen: dt.datetime
    last_seen: dt.datetime
    before: dt.datetime | None = None  # the read before first_seen; None: no earlier read
    gone_at: dt.datetime | None = None  # the read that no longer showed it; None: still there

    @property
    def open(self) -> bool:
        return self.gone_at is None


def seeded(permissions: Sequence[Permission], read_at: dt.datetime) -> tuple[Span, ...]:
    """The spans one read gives on its own (a read from before histories were kept)."""
    return tuple(Span(p, read_at, read_at) for p in permissions)


def advance(
    spans: Sequence[Span] | None,
    previous: tuple[Sequence[Permission], dt.datetime] | None,
    read: Sequence[Permission],
    read_at: dt.datetime,
) -> tuple[Span, ...]:
    """The history after a new read.

    ``spans`` is the history kept so far (None when there is none yet), ``previous``
    the item's last read (its permissions and time) when there was one.
    """
    if spans is None:
        spans = seeded(previous[0], previous[1]) if previous is not None else ()
    last_read = previous[1] if previous is not None else None
    if last_read is not None and read_at <= last_read:
        return tuple(spans)  # an older read arriving late says nothing new
    seen = {identity(p): p for p in read}
    kept: list[Span] = []
    still: set[tuple[object, ...]] = set()
    for span in spans:
        key = identity(span.permission)
        if span.open and key in seen and key not in still:
            kept.append(replace(span, last_seen=read_at, permission=seen[key]))
            still.add(key)
        elif span.open:
            kept.append(replace(span, gone_at=read_at))
        else:
            kept.append(span)
    for key, permission in seen.items():
        if key not in still:
            kept.append(Span(permission, read_at, read_at, before=last_read))
    return _bounded(kept)


def _bounded(spans: list[Span]) -> tuple[Span, ...]:
    closed = sorted((s for s in spans if not s.open), key=lambda s: s.gone_at or s.last_seen)
    dropped = {id(s) for s in closed[: max(0, len(closed) - MAX_CLOSED)]}
    return tuple(s for s in spans if id(s) not in dropped)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _when(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None


def encode(spans: Sequence[Span]) -> str:
    return json.dumps(
        {
            "version": VERSION,
            "spans": [
                {
                    "permission": s.permission.model_dump(mode="json", by_alias=True),
                    "first_seen": s.first_seen.isoformat(),
                    "last_seen": s.last_seen.isoformat(),
                    "before": _iso(s.before),
                    "gone_at": _iso(s.gone_at),
                }
                for s in spans
            ],
        }
    )


def decode(text: str) -> tuple[Span, ...] | None:
    """The spans of a stored history; None when it cannot be read (it is then started anew,
    and a replay says what it cannot know)."""
    try:
        data = json.loads(text)
        if data.get("version") != VERSION:
            return None
        found = []
        for entry in data["spans"]:
            first, last = _when(entry["first_seen"]), _when(entry["last_seen"])
            if first is None or last is None:
                return None
            found.append(
                Span(
                    Permission.model_validate(entry["permission"]),
                    first,
                    last,
                    _when(entry.get("before")),
                    _when(entry.get("gone_at")),
                )
            )
        return tuple(found)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
