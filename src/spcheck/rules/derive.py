"""Derivations several rules share, computed once per context.

Milestone states and record matching are read by more than one family (deadlines
suppress what pir and records report more precisely; the report shows both), so they
are worked out here once per ``RuleContext`` and kept for the context's lifetime.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from spcheck.domain.attestation import Attestation
from spcheck.domain.findings import Finding, Severity
from spcheck.domain.inspection import ContactRole, SampleCount, SampleRecord, sample_counts
from spcheck.domain.policy import Folder, Milestone
from spcheck.domain.snapshot import ContentCheck, ContentStatus, Upload
from spcheck.domain.timeline import MilestoneState
from spcheck.rules.interface import MilestoneResult, RecordsSummary, RuleContext
from spcheck.rules.privacy import redact

T = TypeVar("T")
RecordFolder = Literal["sample", "reserve"]
RECORD_FOLDERS: tuple[RecordFolder, ...] = ("sample", "reserve")

# Findings of the content checks that mean the file was not really read.
UNREAD_RULES = frozenset({"file.unreadable", "file.encrypted", "check.unverifiable"})
_NOT_A_REAL_FILE = frozenset({"file.unreadable", "file.encrypted"})


def extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


@dataclass(frozen=True, slots=True)
class RecordItem:
    """A direct child (file or folder) of the sample or the reserves folder."""

    upload: Upload
    held_in: RecordFolder
    record_id: str | None  # None: the name does not follow the naming pattern
    files: tuple[Upload, ...]  # the file itself, or every file under the record's folder
    listed: SampleRecord | None  # its line on the sample list, when there is one

    @property
    def key(self) -> str | None:
        return None if self.record_id is None else self.record_id.casefold()

    @property
    def present(self) -> bool:
        """A file, or a folder holding at least one file (an empty folder is not a record)."""
        return bool(self.files)

    @property
    def arrived(self) -> dt.datetime | None:
        """When the record first had content; None when that is not known."""
        times = [f.created_at for f in self.files]
        if not times or any(t is None for t in times):
            return None
        return min(t for t in times if t is not None)


@dataclass(frozen=True, slots=True)
class RecordsMatch:
    listed: bool  # a sample list is loaded
    items: tuple[RecordItem, ...]
    present: dict[str, tuple[RecordItem, ...]]  # key -> present items named by it
    missing: tuple[SampleRecord, ...]  # listed records with no present item, in list order
    complete: bool  # every listed record present
    met_at: dt.datetime | None  # when the last listed record arrived (None: unknown)
    summary: RecordsSummary


class Derived:
    """The shared derivations of one context; obtain through ``derived(ctx)``."""

    def __init__(self, ctx: RuleContext) -> None:
        # Weak: the context holds its derivations, and a strong link back would make every
        # context of a long `spcheck watch` a reference cycle the collector frees only late.
        self._ctx = weakref.ref(ctx)
        self._memo: dict[str, Any] = {}

    @property
    def ctx(self) -> RuleContext:
        ctx = self._ctx()
        assert ctx is not None, "derivations outlived their context"
        return ctx

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """A family's own derivation, computed once per context."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]

    # -- folders ---------------------------------------------------------------------------

    def folder(self, key: str | None) -> Folder | None:
        if key is None:
            return None
        try:
            return self.ctx.policy.folder(key)
        except KeyError:
            return None

    def folder_milestone(self, key: str | None) -> str | None:
        """The milestone a folder's files count towards (reserves count towards records)."""
        folder = self.folder(key)
        if folder is None:
            return None
        if folder.milestone is None and folder.holds_records is not None:
            return self.records_milestone
        return folder.milestone

    @cached_property
    def records_milestone(self) -> str | None:
        for milestone in self.ctx.policy.milestones:
            if milestone.satisfied_by.kind == "all_records":
                return milestone.id
        sample = self.ctx.policy.records_folder("sample")
        return sample.milestone if sample else None

    @cached_property
    def sample_milestone(self) -> str | None:
        for milestone in self.ctx.policy.milestones:
            if milestone.satisfied_by.kind == "sample_list":
                return milestone.id
        return None

    @cached_property
    def pir_milestone(self) -> Milestone | None:
        try:
            return self.ctx.policy.milestone("pir")
        except KeyError:
            return None

    # -- files and content -----------------------------------------------------------------

    def content(self, upload: Upload) -> ContentCheck | None:
        return self.ctx.snapshot.content.get(upload.path)

    def read_as_its_type(self, upload: Upload) -> bool:
        """False when the content checks found the file is not what its name says, or locked."""
        check = self.content(upload)
        return check is None or not any(f.rule in _NOT_A_REAL_FILE for f in check.findings)

    def usable(self, upload: Upload, extensions: list[str] | None) -> bool:
        """A file that can stand as a milestone's evidence."""
        if upload.is_folder or upload.size == 0:
            return False
        if not self.ctx.policy.files.allows(upload.name):
            return False
        if extensions is not None and extension(upload.name) not in extensions:
            return False
        return self.read_as_its_type(upload)

    def files_in(self, folder_key: str) -> tuple[Upload, ...]:
        return self.ctx.snapshot.files(folder_key)

    def passed_through(self, rule_id: str) -> Iterator[Finding]:
        """The content checks' findings of one rule, placed on the file and its milestone."""
        for upload in self.ctx.snapshot.files():
            check = self.content(upload)
            if check is None:
                continue
            for found in check.findings:
                if found.rule == rule_id:
                    yield self.ctx.finding(
                        rule_id,
                        found.message,
                        path=upload.path,
                        milestone=self.folder_milestone(upload.folder_key),
                        kind=found.kind,
                        location=found.location,
                        masked=found.masked,
                    )

    # -- records ---------------------------------------------------------------------------

    @cached_property
    def records(self) -> RecordsMatch:
        return _match_records(self.ctx)

    @cached_property
    def sample_counts(self) -> tuple[SampleCount, ...] | None:
        """The loaded sample list's counts against the policy's; None without a list."""
        sample = self.ctx.loaded.sample
        return None if sample is None else sample_counts(sample, self.ctx.policy.sample)

    @cached_property
    def wrong_counts(self) -> tuple[SampleCount, ...]:
        return tuple(c for c in self.sample_counts or () if not c.right)

    # -- milestones ------------------------------------------------------------------------

    @cached_property
    def milestones(self) -> tuple[MilestoneResult, ...]:
        return tuple(self._milestone(m) for m in self.ctx.policy.milestones)

    def milestone(self, milestone_id: str) -> MilestoneResult | None:
        return next((m for m in self.milestones if m.id == milestone_id), None)

    def _milestone(self, milestone: Milestone) -> MilestoneResult:
        ctx = self.ctx
        due = ctx.timeline.due(milestone.id)
        kind = milestone.satisfied_by.kind
        if kind == "file" and milestone.folder is not None:
            met = self._files_met(milestone, milestone.folder)
        elif kind == "all_records":
            met = self._records_met()
        elif kind == "sample_list":
            met = self._sample_met()
        elif kind == "contacts":
            met = self._contacts_met()
        elif kind == "attested":
            met = self._attested_met(milestone)
        else:
            met = _Met(False, waiting_for=(f"something spcheck cannot check ({kind})",))
        if milestone.id in ctx.inspection.waived:
            state = MilestoneState.WAIVED
        elif met.satisfied and met.at is None:
            state = MilestoneState.MET
        else:
            state = ctx.timeline.state(milestone.id, ctx.as_of, met.at)
        waiting = () if state in (MilestoneState.MET, MilestoneState.MET_LATE) else met.waiting_for
        if state is MilestoneState.WAIVED:
            waiting = ()
        return MilestoneResult(
            milestone.id, milestone.title, due, state, met.at, met.evidence, kind, waiting
        )

    def _files_met(self, milestone: Milestone, folder_key: str) -> _Met:
        rule = milestone.satisfied_by
        folder = self.folder(folder_key)
        where = folder.name if folder is not None else folder_key
        usable = sorted(
            (u for u in self.files_in(folder_key) if self.usable(u, rule.extensions)),
            key=lambda u: u.path,
        )
        if rule.documents is None:
            kinds = " or ".join(f".{e}" for e in rule.extensions or ())
            wanted = f"a {kinds + ' ' if kinds else ''}file in {where}"
            return self._one_of(usable, rule.checks_pass, wanted)
        found = [
            self._one_of(
                [u for u in usable if _matches(u.name, document.match)],
                rule.checks_pass,
                f"the {document.name}: a file in {where} named like " + " or ".join(document.match),
            )
            for document in rule.documents
        ]
        waiting = tuple(reason for met in found for reason in met.waiting_for)
        if waiting:
            return _Met(False, waiting_for=waiting)
        times = [met.at for met in found]
        # Met when the last document arrived; unknown if any document's time is.
        at = max(t for t in times if t is not None) if all(t is not None for t in times) else None
        evidence = tuple(sorted({path for met in found for path in met.evidence}))
        return _Met(True, at, evidence)

    def _one_of(self, candidates: list[Upload], checks_pass: bool, wanted: str) -> _Met:
        """Met by any of ``candidates`` (with ``checks_pass``: any whose checks found no error)."""
        if not candidates:
            return _Met(False, waiting_for=(wanted,))
        if checks_pass:
            flawed = {u.path: self.check_problem(u) for u in candidates}
            passed = [u for u in candidates if flawed[u.path] is None]
            if not passed:
                problems = "; ".join(f"{u.name} {flawed[u.path]}" for u in candidates[:3])
                more = f" (and {len(candidates) - 3} more)" if len(candidates) > 3 else ""
                return _Met(
                    False, waiting_for=(f"{wanted} that passes its checks: {problems}{more}",)
                )
            candidates = passed
        # The content that passed arrived when it was last saved; a file merely present,
        # when it was first uploaded.
        times = [
            (u.modified_at or u.created_at) if checks_pass else u.created_at for u in candidates
        ]
        known = [t for t in times if t is not None]
        # One file of unknown time already meets it: say met, not when.
        at = min(known) if known and len(known) == len(candidates) else None
        return _Met(True, at, tuple(u.path for u in candidates))

    def check_problem(self, upload: Upload) -> str | None:
        """Why a file's content checks do not let it count; None when they found no error."""
        if any(gap.path == upload.path for gap in self.ctx.snapshot.unverified):
            return "could not be checked"
        check = self.content(upload)
        if check is None:
            return "has not been checked"
        # The severity this policy gives the rule, as the report shows it.
        policy = self.ctx.policy
        errors = sorted(
            {f.rule for f in check.findings if policy.severity(f.rule) is Severity.ERROR}
        )
        if errors:
            return f"has error findings ({', '.join(errors)})"
        if check.status is ContentStatus.ERROR:
            return "could not be checked"
        return None

    def _records_met(self) -> _Met:
        match = self.records
        if not match.listed:
            return _Met(False, waiting_for=("a sample list to check the records against",))
        waiting: list[str] = []
        if self.wrong_counts:
            waiting.append("a sample list with the policy's counts (see sample.counts)")
        missing = {kind: sum(1 for r in match.missing if r.kind == kind) for kind in RECORD_FOLDERS}
        if missing["sample"]:
            waiting.append(_count(missing["sample"], "sample record") + " not uploaded")
        if missing["reserve"]:
            waiting.append(_count(missing["reserve"], "reserve") + " not uploaded")
        if waiting:
            return _Met(False, waiting_for=tuple(waiting))
        evidence = tuple(
            sorted(
                item.upload.path
                for items in match.present.values()
                for item in items
                if item.listed is not None
            )
        )
        return _Met(True, match.met_at, evidence)

    def _sample_met(self) -> _Met:
        sample = self.ctx.loaded.sample
        if sample is None:
            return _Met(
                False,
                waiting_for=("the sample list: none is loaded (`sample:` in the definition)",),
            )
        if self.wrong_counts:
            return _Met(
                False,
                waiting_for=tuple(
                    f"a sample list with the policy's counts: it has {c.describe()}"
                    for c in self.wrong_counts
                ),
            )
        name = self.ctx.inspection.sample or "the sample list"
        return _Met(True, evidence=(name,))

    def _contacts_met(self) -> _Met:
        named = any(
            c.role in (ContactRole.COORDINATOR, ContactRole.UPLOADER)
            for c in self.ctx.inspection.contacts
        )
        if named:
            return _Met(True)
        return _Met(False, waiting_for=("a coordinator or uploader named in `contacts`",))

    def _attested_met(self, milestone: Milestone) -> _Met:
        attestation = self.ctx.snapshot.attested.get(milestone.id)
        if attestation is None:
            return _Met(
                False,
                waiting_for=(
                    f"`spcheck attest {self.ctx.inspection.id} "
                    f"{milestone.id}` once it has happened",
                ),
            )
        zone = self.ctx.timeline.zone
        evidence = attested_evidence(attestation, milestone.satisfied_by.value, zone)
        return _Met(True, attestation.on, (evidence,))

    # -- what a family reports more precisely than deadline.overdue ------------------------

    @cached_property
    def pir_problem(self) -> Literal["missing", "format"] | None:
        milestone = self.pir_milestone
        if milestone is None or milestone.folder is None:
            return None
        result = self.milestone(milestone.id)
        if result is None or result.state is MilestoneState.WAIVED:
            return None
        if not self.files_in(milestone.folder):
            return "missing" if result.state is MilestoneState.OVERDUE else None
        return None if result.evidence else "format"

    @cached_property
    def records_missing_reported(self) -> bool:
        """records.missing names each missing record (so deadline.overdue need not)."""
        milestone_id = self.records_milestone
        result = self.milestone(milestone_id) if milestone_id else None
        return (
            result is not None
            and result.state is MilestoneState.OVERDUE
            and self.records.listed
            and bool(self.records.missing)
        )


