"""Contracts of the rule evaluators: what a rule reads, what it returns, how it is registered.

A rule is a pure function of a ``RuleContext`` (snapshot, definition, policy, timeline and
``as_of``) that yields ``Finding``s. The evaluator gathers every rule's findings into an
``InspectionResult``, the unit the reports render (docs/report-format.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

from spcheck.domain.findings import Finding, Severity, finding_key
from spcheck.domain.history import FindingNote, FindingState, Notes, Resolved
from spcheck.domain.inspection import Inspection
from spcheck.domain.policy import Policy
from spcheck.domain.snapshot import InspectionSnapshot
from spcheck.domain.timeline import MilestoneState, Timeline
from spcheck.loader import LoadedInspection

Status = Literal["ok", "warning", "error"]


class RuleError(Exception):
    """A rule registered wrongly (unknown id, id registered twice, bad runbook link)."""


@dataclass(frozen=True, eq=False)
class RuleContext:
    """Everything a rule may read. Compared by identity so derivations can be cached on it."""

    snapshot: InspectionSnapshot
    loaded: LoadedInspection
    timeline: Timeline
    as_of: dt.datetime

    def __post_init__(self) -> None:
        if self.as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        if self.snapshot.inspection_id != self.loaded.inspection.id:
            raise ValueError(
                f"snapshot of {self.snapshot.inspection_id!r} given for "
                f"inspection {self.loaded.inspection.id!r}"
            )

    @classmethod
    def build(
        cls, snapshot: InspectionSnapshot, loaded: LoadedInspection, as_of: dt.datetime
    ) -> RuleContext:
        """A context with its timeline; a naive ``as_of`` is read in the policy's time zone."""
        timeline = Timeline(loaded.inspection, loaded.policy)
        aware = as_of if as_of.tzinfo else as_of.replace(tzinfo=timeline.zone)
        return cls(snapshot=snapshot, loaded=loaded, timeline=timeline, as_of=aware)

    @property
    def inspection(self) -> Inspection:
        return self.loaded.inspection

    @property
    def policy(self) -> Policy:
        return self.loaded.policy

    def finding(
        self,
        rule: str,
        message: str,
        *,
        path: str | None = None,
        milestone: str | None = None,
        kind: str | None = None,
        location: str | None = None,
        masked: str | None = None,
    ) -> Finding:
        """A finding with the severity this inspection's policy gives the rule."""
        return Finding(
            rule, self.policy.severity(rule), message, path, milestone, kind, location, masked
        )


@dataclass(frozen=True, slots=True)
class MilestoneResult:
    id: str
    title: str
    due: dt.datetime
    state: MilestoneState
    met_at: dt.datetime | None = None
    evidence: tuple[str, ...] = ()
    kind: str | None = None  # what meets it (the policy's satisfied_by.kind)
    # While it is not met: what it still waits for, in words (a file, a count, a clean copy).
    waiting_for: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordReader:
    """Someone who can read the records now: a person (address masked), a group or a link,
    with the organisation the definition gives them (else their email domain) and until
    when (``until`` None and ``no_end`` True: at least one of their permissions never ends)."""

    who: str
    kind: Literal["person", "group", "site_group", "link", "unknown"]
    organisation: str | None  # None for a group or a link
    organisation_from: Literal["definition", "email domain"] | None  # None with no organisation
    role: str  # the highest: read | write | owner
    folders: tuple[str, ...]  # policy folder keys
    until: dt.datetime | None
    no_end: bool


@dataclass(frozen=True, slots=True)
class RecordsSummary:
    """Progress of the 60 + 15 against the sample list (ids are case references, masked if
    one looks like a personal identifier)."""

    sample_expected: int
    sample_uploaded: int
    reserves_expected: int
    reserves_uploaded: int
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()
    # Who can read the records now; None when the permissions were not read.
    readers: tuple[RecordReader, ...] | None = None


@dataclass(frozen=True, slots=True)
class WeekMark:
    """One calendar week of the inspection, for the report's timeline strip."""

    number: int | None  # counted week; None for a paused week
    start: dt.date  # its Monday
    paused: bool = False


