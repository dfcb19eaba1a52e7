"""Findings over check cycles: new, still open, resolved; and which are accepted.

The store keeps one ``Tracked`` row per finding key of an inspection and a count of
the cycles recorded. ``follow`` compares a cycle's findings with that record and
says, for each key, whether it is new since the previous cycle (first seen now, or
back after being resolved), still open (since when, for how many cycles), or gone
(resolved since the last report); and whether an acceptance covers it, has lapsed or
ended. It returns the rows to write, so a cycle writes only what changed: a finding
open and unchanged for weeks costs no write at all.

History moves forward only: a cycle judged at a time before the latest recorded one
(``spcheck check --as-of`` an earlier day) is shown against the record but changes
nothing. Pure: no clock, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from spcheck.domain.acceptance import RESOLVED, Acceptance, Subject, lapse, subject_path
from spcheck.domain.findings import Finding, Severity, finding_key
from spcheck.domain.policy import Policy


class FindingState(StrEnum):
    NEW = "new"  # not open in the previous cycle: first seen now, or back after resolving
    OPEN = "open"  # open in the previous cycle too
    RESOLVED = "resolved"  # open in the previous cycle, gone now


@dataclass(frozen=True, slots=True)
class Tracked:
    """What the store remembers of one finding key: its current (or last) episode."""

    key: str
    rule: str
    severity: Severity
    first_seen: dt.datetime
    first_cycle: int
    last_seen: dt.datetime
    path: str | None = None
    milestone: str | None = None
    location: str | None = None
    resolved_at: dt.datetime | None = None
    reopened: bool = False  # this episode followed an earlier one that was resolved
    content: str | None = None  # the item's digests as last seen (what an acceptance binds to)
    sharing: str | None = None

    @property
    def open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True, slots=True)
class History:
    """One inspection's record: the cycles counted so far, the last one's time, the rows."""

    cycle: int = 0
    at: dt.datetime | None = None
    tracked: Mapping[str, Tracked] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Accepted:
    """An acceptance as a report shows it."""

    by: str
    at: dt.datetime
    reason: str
    until: dt.datetime


@dataclass(frozen=True, slots=True)
class FindingNote:
    """A finding's history and acceptance, for the reports (findings sharing a key share it)."""

    key: str
    state: FindingState
    first_seen: dt.datetime
    last_seen: dt.datetime
    cycles: int
    reopened: bool = False
    accepted: Accepted | None = None


@dataclass(frozen=True, slots=True)
class Resolved:
    """A finding open in the previous cycle and gone in this one."""

    key: str
    rule: str
    severity: Severity
    first_seen: dt.datetime
    last_seen: dt.datetime
    resolved_at: dt.datetime
    cycles: int
    path: str | None = None
    milestone: str | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class Ended:
    """An acceptance that stops holding in this cycle, and why."""

    acceptance: Acceptance
    reason: str


@dataclass(frozen=True, slots=True)
class Followed:
    notes: Mapping[str, FindingNote]
    resolved: tuple[Resolved, ...]
    ended: tuple[Ended, ...]
    recorded: bool  # False: a look back; nothing below is to be written
    cycle: int  # the cycle count to store
    changed: tuple[Tracked, ...]  # rows to write


def _by_key(findings: Sequence[Finding]) -> dict[str, tuple[Finding, Severity]]:
    """Each key with one of its findings and the highest severity among them."""
    found: dict[str, tuple[Finding, Severity]] = {}
    for finding in findings:
        key = finding_key(finding)
        known = found.get(key)
        if known is None or finding.severity.rank > known[1].rank:
            found[key] = (known[0] if known else finding, finding.severity)
    return found


def _live(acceptances: Sequence[Acceptance], as_of: dt.datetime) -> dict[str, Acceptance]:
    """The acceptance holding each key at ``as_of`` (the latest made, if several)."""
    live: dict[str, Acceptance] = {}
    for acceptance in sorted(acceptances, key=lambda a: a.at):
        if acceptance.live_at(as_of):
            live[acceptance.key] = acceptance
    return live


def follow(
    history: History,
    findings: Sequence[Finding],
    *,
    subjects: Mapping[str, Subject],
    acceptances: Sequence[Acceptance],
    policy: Policy,
    as_of: dt.datetime,
) -> Followed:
    """This cycle's findings against the record; ``subjects`` are keyed by the path of the
    item each finding names (``subject_path``)."""
    record = history.at is None or as_of >= history.at
    cycle = history.cycle + 1 if record else history.cycle
    current = _by_key(findings)
    live = _live(acceptances, as_of)
    notes: dict[str, FindingNote] = {}
    changed: list[Tracked] = []
    ended: list[Ended] = []
    for key, (finding, severity) in current.items():
        where = subject_path(finding.rule, finding.path)
        subject = subjects.get(where) if where is not None else None
        known = history.tracked.get(key)
        still_open = known is not None and known.open and (record or known.first_seen <= as_of)
        if still_open and known is not None:
            state, first_seen, first_cycle = FindingState.OPEN, known.first_seen, known.first_cycle
            reopened = known.reopened
        else:
            state, first_seen, first_cycle = FindingState.NEW, as_of, cycle
            reopened = known is not None and not known.open
        row = Tracked(
            key=key,
            rule=finding.rule,
            severity=severity,
            first_seen=first_seen,
            first_cycle=first_cycle,
            last_seen=as_of,
            path=finding.path,
            milestone=finding.milestone,
            location=finding.location,
            reopened=reopened,
            content=subject.content if subject else None,
            sharing=subject.sharing if subject else None,
        )
        if record and (known is None or _differs(known, row)):
            changed.append(row)
        accepted = None
        acceptance = live.get(key)
        if acceptance is not None:
            why = lapse(acceptance, severity=severity, subject=subject, as_of=as_of, policy=policy)
            if why is None:
                accepted = Accepted(
                    acceptance.by, acceptance.at, acceptance.reason, acceptance.until
                )
            else:
                ended.append(Ended(acceptance, why))
        notes[key] = FindingNote(
            key=key,
            state=state,
            first_seen=first_seen,
            last_seen=as_of,
            cycles=max(1, cycle - first_cycle + 1),
            reopened=reopened,
            accepted=accepted,
        )
    resolved: list[Resolved] = []
    if record:
        for key, known in history.tracked.items():
            if key in current or not known.open:
                continue
            last_seen = history.at or known.last_seen
            changed.append(replace(known, last_seen=last_seen, resolved_at=as_of))
            resolved.append(
                Resolved(
                    key=key,
                    rule=known.rule,
                    severity=known.severity,
                    first_seen=known.first_seen,
                    last_seen=last_seen,
                    resolved_at=as_of,
                    cycles=max(1, history.cycle - known.first_cycle + 1),
                    path=known.path,
                    milestone=known.milestone,
                    location=known.location,
                )
            )
        ended += [Ended(a, RESOLVED) for key, a in live.items() if key not in current]
    resolved.sort(key=lambda r: (-r.severity.rank, r.rule, r.path or "", r.key))
    return Followed(
        notes=MappingProxyType(notes),
        resolved=tuple(resolved),
        ended=tuple(ended) if record else (),
        recorded=record,
        cycle=cycle,
        changed=tuple(changed),
    )


def _differs(known: Tracked, row: Tracked) -> bool:
    """A row worth writing: a new episode, or what an acceptance would bind to has moved."""
    return (
        not known.open
        or known.first_cycle != row.first_cycle
        or known.severity is not row.severity
        or known.content != row.content
        or known.sharing != row.sharing
    )