def attested_evidence(attestation: Attestation, counts: str | None, zone: ZoneInfo) -> str:
    """One line for the report: what was recorded, by whom, when."""
    parts = []
    if attestation.value is not None:
        parts.append(f"{attestation.value} {counts}" if counts else str(attestation.value))
    if attestation.note:
        parts.append(attestation.note)
    on = attestation.on.astimezone(zone).strftime("%a %d %b %Y")
    parts.append(f"attested by {attestation.by} for {on}")
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class _Met:
    """Whether a milestone's condition holds, since when, on what evidence, or what it lacks."""

    satisfied: bool
    at: dt.datetime | None = None
    evidence: tuple[str, ...] = ()
    waiting_for: tuple[str, ...] = ()


def _matches(name: str, patterns: list[str]) -> bool:
    folded = name.casefold()
    return any(fnmatch.fnmatchcase(folded, pattern.casefold()) for pattern in patterns)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _arrival_order(item: RecordItem) -> tuple[bool, dt.datetime, str]:
    arrived = item.arrived
    return (arrived is None, arrived or dt.datetime.max.replace(tzinfo=dt.UTC), item.upload.path)


def _pattern(ctx: RuleContext) -> re.Pattern[str]:
    return re.compile(ctx.policy.sample.file_name_pattern)


