"""The rest of the state contract (docs/architecture.md): audit log, check history, content cache,
permissions read, change-notification subscriptions.

``ItemStore`` (interface.py) holds what delta sync remembers; this module adds
what provisioning and the check cycle remember, and ``Store``, the one object a
command opens that is all of them. Every implementation (in-memory, SQLite,
Azure Table Storage) keeps these rules:

- each method that changes state is one transaction;
- timestamps are timezone-aware and come back as the same instant;
- nothing here holds a secret; finding keys hold no personal data (rule, path,
  kind and location only: never the identifier a content check found).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType, TracebackType
from typing import Any, Self

from spcheck.domain.acceptance import Acceptance
from spcheck.domain.attestation import Attestation

# Re-exported: the check history and the alerts table are keyed by it.
from spcheck.domain.findings import finding_key as finding_key
from spcheck.domain.history import History, Tracked
from spcheck.store.interface import ItemStore

# --- audit log ----------------------------------------------------------------------------------


class AuditResult(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"
    # An intent's: recorded before its change, outcome not yet known. Never an entry's.
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One executed step of a plan: what was changed, on what, by whom, and how it went.

    ``actor`` is the identity the change was made as (the app registration);
    ``requested_by`` the person who asked for it (``--by``, ``SPCHECK_OPERATOR`` or the
    HTTP trigger's signed-in caller), None for what spcheck did on its own.
    ``before`` and ``after`` are JSON texts (the permission or folder as read
    before the change and as found after it; ``null`` when there was none).
    ``id`` is given by the store when the entry is appended.
    """

    plan_id: str
    inspection_id: str
    step: int
    action: str
    actor: str
    at: datetime
    result: AuditResult
    path: str | None = None
    email: str | None = None
    before: str = "null"
    after: str = "null"
    detail: str = ""
    id: int | None = None
    requested_by: str | None = None

    @property
    def target(self) -> str:
        """The folder and/or the person the step was about, as one line."""
        return " ".join(part for part in (self.path, self.email) if part)


def require_outcome(entry: AuditEntry) -> None:
    """Refuse an entry without its outcome: a change not yet made is an ``Intent``."""
    if AuditResult(entry.result) is AuditResult.PENDING:
        raise ValueError("an audit entry needs its outcome; a change not yet made is an intent")


