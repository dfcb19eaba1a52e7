"""Opening and closing intents, and telling an intent in flight from one left by a dead run.

``WriteAhead`` is what code that changes something uses::

    journal = WriteAhead(audit)
    change = journal.open("provision.step", draft_entry, {"drive_id": ..., ...})
    try:
        made = await gateway.create_folder(...)
    except BaseException as error:
        if refused(error):               # Graph answered no: nothing was made
            journal.close(change, AuditResult.FAILED, str(error))
        else:                            # outcome unknown: a later run reads it back
            journal.abandon(change)
        raise
    journal.close(change, AuditResult.OK, "created", after=...)

Each intent names its owner: this machine, this process and a token that lives
while the change is open. A run that finds an open intent leaves it alone while
its owner may still be working on it (the same process with the token still
live; another process on this machine that is still running; another machine
within ``IN_FLIGHT_GRACE``) and settles it otherwise.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from spcheck.store.records import AuditEntry, AuditLog, AuditResult, Intent

T = TypeVar("T")

# Longer than one write can take with every retry and budget pause: only after this is
# an intent of another machine's run taken to be abandoned.
IN_FLIGHT_GRACE = timedelta(minutes=15)
# A process of this machine with the owner's pid but older than this is another process
# that was given the same pid.
SAME_HOST_LIMIT = timedelta(hours=6)

_HOST = socket.gethostname()
_LIVE: set[str] = set()
_LIVE_LOCK = threading.Lock()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def owner(token: str) -> str:
    return f"{_HOST}|{os.getpid()}|{token}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return False
    return True


def in_flight(intent: Intent, now: datetime) -> bool:
    """Whether the run that opened ``intent`` may still be making its change."""
    host, _, rest = intent.owner.rpartition("|")
    host, _, pid_text = host.rpartition("|")
    token = rest
    age = now - intent.opened_at
    if host != _HOST:
        return age < IN_FLIGHT_GRACE
    try:
        pid = int(pid_text)
    except ValueError:
        return age < IN_FLIGHT_GRACE
    if pid == os.getpid():
        with _LIVE_LOCK:
            return token in _LIVE
    return age < SAME_HOST_LIMIT and _pid_alive(pid)


def _release(token: str) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(token)


@dataclass(frozen=True, slots=True)
class OpenChange:
    """An intent this run has opened and not yet closed or abandoned."""

    intent: Intent
    token: str


class WriteAhead:
    """Intents on an audit log: open before a change, close after it."""

    def __init__(self, audit: AuditLog, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._audit = audit
        self._clock = clock

    def open(self, kind: str, entry: AuditEntry, subject: Mapping[str, Any]) -> OpenChange:
        """Record the intent durably; make the change only after this returns.

        ``entry`` is the audit entry the change will be recorded as (its ``before``
        included); its result and ``at`` are set here. ``subject`` is what the
        reconciler of ``kind`` needs to read the outcome back (JSON values).
        """
        token = uuid.uuid4().hex
        with _LIVE_LOCK:
            _LIVE.add(token)
        try:
            intent = self._audit.open_intent(
                Intent(
                    kind=kind,
                    entry=replace(entry, result=AuditResult.PENDING, at=self._clock()),
                    subject=json.dumps(dict(subject), sort_keys=True),
                    owner=owner(token),
                )
            )
        except BaseException:
            _release(token)
            raise
        return OpenChange(intent, token)

    def close(
        self,
        change: OpenChange,
        result: AuditResult,
        detail: str,
        *,
        after: str | None = None,
        before: str | None = None,
    ) -> AuditEntry:
        """Append the change's entry with its outcome and close the intent."""
        draft = change.intent.entry
        entry = replace(
            draft,
            result=result,
            detail=detail,
            at=self._clock(),
            after=draft.after if after is None else after,
            before=draft.before if before is None else before,
        )
        try:
            return self._audit.close_intent(change.intent, entry)
        finally:
            _release(change.token)

    def abandon(self, change: OpenChange) -> None:
        """Leave the intent open (the outcome is not known): a later run settles it."""
        _release(change.token)

    def record(
        self, kind: str, entry: AuditEntry, subject: Mapping[str, Any], make: Callable[[], T]
    ) -> T:
        """Make a change with ``make()`` (a store write), ``entry`` being its audit entry.

        The intent is recorded before ``make`` runs; ``entry`` (its result and detail
        as they will stand) is appended once it has returned; ``make``'s value is
        returned. If ``make`` fails, the intent is left for a later run to read back.
        """
        change = self.open(kind, entry, subject)
        try:
            made = make()
        except BaseException:
            self.abandon(change)
            raise
        self.close(change, entry.result, entry.detail, after=entry.after)
        return made


def refused(error: BaseException) -> bool:
    """Graph answered the call with a refusal (a 4xx other than 408 and 429): nothing was made.

    Anything else (an outage outlasting the retries, a reply that could not be read,
    an interruption) leaves the outcome unknown.
    """
    from spcheck.graph.interface import GraphError

    status = error.status if isinstance(error, GraphError) else None
    return status is not None and 400 <= status < 500 and status not in (408, 429)