def _match_records(ctx: RuleContext) -> RecordsMatch:
    policy, sample = ctx.policy, ctx.loaded.sample
    pattern = _pattern(ctx)
    by_id = sample.by_id() if sample is not None else {}
    files = ctx.snapshot.files()
    items: list[RecordItem] = []
    for held_in in RECORD_FOLDERS:
        folder = policy.records_folder(held_in)
        if folder is None:
            continue
        for upload in ctx.snapshot.in_folder(folder.key):
            if upload.depth != 1:
                continue
            match = pattern.match(upload.name)
            record_id = match.group("record_id") if match else None
            if upload.is_folder:
                prefix = upload.path + "/"
                contents = tuple(f for f in files if f.path.startswith(prefix))
            else:
                contents = (upload,)
            listed = by_id.get(record_id.casefold()) if record_id else None
            items.append(RecordItem(upload, held_in, record_id, contents, listed))
    items.sort(key=lambda i: i.upload.path)
    present: dict[str, list[RecordItem]] = {}
    for item in items:
        if item.key is not None and item.present:
            present.setdefault(item.key, []).append(item)
    # The first copy to arrive is the record; later ones are its duplicates.
    frozen = {key: tuple(sorted(value, key=_arrival_order)) for key, value in present.items()}
    if sample is None:
        return _unlisted(ctx, tuple(items), frozen)
    missing = tuple(r for r in sample.records if r.record_id.casefold() not in frozen)
    arrivals = [
        item.arrived
        for record in sample.records
        for item in frozen.get(record.record_id.casefold(), ())
    ]
    complete = not missing
    met_at = None
    if complete and arrivals and all(a is not None for a in arrivals):
        # A record arrives with its first copy; the milestone is met when the last one has.
        met_at = max(
            min(i.arrived for i in frozen[r.record_id.casefold()] if i.arrived is not None)
            for r in sample.records
        )

    def kind_present(kind: str) -> int:
        return sum(1 for r in sample.records if r.kind == kind and r.record_id.casefold() in frozen)

    unexpected = [i.record_id for i in items if i.record_id and i.listed is None]
    duplicates = sorted(
        v[0].listed.record_id for v in frozen.values() if len(v) > 1 and v[0].listed is not None
    )
    summary = RecordsSummary(
        sample_expected=len(sample.ids("sample")),
        sample_uploaded=kind_present("sample"),
        reserves_expected=len(sample.ids("reserve")),
        reserves_uploaded=kind_present("reserve"),
        missing=tuple(redact(r.record_id) for r in missing),
        unexpected=tuple(redact(r) for r in unexpected),
        duplicates=tuple(redact(r) for r in duplicates),
    )
    return RecordsMatch(True, tuple(items), frozen, missing, complete, met_at, summary)


