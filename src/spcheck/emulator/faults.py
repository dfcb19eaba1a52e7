"""Fault injection, reproducible by seed.

A spec is a comma-separated list of ``name:value`` entries::

    429:0.2,503:0.05,reset:0.01,latency:20ms

- ``429``, ``500``, ``502``, ``503``, ``504``: probability (0..1) that a request is
  answered with that status (Graph's error body, and ``Retry-After`` on 429/503/504);
- ``reset``: probability that the connection is dropped without a response (the
  client sees a transport error such as ``httpx.RemoteProtocolError``);
- ``latency``: delay added to every request, ``20ms``, ``0.5s`` or a uniform range
  ``5-50ms``;
- ``retry-after``: seconds sent in ``Retry-After`` with injected faults (default 1,
  at least 1, as Graph never sends 0);
- ``notify-drop``: probability (0..1) that a change notification is never sent (the
  subscriber learns of the change only from its next scheduled delta);
- ``notify-delay``: delay before each change notification is sent, ``2s``, ``500ms``
  or a uniform range ``1-5s`` (Graph's delivery is not instant either);
- tenant modes (``grant:read``, ``site:missing``, ``token:expired``, ``secret:expired``,
  ``roles:...``, ``graph:unreachable``, ``skew:10m``, ``subscriptions:refused``,
  ``sharing:disabled``): not random but fixed, a tenant set up wrongly; see ``modes``.

The status and reset probabilities are exclusive outcomes of one draw per request,
so they must add up to at most 1. The same spec, seed and request sequence give
the same faults (notification faults draw from a generator of their own, so adding
them leaves the request faults as they were). Set it from Python
(``create_app(faults=..., fault_seed=...)``), from the environment
(``SPCHECK_EMULATOR_FAULTS``, ``SPCHECK_EMULATOR_FAULT_SEED``) or from the CLI
(``spcheck emulator --faults SPEC``).
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field

from spcheck.emulator.modes import MODE_ENTRIES, TenantModes
from spcheck.errors import InputError

FAULT_ENV = "SPCHECK_EMULATOR_FAULTS"
FAULT_SEED_ENV = "SPCHECK_EMULATOR_FAULT_SEED"
STATUS_FAULTS = ("429", "500", "502", "503", "504")
RETRYABLE = frozenset({"429", "503", "504"})
_EXAMPLE = "e.g. 429:0.2,503:0.05,reset:0.01,latency:20ms"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s)?")


def _seconds(text: str) -> float | None:
    matched = _DURATION.fullmatch(text.strip())
    if matched is None:
        return None
    value = float(matched.group(1))
    return value / 1000 if matched.group(2) == "ms" else value


def _span(value: str) -> tuple[float, float] | None:
    """``20ms``, ``0.5s`` or a range ``5-50ms`` (the unit of the high end applies to both)."""
    low_text, dash, high_text = value.partition("-")
    if dash and not re.search(r"(ms|s)$", low_text):
        low_text += re.sub(r"^[\d.]+", "", high_text)
    low = _seconds(low_text)
    high = _seconds(high_text) if dash else low
    if low is None or high is None or high < low:
        return None
    return low, high


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """Per-request fault probabilities, latency, the Retry-After to send, and tenant modes."""

    outcomes: tuple[tuple[str, float], ...] = ()
    latency: tuple[float, float] = (0.0, 0.0)
    retry_after: int = 1
    modes: TenantModes = field(default_factory=TenantModes)
    notify_drop: float = 0.0
    notify_delay: tuple[float, float] = (0.0, 0.0)

    @classmethod
    def parse(cls, spec: str) -> FaultSpec:
        """Parse a spec; a bad one raises ``InputError`` with one line saying what is wrong."""

        def bad(reason: str) -> InputError:
            return InputError(f"fault spec {spec!r}: {reason}; expected {_EXAMPLE}")

        outcomes: dict[str, float] = {}
        latency = (0.0, 0.0)
        notify_drop = 0.0
        notify_delay = (0.0, 0.0)
        retry_after = 1
        modes = TenantModes()
        seen: set[str] = set()
        for entry in (part.strip() for part in spec.split(",")):
            if not entry:
                continue
            name, colon, value = (piece.strip() for piece in entry.partition(":"))
            name = name.lower()
            if not colon or not value:
                raise bad(f"'{entry}' has no value")
            if name in seen:
                raise bad(f"'{name}' is given twice")
            seen.add(name)
            if name in STATUS_FAULTS or name == "reset":
                try:
                    probability = float(value)
                except ValueError:
                    raise bad(f"'{value}' is not a probability") from None
                if not 0.0 <= probability <= 1.0:
                    raise bad(f"probability {value} is outside 0..1")
                outcomes[name] = probability
            elif name == "notify-drop":
                try:
                    notify_drop = float(value)
                except ValueError:
                    raise bad(f"'{value}' is not a probability") from None
                if not 0.0 <= notify_drop <= 1.0:
                    raise bad(f"probability {value} is outside 0..1")
            elif name in ("latency", "notify-delay"):
                span = _span(value)
                if span is None:
                    raise bad(f"{name} '{value}' is not a duration such as 20ms, 0.5s or 5-50ms")
                if name == "latency":
                    latency = span
                else:
                    notify_delay = span
            elif name == "retry-after":
                seconds = _seconds(value)
                if seconds is None or seconds < 1 or seconds != int(seconds):
                    raise bad(
                        f"retry-after '{value}' must be a whole number of seconds, at least 1"
                    )
                retry_after = int(seconds)
            elif name in MODE_ENTRIES:
                modes = modes.with_entry(name, value, bad)
            else:
                raise bad(f"unknown fault '{name}'")
        if sum(outcomes.values()) > 1.0 + 1e-9:
            raise bad("the probabilities add up to more than 1")
        return cls(tuple(outcomes.items()), latency, retry_after, modes, notify_drop, notify_delay)

    @property
    def active(self) -> bool:
        return any(p > 0 for _, p in self.outcomes) or self.latency[1] > 0

    def __str__(self) -> str:
        parts = [f"{name}:{probability:g}" for name, probability in self.outcomes]
        low, high = self.latency
        if high > 0:
            parts.append(
                f"latency:{low * 1000:g}ms"
                if low == high
                else f"latency:{low * 1000:g}-{high * 1000:g}ms"
            )
        if self.retry_after != 1:
            parts.append(f"retry-after:{self.retry_after}")
        if self.notify_drop:
            parts.append(f"notify-drop:{self.notify_drop:g}")
        low, high = self.notify_delay
        if high > 0:
            parts.append(
                f"notify-delay:{low * 1000:g}ms"
                if low == high
                else f"notify-delay:{low * 1000:g}-{high * 1000:g}ms"
            )
        parts.extend(self.modes.entries())
        return ",".join(parts)


@dataclass(frozen=True, slots=True)
class FaultDecision:
    fault: str | None
    latency: float


@dataclass(frozen=True, slots=True)
class NotificationDecision:
    drop: bool
    delay: float


class FaultInjector:
    """Draws one decision per request from a seeded generator."""

    def __init__(self, spec: FaultSpec | str | None = None, seed: int = 0) -> None:
        if spec is None:
            spec = FaultSpec()
        self.spec = FaultSpec.parse(spec) if isinstance(spec, str) else spec
        self.seed = seed
        self._random = random.Random(seed)  # noqa: S311 - reproducible test faults, not security
        self._notify_random = random.Random(seed + 1)  # noqa: S311 - as above
        self._lock = threading.Lock()

    def draw(self, *, allow_reset: bool = True) -> FaultDecision:
        """The fault (a status such as ``429``, ``reset``, or None) and latency for one request."""
        if not self.spec.active:
            return FaultDecision(None, 0.0)
        with self._lock:
            roll = self._random.random()
            low, high = self.spec.latency
            latency = low if low == high else self._random.uniform(low, high)
        cumulative = 0.0
        for name, probability in self.spec.outcomes:
            cumulative += probability
            if roll < cumulative:
                if name == "reset" and not allow_reset:
                    return FaultDecision("503", latency)
                return FaultDecision(name, latency)
        return FaultDecision(None, latency)

    def draw_notification(self) -> NotificationDecision:
        """Whether one change notification is dropped, and how long it waits before sending."""
        spec = self.spec
        if not spec.notify_drop and not spec.notify_delay[1]:
            return NotificationDecision(False, 0.0)
        with self._lock:
            drop = self._notify_random.random() < spec.notify_drop
            low, high = spec.notify_delay
            delay = low if low == high else self._notify_random.uniform(low, high)
        return NotificationDecision(drop, delay)
