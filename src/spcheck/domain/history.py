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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

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


class FindingNote(NamedTuple):
    """A finding's history and acceptance, for the reports (findings sharing a key share it).

    A named tuple, not a frozen dataclass: one is made for every finding of every cycle,
    and a tuple is several times cheaper to make."""

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


class Notes(Mapping[str, FindingNote]):
    """Each current finding key's note for one cycle, made when asked for.

    A cycle can carry tens of thousands of findings, most of them open and unchanged: their
    notes are worked out from the record only when a report shows them, and the counts use
    ``new`` and ``accepted`` directly.
    """

    def __init__(
        self,
        history: History,
        *,
        cycle: int,
        as_of: dt.datetime,
        current: frozenset[str],
        new: frozenset[str],
        accepted: Mapping[str, Accepted],
    ) -> None:
        self._history = history
        self._cycle = cycle
        self._as_of = as_of
        self._current = current
        self.new = new
        self.accepted = MappingProxyType(dict(accepted))

    def __getitem__(self, key: str) -> FindingNote:
        if key not in self._current:
            raise KeyError(key)
        known = self._history.tracked.get(key)
        accepted = self.accepted.get(key)
        if key in self.new or known is None:
            reopened = known is not None and not known.open
            return FindingNote(
                key, FindingState.NEW, self._as_of, self._as_of, 1, reopened, accepted
            )
        cycles = max(1, self._cycle - known.first_cycle + 1)
        return FindingNote(
            key, FindingState.OPEN, known.first_seen, self._as_of, cycles, known.reopened, accepted
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._current)

    def __len__(self) -> int:
        return len(self._current)


@dataclass(frozen=True, slots=True)
class Followed:
    keys: tuple[str, ...]  # each finding's key, in the order given
    notes: Notes
    resolved: tuple[Resolved, ...]
    ended: tuple[Ended, ...]
    recorded: bool  # False: a look back; nothing below is to be written
    cycle: int  # the cycle count to store
    changed: tuple[Tracked, ...]  # rows to write


_RANK = {Severity.ERROR: 2, Severity.WARNING: 1, Severity.INFO: 0}


def _by_key(
    findings: Sequence[Finding], keys: Sequence[str]
) -> tuple[dict[str, Finding], dict[str, Severity]]:
    """Each key's first finding, and the highest severity among its findings."""
    first: dict[str, Finding] = {}
    severity: dict[str, Severity] = {}
    for finding, key in zip(findings, keys, strict=True):
        known = severity.get(key)
        if known is None:
            first[key] = finding
            severity[key] = finding.severity
        elif finding.severity is not known and _RANK[finding.severity] > _RANK[known]:
            severity[key] = finding.severity
    return first, severity


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
    keys = tuple(finding_key(f) for f in findings)
    first, severity = _by_key(findings, keys)
    tracked = history.tracked
    was_open = {
        key
        for key, row in tracked.items()
        if row.resolved_at is None and (record or row.first_seen <= as_of)
    }
    current = frozenset(severity)
    new = current - was_open
    changed: list[Tracked] = []
    if record:
        for key in current:
            finding = first[key]
            where = subject_path(finding.rule, finding.path)
            subject = subjects.get(where) if where is not None else None
            content, sharing = (subject.content, subject.sharing) if subject else (None, None)
            known = tracked.get(key)
            if key in new:
                changed.append(
                    Tracked(
                        key=key,
                        rule=finding.rule,
                        severity=severity[key],
                        first_seen=as_of,
                        first_cycle=cycle,
                        last_seen=as_of,
                        path=finding.path,
                        milestone=finding.milestone,
                        location=finding.location,
                        reopened=known is not None,
                        content=content,
                        sharing=sharing,
                    )
                )
            elif known is not None and (
                known.severity is not severity[key]
                or known.content != content
                or known.sharing != sharing
            ):
                # What an acceptance would bind to moved: the row is written again.
                changed.append(
                    replace(known, severity=severity[key], content=content, sharing=sharing)
                )
    accepted: dict[str, Accepted] = {}
    ended: list[Ended] = []
    for key, acceptance in _live(acceptances, as_of).items():
        if key not in current:
            if record:
                ended.append(Ended(acceptance, RESOLVED))
            continue
        finding = first[key]
        where = subject_path(finding.rule, finding.path)
        subject = subjects.get(where) if where is not None else None
        why = lapse(acceptance, severity=severity[key], subject=subject, as_of=as_of, policy=policy)
        if why is None:
            accepted[key] = Accepted(
                acceptance.by, acceptance.at, acceptance.reason, acceptance.until
            )
        elif record:
            ended.append(Ended(acceptance, why))
    resolved: list[Resolved] = []
    if record:
        for key in was_open - current:
            known = tracked[key]
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
    resolved.sort(key=lambda r: (-_RANK[r.severity], r.rule, r.path or "", r.key))
    notes = Notes(history, cycle=cycle, as_of=as_of, current=current, new=new, accepted=accepted)
    return Followed(
        keys=keys,
        notes=notes,
        resolved=tuple(resolved),
        ended=tuple(ended),
        recorded=record,
        cycle=cycle,
        changed=tuple(changed),
    )
