"""The Azure Function's contracts: the messages it passes, where it puts what it produces,
what each trigger reports back, and its typed errors.

The triggers themselves (function_app.py) are thin; their logic is in handlers.py
and takes these seams, so tests drive it against Azurite and the in-process
emulator without the Functions host.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from spcheck.errors import InputError, ServiceUnavailable
from spcheck.report.interface import Report
from spcheck.store.records import AuditEntry

# --- queue messages -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckMessage:
    """One inspection to check: ``{"inspection": id, "as_of": optional ISO date or date-time}``."""

    inspection: str
    as_of: datetime | None = None
    enqueued_at: datetime | None = None


class Enqueuer(ABC):
    """Where the timer puts one message per active inspection."""

    @abstractmethod
    def send(self, messages: Sequence[CheckMessage]) -> None:
        """Put every message on the queue (creating the queue when it is missing)."""


# --- outputs ------------------------------------------------------------------------------------


class ReportSink(ABC):
    """Where reports and the audit export go (a private blob container in Azure)."""

    @abstractmethod
    def write_report(self, inspection_id: str, report: Report) -> tuple[str, ...]:
        """Store the report in every published format; returns the names written."""

    @abstractmethod
    def export_audit(self, inspection_id: str, entries: Sequence[AuditEntry]) -> str:
        """Store the inspection's audit log as JSON lines (masked); returns the name."""


# --- what each trigger did ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimerOutcome:
    enqueued: tuple[str, ...]  # inspection ids, in the order sent
    inactive: tuple[str, ...]
    invalid: tuple[str, ...]  # definition files that could not be read (logged, not enqueued)
    resting: tuple[str, ...] = ()  # active, checked recently, left to change notifications


@dataclass(frozen=True, slots=True)
class QueueOutcome:
    """``rejected`` holds the reason a message was refused (recorded, not retried)."""

    inspection: str | None
    status: str | None = None  # ok | warning | error
    blobs: tuple[str, ...] = ()
    rejected: str | None = None


# --- errors -------------------------------------------------------------------------------------


class BadMessage(InputError):
    """A queue message that no retry can fix: malformed, or for an unknown inspection."""


class BadRequest(InputError):
    """An HTTP request body that is not a valid access request. HTTP 400."""


class OutputUnavailable(ServiceUnavailable):
    """The blob container or the queue could not be written. Exit 3; the host retries."""
