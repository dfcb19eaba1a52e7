"""Request accounting that tests and benchmarks read: ``state.stats``.

``requests`` counts every HTTP request that reached the emulator, including those
answered by an injected fault or a throttle, so a client's retries show up here;
``subrequests`` counts the requests inside ``$batch`` envelopes.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field

LOG_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class RequestRecord:
    method: str
    kind: str
    status: int
    resource_units: int
    fault: str | None = None
    in_batch: bool = False
    user: str | None = None


@dataclass
class RequestStats:
    requests: int = 0
    subrequests: int = 0
    resource_units: int = 0
    throttled: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    ru_by_kind: Counter[str] = field(default_factory=Counter)
    user_agents: Counter[str] = field(default_factory=Counter)
    log: deque[RequestRecord] = field(default_factory=lambda: deque(maxlen=LOG_LIMIT))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, record: RequestRecord, *, user_agent: str | None = None) -> None:
        """Count one request; ``kind`` is e.g. ``GET children`` or ``POST invite``."""
        with self._lock:
            if record.in_batch:
                self.subrequests += 1
            else:
                self.requests += 1
            self.resource_units += record.resource_units
            self.by_kind[record.kind] += 1
            self.ru_by_kind[record.kind] += record.resource_units
            if record.status == 429 and record.fault is None:
                self.throttled += 1
            if record.fault is not None:
                self.faults[record.fault] += 1
            if user_agent:
                self.user_agents[user_agent] += 1
            self.log.append(record)

    def reset(self) -> None:
        with self._lock:
            self.requests = self.subrequests = self.resource_units = self.throttled = 0
            for counter in (self.faults, self.by_kind, self.ru_by_kind, self.user_agents):
                counter.clear()
            self.log.clear()


@dataclass
class NotificationStats:
    """What happened to the change notifications the emulator had to send.

    ``queued`` counts notifications made (one per change, per subscription);
    ``delivered`` those a receiver answered with 2xx; ``dropped`` and ``delayed``
    those the ``notify-drop`` and ``notify-delay`` faults took; ``failed`` those
    still refused after the retries; ``paused`` those withheld while a
    subscription waited to be reauthorized; ``posts`` the HTTP requests made
    (notifications are batched per URL); ``validations`` the handshakes made.
    """

    queued: int = 0
    delivered: int = 0
    dropped: int = 0
    delayed: int = 0
    failed: int = 0
    paused: int = 0
    posts: int = 0
    validations: int = 0
    lifecycle: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str, count: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + count)

    def add_lifecycle(self, event: str) -> None:
        with self._lock:
            self.lifecycle[event] += 1
