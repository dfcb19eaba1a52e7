"""MemoryStore: the whole Store in memory, for tests and the demo (nothing survives the process)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import MappingProxyType

from spcheck.domain.acceptance import Acceptance
from spcheck.domain.attestation import Attestation
from spcheck.domain.history import History, Tracked
from spcheck.store.memory import MemoryItemStore
from spcheck.store.records import (
    REPLACED,
    AuditEntry,
    AuditResult,
    CheckRun,
    DriveSubscription,
    Intent,
    RunSummary,
    Store,
    require_outcome,
)


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return value


@dataclass(slots=True)
class _Alert:
    alerted_at: datetime
    resolved_at: datetime | None = None


class MemoryStore(MemoryItemStore, Store):
    def __init__(self) -> None:
        super().__init__()
        self._records_lock = threading.Lock()
        self._audit: list[AuditEntry] = []
        self._intents: dict[int, Intent] = {}
        self._intent_ids = 0
        self._runs: list[CheckRun] = []
        self._alerts: dict[tuple[str, str], _Alert] = {}
        self._content: dict[str, tuple[str, str]] = {}
        self._access: dict[str, tuple[str, datetime]] = {}
        self._cycles: dict[str, tuple[int, datetime]] = {}
        self._tracked: dict[str, dict[str, Tracked]] = {}
        self._acceptances: list[Acceptance] = []
        self._attestations: list[Attestation] = []
        self._subscriptions: dict[str, DriveSubscription] = {}
        self._seen: dict[tuple[str, str], datetime] = {}
        self._pending: dict[str, datetime] = {}
        self._histories: dict[str, str] = {}
        self._closed = False

    @property
    def location(self) -> str:
        return ":memory:"

    def close(self) -> None:
        self._closed = True

    # --- audit log --------------------------------------------------------------------------

    def append(self, entry: AuditEntry) -> AuditEntry:
        _aware(entry.at, "an audit entry's time")
        require_outcome(entry)
        with self._records_lock:
            return self._append(entry)

    def _append(self, entry: AuditEntry) -> AuditEntry:
        stored = replace(entry, id=len(self._audit) + 1, result=AuditResult(entry.result))
        self._audit.append(stored)
        return stored

    def open_intent(self, intent: Intent) -> Intent:
        _aware(intent.opened_at, "an intent's time")
        with self._records_lock:
            self._intent_ids += 1
            stored = replace(intent, id=self._intent_ids)
            self._intents[self._intent_ids] = stored
        return stored

    def close_intent(self, intent: Intent, entry: AuditEntry) -> AuditEntry:
        if intent.id is None:
            raise ValueError("an intent must be opened before it is closed")
        _aware(entry.at, "an audit entry's time")
        require_outcome(entry)
        with self._records_lock:
            self._intents.pop(intent.id, None)
            return self._append(entry)

    def open_intents(self, inspection_id: str | None = None) -> list[Intent]:
        with self._records_lock:
            found = [
                intent
                for intent in self._intents.values()
                if inspection_id is None or intent.inspection_id == inspection_id
            ]
        return sorted(found, key=lambda i: (i.opened_at.astimezone(UTC), i.id or 0))

    def entries(
        self,
        inspection_id: str | None = None,
        *,
        plan_id: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        with self._records_lock:
            found = [
                entry
                for entry in self._audit
                if (inspection_id is None or entry.inspection_id == inspection_id)
                and (plan_id is None or entry.plan_id == plan_id)
            ]
        found.sort(key=lambda entry: (entry.at.astimezone(UTC), entry.id or 0), reverse=True)
        return found if limit is None else found[: max(limit, 0)]

    # --- check history ----------------------------------------------------------------------

    def record_run(self, run: CheckRun) -> None:
        _aware(run.generated_at, "generated_at")
        _aware(run.as_of, "as_of")
        frozen = replace(
            run,
            counts=MappingProxyType(dict(run.counts)),
            milestones=MappingProxyType(dict(run.milestones)),
        )
        with self._records_lock:
            for index, existing in enumerate(self._runs):
                if (existing.run_id, existing.inspection_id) == (run.run_id, run.inspection_id):
                    self._runs[index] = frozen
                    return
            self._runs.append(frozen)

    def last_run(self, inspection_id: str) -> CheckRun | None:
        with self._records_lock:
            mine = [
                (run.generated_at.astimezone(UTC), position, run)
                for position, run in enumerate(self._runs)
                if run.inspection_id == inspection_id
            ]
        return max(mine, key=lambda entry: entry[:2])[2] if mine else None

    def recent_runs(self, inspection_id: str, limit: int) -> list[RunSummary]:
        with self._records_lock:
            mine = [
                (run.generated_at.astimezone(UTC), position, run)
                for position, run in enumerate(self._runs)
                if run.inspection_id == inspection_id
            ]
        mine.sort(key=lambda entry: entry[:2], reverse=True)
        return [
            RunSummary(run.run_id, run.as_of, run.generated_at, run.status, run.counts)
            for _, _, run in mine[: max(limit, 0)]
        ]

    def alerted_keys(self, inspection_id: str) -> set[str]:
        with self._records_lock:
            return {
                key
                for (owner, key), alert in self._alerts.items()
                if owner == inspection_id and alert.resolved_at is None
            }

    def mark_alerted(self, inspection_id: str, keys: Iterable[str], at: datetime) -> None:
        _aware(at, "an alert's time")
        with self._records_lock:
            for key in keys:
                self._alerts[(inspection_id, key)] = _Alert(at)

    def mark_resolved(self, inspection_id: str, keys: Iterable[str], at: datetime) -> None:
        _aware(at, "a resolution's time")
        with self._records_lock:
            for key in keys:
                alert = self._alerts.get((inspection_id, key))
                if alert is not None and alert.resolved_at is None:
                    alert.resolved_at = at

    # --- findings over time -----------------------------------------------------------------

    def history(self, inspection_id: str) -> History:
        with self._records_lock:
            tracked = dict(self._tracked.get(inspection_id, {}))
            cycle = self._cycles.get(inspection_id)
        if cycle is None:
            return History(tracked=MappingProxyType(tracked))
        return History(cycle=cycle[0], at=cycle[1], tracked=MappingProxyType(tracked))

    def record_history(
        self,
        inspection_id: str,
        *,
        previous_cycle: int,
        cycle: int,
        at: datetime,
        changed: Sequence[Tracked],
    ) -> bool:
        _aware(at, "a cycle's time")
        with self._records_lock:
            if self._cycles.get(inspection_id, (0, at))[0] != previous_cycle:
                return False
            self._cycles[inspection_id] = (cycle, at)
            rows = self._tracked.setdefault(inspection_id, {})
            rows.update((row.key, row) for row in changed)
        return True

    # --- accepted findings and attested milestones ------------------------------------------

    def add_acceptance(self, acceptance: Acceptance) -> None:
        _aware(acceptance.at, "an acceptance's time")
        _aware(acceptance.until, "an acceptance's end")
        with self._records_lock:
            for index, known in enumerate(self._acceptances):
                same = (known.inspection_id, known.key) == (
                    acceptance.inspection_id,
                    acceptance.key,
                )
                if same and known.ended_at is None:
                    self._acceptances[index] = replace(
                        known, ended_at=acceptance.at, ended_by=acceptance.by, end_reason=REPLACED
                    )
            self._acceptances.append(acceptance)

    def acceptances(self, inspection_id: str, *, live: bool = True) -> list[Acceptance]:
        with self._records_lock:
            found = [
                a
                for a in self._acceptances
                if a.inspection_id == inspection_id and (not live or a.ended_at is None)
            ]
        return sorted(found, key=lambda a: a.at.astimezone(UTC))

    def end_acceptance(
        self, inspection_id: str, acceptance_id: str, *, at: datetime, by: str, reason: str
    ) -> bool:
        _aware(at, "an acceptance's end")
        with self._records_lock:
            for index, known in enumerate(self._acceptances):
                if (known.inspection_id, known.id) == (inspection_id, acceptance_id):
                    if known.ended_at is not None:
                        return False
                    self._acceptances[index] = replace(
                        known, ended_at=at, ended_by=by, end_reason=reason
                    )
                    return True
        return False

    def add_attestation(self, attestation: Attestation) -> None:
        _aware(attestation.recorded_at, "an attestation's time")
        _aware(attestation.on, "when an attested step happened")
        with self._records_lock:
            self._attestations.append(attestation)

    def attestations(self, inspection_id: str) -> list[Attestation]:
        with self._records_lock:
            found = [a for a in self._attestations if a.inspection_id == inspection_id]
        return sorted(found, key=lambda a: a.recorded_at.astimezone(UTC))

    def withdraw_attestation(
        self, inspection_id: str, attestation_id: str, *, at: datetime, by: str
    ) -> bool:
        _aware(at, "a withdrawal's time")
        with self._records_lock:
            for index, known in enumerate(self._attestations):
                if (known.inspection_id, known.id) == (inspection_id, attestation_id):
                    if known.withdrawn_at is not None:
                        return False
                    self._attestations[index] = replace(known, withdrawn_at=at, withdrawn_by=by)
                    return True
        return False

    # --- content cache ----------------------------------------------------------------------

    def get(self, item_id: str, content_hash: str) -> str | None:
        with self._records_lock:
            found = self._content.get(item_id)
        return found[1] if found is not None and found[0] == content_hash else None

    def put(self, item_id: str, content_hash: str, result_json: str, scanned_at: datetime) -> None:
        _aware(scanned_at, "scanned_at")
        with self._records_lock:
            self._content[item_id] = (content_hash, result_json)

    # --- permissions read -------------------------------------------------------------------

    def get_access(self, item_ids: Iterable[str]) -> dict[str, tuple[str, datetime]]:
        with self._records_lock:
            return {i: self._access[i] for i in item_ids if i in self._access}

    def put_access(
        self,
        entries: Mapping[str, str],
        read_at: datetime,
        histories: Mapping[str, str] | None = None,
    ) -> None:
        _aware(read_at, "read_at")
        kept = histories or {}
        with self._records_lock:
            for item_id, text in entries.items():
                self._access[item_id] = (text, read_at)
                if item_id in kept:
                    self._histories[item_id] = kept[item_id]
                else:
                    self._histories.pop(item_id, None)

    def get_sharing_history(self, item_ids: Iterable[str]) -> dict[str, str]:
        with self._records_lock:
            return {i: self._histories[i] for i in item_ids if i in self._histories}

    # --- change notifications ---------------------------------------------------------------

    def drive_subscriptions(self) -> list[DriveSubscription]:
        with self._records_lock:
            return [self._subscriptions[key] for key in sorted(self._subscriptions)]

    def put_drive_subscription(self, record: DriveSubscription) -> None:
        _aware(record.checked_at, "checked_at")
        for moment, what in ((record.expires_at, "expires_at"), (record.created_at, "created_at")):
            if moment is not None:
                _aware(moment, what)
        with self._records_lock:
            self._subscriptions[record.drive_id] = record

    def remove_drive_subscription(self, drive_id: str) -> None:
        with self._records_lock:
            self._subscriptions.pop(drive_id, None)

    def seen_notifications(self, subscription_id: str, notification_ids: Iterable[str]) -> set[str]:
        with self._records_lock:
            return {i for i in notification_ids if (subscription_id, i) in self._seen}

    def note_notifications(
        self, subscription_id: str, notification_ids: Iterable[str], at: datetime
    ) -> None:
        _aware(at, "a notification's time")
        with self._records_lock:
            for ident in notification_ids:
                self._seen.setdefault((subscription_id, ident), at)

    def forget_notifications(self, before: datetime) -> int:
        _aware(before, "before")
        with self._records_lock:
            old = [key for key, at in self._seen.items() if at < before]
            for key in old:
                del self._seen[key]
        return len(old)

    def mark_pending(self, marker: str, at: datetime, *, stale_before: datetime) -> bool:
        _aware(at, "at")
        _aware(stale_before, "stale_before")
        with self._records_lock:
            since = self._pending.get(marker)
            if since is not None and since >= stale_before:
                return False
            self._pending[marker] = at
            return True

    def clear_pending(self, marker: str) -> None:
        with self._records_lock:
            self._pending.pop(marker, None)