def _unlisted(
    ctx: RuleContext, items: tuple[RecordItem, ...], present: dict[str, tuple[RecordItem, ...]]
) -> RecordsMatch:
    """Before the sample list exists: progress counts well-named records per folder."""

    def uploaded(held_in: str) -> int:
        return len({i.key for i in items if i.held_in == held_in and i.key and i.present})

    duplicates = sorted(v[0].record_id or "" for v in present.values() if len(v) > 1)
    summary = RecordsSummary(
        sample_expected=ctx.policy.sample.sample,
        sample_uploaded=uploaded("sample"),
        reserves_expected=ctx.policy.sample.reserve,
        reserves_uploaded=uploaded("reserve"),
        duplicates=tuple(redact(d) for d in duplicates),
    )
    return RecordsMatch(False, items, present, (), False, None, summary)


_ATTRIBUTE = "_spcheck_derived"


def derived(ctx: RuleContext) -> Derived:
    """The shared derivations of ``ctx`` (computed lazily, kept while ``ctx`` lives).

    They are kept on the context itself, not in a module-level map: a map from contexts
    to values that refer back to their context never lets a context go, and
    `spcheck watch` makes a new one per inspection every cycle.
    """
    found: Derived | None = vars(ctx).get(_ATTRIBUTE)
    if found is None:
        found = Derived(ctx)
        object.__setattr__(ctx, _ATTRIBUTE, found)  # frozen: set once, outside __init__
    return found
