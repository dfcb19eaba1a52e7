"""A check cycle's findings against the record: history, acceptances, the trend.

The rules are pure and know nothing of earlier cycles; this is where a result meets
the store. For each inspection it works out the digests an acceptance binds to (the
content and the permissions of the item each finding names), follows the findings
against the stored record (``domain.history.follow``), writes what changed, ends
the acceptances that lapsed (each ending audited), and returns the result with its
history, its status worked out without what is accepted, and its trend.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from spcheck.cycle.layout import InspectionItems
from spcheck.domain.acceptance import Subject, subject_path
from spcheck.domain.findings import Finding, Severity
from spcheck.domain.history import Ended, Followed, follow
from spcheck.domain.policy import Policy
from spcheck.domain.snapshot import Access
from spcheck.rules.interface import InspectionResult
from spcheck.rules.privacy import redact
from spcheck.store.interface import StoredItem
from spcheck.store.records import AuditEntry, AuditResult, Store

TREND_CYCLES = 14
CYCLE_ACTOR = "spcheck (check cycle)"
ENDED = "acceptance_ended"


@dataclass(frozen=True, slots=True)
class Follow:
    """One inspection's result with its history, and the acceptances that ended."""

    result: InspectionResult
    ended: tuple[Ended, ...]


def _digest(parts: Iterable[str]) -> str:
    # Not a security boundary: a short, fast fingerprint of what was seen.
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def _file_digest(item: StoredItem) -> str:
    """What changes with a file's content: any hash Graph gave and the cTag (which moves
    with the content only), else its size and time. Kept as it is (no hashing): cheap, for
    tens of thousands of findings a cycle."""
    if item.sha256 or item.quick_xor or item.ctag:
        return f"{item.sha256}|{item.quick_xor}|{item.ctag}|{item.size}"
    moment = item.modified_at.timestamp() if item.modified_at else ""
    return f"|||{item.size}|{moment}"


def _access_digest(entries: Sequence[Access]) -> str:
    return _digest(
        sorted(
            repr(
                (
                    a.permission_id,
                    a.roles,
                    a.principal.value,
                    a.email,
                    a.link_scope,
                    a.link_type,
                    a.expires_at.isoformat() if a.expires_at else None,
                    a.inherited,
                )
            )
            for a in entries
        )
    )


NO_ACCESS = _access_digest(())


def subjects(
    selected: InspectionItems,
    access: Sequence[Access] | None,
    findings: Sequence[Finding],
) -> dict[str, Subject]:
    """The digests of every item the findings name, keyed as ``subject_path`` gives.

    Finding paths are redacted (a file named by a CHI number shows masked), so an item is
    matched by its redacted path; where two items share one, both go into the digest. A
    path without a masked part can only be the item's own.
    """
    wanted = {where for f in findings if (where := subject_path(f.rule, f.path)) is not None}
    if not wanted:
        return {}
    items = dict(selected.items)
    masked: dict[str, list[str]] | None = None
    by_path: dict[str, list[Access]] = {}
    for entry in access or ():
        by_path.setdefault(entry.path, []).append(entry)
    unread = access is None
    found: dict[str, Subject] = {}
    for where in wanted:
        item = items.get(where)
        if item is not None and not item.is_folder:
            # The usual case, a file named by its own path.
            sharing = (
                None
                if unread
                else (_access_digest(by_path[where]) if where in by_path else NO_ACCESS)
            )
            found[where] = Subject(_file_digest(item), sharing)
            continue
        if where == "" or item is not None:
            raws = [where]
        elif "*" not in where:
            raws = []  # names nothing in the inspection folder
        else:
            if masked is None:
                masked = {}
                for path in items:
                    masked.setdefault(redact(path), []).append(path)
            raws = sorted(masked.get(where, ()))
        if not raws:
            found[where] = Subject()
            continue
        contents = [_content(raw, items, selected) for raw in raws]
        content = (
            None
            if None in contents
            else contents[0]
            if len(raws) == 1
            else _digest(c or "" for c in contents)
        )
        found[where] = Subject(content=content, sharing=_sharing(raws, by_path, access))
    return found


def _sharing(
    raws: Sequence[str], by_path: Mapping[str, Sequence[Access]], access: object
) -> str | None:
    if access is None:
        return None  # the permissions were not read: unknown, never "unchanged"
    digests = [_access_digest(by_path[raw]) if raw in by_path else NO_ACCESS for raw in raws]
    return digests[0] if len(digests) == 1 else _digest(digests)


def _content(raw: str, items: Mapping[str, StoredItem], selected: InspectionItems) -> str | None:
    if raw == "":
        return None  # the inspection folder: only its sharing is followed
    item = items[raw]
    if not item.is_folder:
        return _file_digest(item)
    prefix = raw + "/"
    inside = sorted(
        f"{path}\x1e{_file_digest(child)}"
        for path, child in selected.items
        if path.startswith(prefix) and not child.is_folder
    )
    return _digest(inside)


def _trend(store: Store, result: InspectionResult, as_of: dt.datetime) -> tuple[int, ...]:
    earlier = [run for run in store.recent_runs(result.id, TREND_CYCLES) if run.as_of <= as_of][
        : TREND_CYCLES - 1
    ]
    return (*(int(run.counts.get("error", 0)) for run in reversed(earlier)),)


def follow_inspection(
    store: Store,
    result: InspectionResult,
    *,
    selected: InspectionItems,
    access: Sequence[Access] | None,
    policy: Policy,
    as_of: dt.datetime,
    now: dt.datetime,
) -> Follow:
    """``result`` against the record, and the record brought up to date (when ``as_of`` is
    not before the latest cycle recorded: a look back changes nothing)."""
    history = store.history(result.id)
    followed: Followed = follow(
        history,
        result.findings,
        subjects=subjects(selected, access, result.findings),
        acceptances=store.acceptances(result.id),
        policy=policy,
        as_of=as_of,
    )
    known = result.with_history(followed.notes, followed.resolved, (), followed.keys)
    trend = (*_trend(store, result, as_of), known.count(Severity.ERROR))
    followed_result = replace(known, trend=trend)
    if followed.recorded:
        # False when another process recorded a cycle of this inspection meanwhile: its
        # record stands and the next cycle catches up; this report is still right.
        store.record_history(
            result.id,
            previous_cycle=history.cycle,
            cycle=followed.cycle,
            at=as_of,
            changed=followed.changed,
        )
    ended = tuple(e for e in followed.ended if _end(store, result.id, e, now))
    return Follow(followed_result, ended)


def _end(store: Store, inspection_id: str, ended: Ended, now: dt.datetime) -> bool:
    acceptance = ended.acceptance
    done = store.end_acceptance(
        inspection_id, acceptance.id, at=now, by=CYCLE_ACTOR, reason=ended.reason
    )
    if done:
        store.append(
            AuditEntry(
                plan_id=f"acceptance-{acceptance.id}",
                inspection_id=inspection_id,
                step=0,
                action=ENDED,
                actor=CYCLE_ACTOR,
                at=now,
                result=AuditResult.OK,
                path=acceptance.path,
                before=json.dumps({"rule": acceptance.rule, "key": acceptance.key}),
                detail=f"the acceptance of {acceptance.rule} ended: {ended.reason}",
            )
        )
    return done
