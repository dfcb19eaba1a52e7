"""SharePoint's resource-unit budget: a sliding one-minute window per app.

Costs follow Microsoft's published table for SharePoint: 1 for a single-item read or a
delta page with a token, 2 for a multi-item read or a write, 5 for any permission
operation. From 80 % of the budget on, responses carry ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset``; a request that would go past it is
answered 429 with ``Retry-After``. Time comes from an injectable monotonic clock
so that tests move the window without sleeping.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0
WARN_FRACTION = 0.8
DEFAULT_RU_PER_MINUTE = 1200  # SharePoint's budget for the smallest tenants (under 1,000 licences)


@dataclass(frozen=True, slots=True)
class MeterDecision:
    allowed: bool
    retry_after: int = 0
    headers: dict[str, str] = field(default_factory=dict)


class ResourceMeter:
    def __init__(
        self, limit: int = DEFAULT_RU_PER_MINUTE, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1:
            raise ValueError("the resource-unit limit must be at least 1 per minute")
        self.limit = limit
        self._monotonic = monotonic
        self._spent: deque[tuple[float, int]] = deque()
        self._used = 0
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        while self._spent and self._spent[0][0] <= now - WINDOW_SECONDS:
            self._used -= self._spent.popleft()[1]

    def _seconds_until_free(self, now: float, needed: int) -> int:
        """Seconds until enough of the window has expired to afford ``needed`` units."""
        freed = 0
        for spent_at, cost in self._spent:
            freed += cost
            if self._used - freed + needed <= self.limit:
                return max(1, math.ceil(spent_at + WINDOW_SECONDS - now))
        return max(1, math.ceil(WINDOW_SECONDS))

    def _headers(self, now: float) -> dict[str, str]:
        if self._used < WARN_FRACTION * self.limit:
            return {}
        reset = math.ceil(self._spent[0][0] + WINDOW_SECONDS - now) if self._spent else 0
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(0, self.limit - self._used)),
            "RateLimit-Reset": str(max(1, reset)),
        }

    def charge(self, cost: int) -> MeterDecision:
        """Spend ``cost`` units now, or refuse with the seconds to wait."""
        with self._lock:
            now = self._monotonic()
            self._expire(now)
            if cost > 0 and self._used + cost > self.limit:
                retry_after = self._seconds_until_free(now, min(cost, self.limit))
                headers = self._headers(now) or {
                    "RateLimit-Limit": str(self.limit),
                    "RateLimit-Remaining": str(max(0, self.limit - self._used)),
                    "RateLimit-Reset": str(retry_after),
                }
                return MeterDecision(False, retry_after, headers)
            if cost > 0:
                self._spent.append((now, cost))
                self._used += cost
            return MeterDecision(True, 0, self._headers(now))

    @property
    def used(self) -> int:
        with self._lock:
            self._expire(self._monotonic())
            return self._used