@dataclass(frozen=True, slots=True)
class InspectionResult:
    id: str
    partnership: str
    week: int | None  # counted week of as_of; None before notification or in a paused week
    status: Status  # of the live findings: accepted ones do not count
    milestones: tuple[MilestoneResult, ...]
    records: RecordsSummary
    findings: tuple[Finding, ...]  # every finding, accepted ones included
    # For the HTML timeline strip; not part of the JSON schema.
    weeks: tuple[WeekMark, ...] = ()
    as_of: dt.datetime | None = None
    access_from: dt.datetime | None = None
    access_until: dt.datetime | None = None
    # From the check history (empty when none was kept): each finding key's history and
    # acceptance, what was resolved since the previous cycle, and open errors per cycle
    # over the last cycles, oldest first, this one last.
    notes: Mapping[str, FindingNote] = field(default_factory=lambda: MappingProxyType({}))
    resolved: tuple[Resolved, ...] = ()
    trend: tuple[int, ...] = ()
    # Each finding's key in ``findings`` order, and the keys accepted (kept so that the
    # counts need not work keys out again: a cycle can carry tens of thousands of findings).
    keys: tuple[str, ...] = ()
    accepted_keys: frozenset[str] = frozenset()

    def note(self, finding: Finding) -> FindingNote | None:
        return self.notes.get(finding_key(finding)) if self.notes else None

    def is_accepted(self, finding: Finding) -> bool:
        return bool(self.accepted_keys) and finding_key(finding) in self.accepted_keys

    def _keyed(self) -> Iterable[tuple[Finding, str]]:
        if len(self.keys) == len(self.findings):
            return zip(self.findings, self.keys, strict=True)
        return ((f, finding_key(f)) for f in self.findings)

    @property
    def live(self) -> tuple[Finding, ...]:
        """The findings that count: every one not accepted."""
        if not self.accepted_keys:
            return self.findings
        return tuple(f for f, key in self._keyed() if key not in self.accepted_keys)

    @property
    def accepted(self) -> tuple[Finding, ...]:
        if not self.accepted_keys:
            return ()
        return tuple(f for f, key in self._keyed() if key in self.accepted_keys)

    def count(self, severity: Severity) -> int:
        """Live findings of a severity (accepted ones are counted apart)."""
        return sum(1 for f in self.live if f.severity == severity)

    def count_new(self, severity: Severity) -> int:
        """Live findings of a severity that are new since the previous cycle (without a
        history, every finding is new)."""
        if not self.notes:
            return self.count(severity)
        if isinstance(self.notes, Notes):  # a cycle's notes know their new keys
            new = self.notes.new
            return sum(
                1
                for f, key in self._keyed()
                if f.severity == severity and key in new and key not in self.accepted_keys
            )
        return sum(
            1
            for f, key in self._keyed()
            if f.severity == severity
            and key not in self.accepted_keys
            and ((note := self.notes.get(key)) is None or note.state is FindingState.NEW)
        )

    def with_history(
        self,
        notes: Mapping[str, FindingNote],
        resolved: tuple[Resolved, ...],
        trend: tuple[int, ...],
        keys: tuple[str, ...] = (),
    ) -> InspectionResult:
        """This result with its history; the status is worked out again without what is
        accepted."""
        if isinstance(notes, Notes):  # a cycle's notes, made when asked for
            kept: Mapping[str, FindingNote] = notes
            accepted = frozenset(notes.accepted)
        else:
            kept = MappingProxyType(dict(notes))
            accepted = frozenset(k for k, n in notes.items() if n.accepted is not None)
        followed = replace(
            self,
            notes=kept,
            resolved=resolved,
            trend=trend,
            keys=keys if len(keys) == len(self.findings) else (),
            accepted_keys=accepted,
        )
        return replace(followed, status=status_of(followed.live))


def status_of(findings: Iterable[Finding]) -> Status:
    severities = {f.severity for f in findings}
    if Severity.ERROR in severities:
        return "error"
    if Severity.WARNING in severities:
        return "warning"
    return "ok"


RuleCheck = Callable[[RuleContext], Iterable[Finding]]


@dataclass(frozen=True)
class RuleSpec:
    """A registered rule: its catalogue entry, what to do about it and the function."""

    id: str
    severity: Severity  # the catalogue's default; a policy may change it
    description: str
    runbook: str  # relative link, e.g. runbooks/records.md#recordsunexpected
    family: str
    check: RuleCheck = field(compare=False, repr=False)