def entry_json(entry: AuditEntry) -> str:
    """An entry as JSON text, every field (the draft an intent keeps; see ``Intent``)."""
    data: dict[str, Any] = {}
    for item in fields(entry):
        value = getattr(entry, item.name)
        data[item.name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(data, sort_keys=True)


def entry_from_json(text: str) -> AuditEntry:
    """The inverse of ``entry_json``; keys this build does not know are ignored."""
    data = json.loads(text)
    known = {item.name for item in fields(AuditEntry)}
    values = {key: value for key, value in data.items() if key in known}
    values["at"] = datetime.fromisoformat(values["at"])
    values["result"] = AuditResult(values["result"])
    return AuditEntry(**values)


@dataclass(frozen=True, slots=True)
class Intent:
    """A change about to be made, recorded before the call that makes it (write-ahead audit).

    ``entry`` is the audit entry the change will be recorded as, with its result
    ``pending`` and ``at`` the time the change was started; closing the intent
    appends the entry with its outcome. An intent that stays open (the run was killed
    between the call and the record) is settled by a later run: the reconciler named
    by ``kind`` reads back what is there, guided by ``subject`` (its own JSON), and
    the entry is appended with what really happened. ``owner`` identifies the run
    that holds it open, so that a change still in flight elsewhere is left alone.
    """

    kind: str
    entry: AuditEntry
    subject: str = "{}"
    owner: str = ""
    id: int | None = None

    @property
    def inspection_id(self) -> str:
        return self.entry.inspection_id

    @property
    def opened_at(self) -> datetime:
        return self.entry.at


class AuditLog(ABC):
    @abstractmethod
    def append(self, entry: AuditEntry) -> AuditEntry:
        """Store one entry (durably, before returning); returns it with its ``id``.

        An entry always has its outcome: ``pending`` is refused (record an intent).
        """

    @abstractmethod
    def open_intent(self, intent: Intent) -> Intent:
        """Record an intent durably, before its change is made; returns it with its ``id``."""

    @abstractmethod
    def close_intent(self, intent: Intent, entry: AuditEntry) -> AuditEntry:
        """Append ``entry`` (the outcome) and close the intent, as one transaction.

        The entry is appended even if another run settled the intent meanwhile (it
        judged this one dead): both records are kept, this one from the run that acted.
        """

    @abstractmethod
    def open_intents(self, inspection_id: str | None = None) -> list[Intent]:
        """Intents not yet closed, oldest first, optionally for one inspection."""

    @abstractmethod
    def entries(
        self,
        inspection_id: str | None = None,
        *,
        plan_id: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Entries newest first (by time, then by id), optionally for one inspection or plan."""


# --- check history ------------------------------------------------------------------------------


class RunStatus(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class CheckRun:
    """One check cycle's outcome for one inspection."""

    run_id: str
    inspection_id: str
    as_of: datetime
    generated_at: datetime
    status: RunStatus
    counts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    finding_keys: frozenset[str] = frozenset()
    # Each milestone's state in this run (id -> MilestoneState value).
    milestones: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A run without its finding keys: what a trend needs, cheap to read many of."""

    run_id: str
    as_of: datetime
    generated_at: datetime
    status: RunStatus
    counts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


class CheckHistory(ABC):
    @abstractmethod
    def record_run(self, run: CheckRun) -> None:
        """Store a run; recording the same run id again replaces it."""

    @abstractmethod
    def last_run(self, inspection_id: str) -> CheckRun | None:
        """The latest run for an inspection by ``generated_at`` (then by insertion), or None."""

    @abstractmethod
    def recent_runs(self, inspection_id: str, limit: int) -> list[RunSummary]:
        """The latest ``limit`` runs of an inspection, newest first (as ``last_run`` orders)."""

    @abstractmethod
    def alerted_keys(self, inspection_id: str) -> set[str]:
        """Finding keys alerted on and not resolved since."""

    @abstractmethod
    def mark_alerted(self, inspection_id: str, keys: Iterable[str], at: datetime) -> None:
        """Remember that these findings were alerted on at ``at``."""

    @abstractmethod
    def mark_resolved(self, inspection_id: str, keys: Iterable[str], at: datetime) -> None:
        """These findings are gone: a return is alerted on again. Unknown keys are ignored."""


# --- findings over time ------------------------------------------------------------------------


class FindingHistory(ABC):
    """Each finding key's first and last sighting per inspection, and the cycles counted.

    ``record_history`` is a compare-and-set on the cycle count: when another process
    recorded a cycle of the inspection since ``history`` was read, nothing is written
    and it returns False (that cycle's report stands; the next cycle catches up).
    """

    @abstractmethod
    def history(self, inspection_id: str) -> History:
        """The inspection's record (every key ever tracked, open or resolved)."""

    @abstractmethod
    def record_history(
        self,
        inspection_id: str,
        *,
        previous_cycle: int,
        cycle: int,
        at: datetime,
        changed: Sequence[Tracked],
    ) -> bool:
        """Store the cycle count and time and upsert ``changed`` by key, if the count is still
        ``previous_cycle``; returns whether it was written."""


# --- accepted findings and attested milestones --------------------------------------------------


REPLACED = "replaced by a new acceptance"


class AcceptanceLog(ABC):
    """Acceptances are never deleted: ending one (withdrawn or lapsed) keeps it, with why."""

    @abstractmethod
    def add_acceptance(self, acceptance: Acceptance) -> None:
        """Store a new acceptance; one still live for the same key is ended as replaced."""

    @abstractmethod
    def acceptances(self, inspection_id: str, *, live: bool = True) -> list[Acceptance]:
        """The inspection's acceptances (only those not ended, by default), oldest first."""

    @abstractmethod
    def end_acceptance(
        self, inspection_id: str, acceptance_id: str, *, at: datetime, by: str, reason: str
    ) -> bool:
        """End a live acceptance; False when there is none by that id (or it has ended)."""


class AttestationLog(ABC):
    """Attestations are never deleted: withdrawing one keeps it, marked withdrawn."""

    @abstractmethod
    def add_attestation(self, attestation: Attestation) -> None:
        """Store a new attestation (a later one for the same milestone supersedes it)."""

    @abstractmethod
    def attestations(self, inspection_id: str) -> list[Attestation]:
        """Every attestation of the inspection, withdrawn ones included, oldest first."""

    @abstractmethod
    def withdraw_attestation(
        self, inspection_id: str, attestation_id: str, *, at: datetime, by: str
    ) -> bool:
        """Withdraw one; False when there is none by that id (or it is withdrawn)."""


# --- content cache ------------------------------------------------------------------------------


class ContentCache(ABC):
    """Content check results by drive item and content hash, so unchanged files are not rescanned.

    One result is kept per item: storing a result for a new hash drops the old one.
    """

    @abstractmethod
    def get(self, item_id: str, content_hash: str) -> str | None:
        """The stored result JSON for this item at this content hash, or None."""

    @abstractmethod
    def put(self, item_id: str, content_hash: str, result_json: str, scanned_at: datetime) -> None:
        """Store (or replace) the result for this item."""


# --- permissions read ---------------------------------------------------------------------------


class AccessCache(ABC):
    """Permissions as last read, per drive item, so a cycle re-reads only what changed.

    A permission read costs 5 resource units: the check cycle reads the inspection
    folders at an interval and changed items in between, and builds every other
    cycle's view from here. Values are the raw permissions as JSON text.

    Beside each item's last read the store keeps its sharing history (JSON text the
    check cycle writes: which permissions each read saw, from when to when), so a
    replay of an earlier date judges the access that existed then.
    """

    @abstractmethod
    def get_access(self, item_ids: Iterable[str]) -> dict[str, tuple[str, datetime]]:
        """Permissions JSON and the time it was read, for each of ``item_ids`` ever stored."""

    @abstractmethod
    def put_access(
        self,
        entries: Mapping[str, str],
        read_at: datetime,
        histories: Mapping[str, str] | None = None,
    ) -> None:
        """Store (or replace) the permissions read at ``read_at``, all in one transaction,
        with each item's sharing history from ``histories`` (an item left out of it, or
        ``histories`` None, has none kept any more)."""

    @abstractmethod
    def get_sharing_history(self, item_ids: Iterable[str]) -> dict[str, str]:
        """The sharing history JSON kept for each of ``item_ids`` that has one."""

    def access_read_at(self, item_id: str) -> datetime | None:
        found = self.get_access([item_id]).get(item_id)
        return found[1] if found is not None else None


# --- change notifications -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DriveSubscription:
    """spcheck's change-notification subscription on one drive, or why there is none.

    ``subscription_id`` is None while Graph refuses one; ``refused`` then says why, as one
    line. ``url_digest`` and ``state_digest`` are SHA-256 digests of the notification URL
    and the clientState sent with the subscription: enough to see that either changed,
    never the values (the URL can carry a function key; clientState comes from a secret).
    ``checked_at`` is when spcheck last created, renewed or tried to create it.
    """

    drive_id: str
    site_id: str
    subscription_id: str | None
    expires_at: datetime | None
    checked_at: datetime
    created_at: datetime | None = None
    url_digest: str = ""
    state_digest: str = ""
    security: bool = False
    refused: str | None = None

    def live(self, now: datetime) -> bool:
        """Whether Graph should be sending notifications for this drive right now."""
        return (
            self.subscription_id is not None
            and self.expires_at is not None
            and self.expires_at > now
        )


class NotificationState(ABC):
    """What the notification receiver and its queue worker share between processes.

    - drive subscriptions: one record per drive (Graph may hold more subscriptions;
      spcheck keeps one per drive and treats any other as stale);
    - notifications seen: ``(subscription id, notification id)`` pairs accepted, so a
      replay is recognised; kept until ``forget_notifications`` prunes them;
    - pending wakes: one marker per key (a drive and what to do) between a notification
      and the run it asked for, so a burst of notifications becomes one run.
    """

    @abstractmethod
    def drive_subscriptions(self) -> list[DriveSubscription]:
        """Every drive's record, in drive id order."""

    @abstractmethod
    def put_drive_subscription(self, record: DriveSubscription) -> None:
        """Store (or replace) the record of ``record.drive_id``."""

    @abstractmethod
    def remove_drive_subscription(self, drive_id: str) -> None:
        """Forget a drive's record; an unknown drive is ignored."""

    @abstractmethod
    def seen_notifications(self, subscription_id: str, notification_ids: Iterable[str]) -> set[str]:
        """The ids among ``notification_ids`` already noted for this subscription."""

    @abstractmethod
    def note_notifications(
        self, subscription_id: str, notification_ids: Iterable[str], at: datetime
    ) -> None:
        """Remember these notifications as accepted at ``at`` (noting one again is harmless)."""

    @abstractmethod
    def forget_notifications(self, before: datetime) -> int:
        """Forget notifications noted before ``before``; returns how many were forgotten."""

    @abstractmethod
    def mark_pending(self, marker: str, at: datetime, *, stale_before: datetime) -> bool:
        """Set the pending marker ``key`` unless one set at or after ``stale_before`` exists.

        True when this call set it (the caller must then send the wake it stands for);
        False when a fresh marker is already there (a wake is on its way). One atomic step:
        of two callers racing, one gets True.
        """

    @abstractmethod
    def clear_pending(self, marker: str) -> None:
        """Remove the marker ``key`` (before the run starts, so a notification that arrives
        during the run asks for another); an absent marker is ignored."""


# --- the facade ---------------------------------------------------------------------------------


class Store(
    ItemStore,
    AuditLog,
    CheckHistory,
    FindingHistory,
    AcceptanceLog,
    AttestationLog,
    ContentCache,
    AccessCache,
    NotificationState,
):
    """Everything spcheck remembers, behind one object. Use as a context manager, or close()."""

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the state lives, safe to print (a file path; never a connection secret)."""

    @abstractmethod
    def close(self) -> None:
        """Release the underlying resources; further use is an error."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
