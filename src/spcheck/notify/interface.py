"""The notification side's contracts: a parsed notification, the wake a burst of them becomes,
the queue wakes travel on, what the receiver answered, and typed errors.

A wake is the unit of work: one drive and what to do about it. Its ``marker`` is
the key of the pending marker in the state store (``NotificationState``): while a
wake is on its way, further notifications with the same marker add nothing, which
is how a burst of notifications becomes one run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from spcheck.errors import InputError


class WakeKind(StrEnum):
    """Why a drive is looked at: a change, or one of Graph's three lifecycle events."""

    CHANGED = "changed"
    REAUTHORIZE = "reauthorizationRequired"
    REMOVED = "subscriptionRemoved"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class Notification:
    """One entry of a notification POST, as far as spcheck reads it (never resource data)."""

    subscription_id: str
    client_state: str | None
    resource: str | None = None
    lifecycle_event: WakeKind | None = None
    notification_id: str | None = None
    tenant_id: str | None = None


@dataclass(frozen=True, slots=True)
class Wake:
    """A drive to look at, and why: what one queue message carries.

    ``at`` is when the first notification of the burst arrived (for the latency
    a run reports); ``subscription_id`` the subscription that notified.
    """

    drive_id: str
    kind: WakeKind
    subscription_id: str
    at: datetime

    @property
    def marker(self) -> str:
        return f"{self.drive_id}|{self.kind.value}"


class WakeQueue(ABC):
    """Where the receiver puts wakes: an Azure Storage queue, or an in-process one."""

    @abstractmethod
    def send(self, wake: Wake, delay: float) -> None:
        """Queue ``wake`` to be taken no sooner than ``delay`` seconds from now."""


@dataclass(frozen=True, slots=True)
class Dropped:
    """A notification that changed nothing, and why (the subscription id masked)."""

    subscription: str
    reason: str


@dataclass(frozen=True, slots=True)
class NotifyAnswer:
    """The receiver's HTTP answer and what it did."""

    status: int
    body: bytes
    media_type: str
    woken: tuple[Wake, ...] = ()
    collapsed: int = 0  # accepted notifications folded into a wake already on its way
    dropped: tuple[Dropped, ...] = ()


class BadNotification(InputError):
    """A notification body that is not Graph's shape. HTTP 400."""


class BadWake(InputError):
    """A wake message that no retry can fix. Logged and dropped."""
