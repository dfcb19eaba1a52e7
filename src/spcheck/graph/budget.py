"""A client-side resource-unit budget: a big run slows itself down instead of being throttled.

SharePoint throttles per app per tenant in resource units (RU) per minute
(Microsoft's "Avoid getting throttled or blocked in SharePoint Online").
The bucket holds one minute's worth of the configured rate
(``ru_per_minute``, by default half the smallest tenant limit) and refills
continuously. A request costing more than the bucket holds may run when the
bucket is full and leaves it in debt, so big ``$batch`` calls are not starved.
The server's RateLimit headers and a throttled reply only ever tighten it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

# Costs from Microsoft's published SharePoint resource-unit table.
COST_SINGLE_READ = 1
COST_DELTA_WITH_TOKEN = 1
COST_MULTI_READ = 2
COST_WRITE = 2
COST_PERMISSION = 5


class ResourceBudget:
    """Token bucket in resource units; waiting uses the injected clock and sleep."""

    def __init__(
        self,
        ru_per_minute: int,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        if ru_per_minute <= 0:
            raise ValueError("ru_per_minute must be positive")
        self._clock = clock
        self._sleep = sleep
        self._capacity = float(ru_per_minute)
        self._rate = ru_per_minute / 60.0
        self._tokens = self._capacity
        self._updated = clock()
        self._blocked_until = 0.0
        self._lock = asyncio.Lock()
        self.charged = 0
        self.waited = 0.0

    @property
    def rate_per_minute(self) -> float:
        return self._rate * 60.0

    @property
    def available(self) -> float:
        self._refill()
        return self._tokens

    def _refill(self) -> None:
        now = self._clock()
        start = max(self._updated, self._blocked_until)
        if now > start:
            self._tokens = min(self._capacity, self._tokens + (now - start) * self._rate)
        self._updated = max(self._updated, now)

    async def acquire(self, cost: int) -> float:
        """Wait until ``cost`` RU may be spent, spend them, and return the seconds waited."""
        if cost <= 0:
            return 0.0
        waited = 0.0
        # One waiter at a time keeps the order fair and the arithmetic simple.
        async with self._lock:
            while True:
                self._refill()
                now = self._clock()
                need = min(float(cost), self._capacity)
                if now < self._blocked_until:
                    pause = self._blocked_until - now
                elif self._tokens >= need:
                    self._tokens -= cost
                    self.charged += cost
                    self.waited += waited
                    return waited
                else:
                    pause = (need - self._tokens) / self._rate
                await self._sleep(pause)
                waited += pause

    def pause(self, seconds: float) -> None:
        """Hold every request for ``seconds`` (the server said the whole app is throttled)."""
        if seconds <= 0:
            return
        self._refill()
        self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Tighten the bucket from ``RateLimit-Limit``, ``-Remaining`` and ``-Reset`` headers."""
        limit = _number(headers.get("RateLimit-Limit"))
        remaining = _number(headers.get("RateLimit-Remaining"))
        reset = _number(headers.get("RateLimit-Reset"))
        if limit is None and remaining is None:
            return
        self._refill()
        if limit is not None and limit > 0:
            self._capacity = min(self._capacity, limit)
            self._rate = min(self._rate, limit / 60.0)
            self._tokens = min(self._tokens, self._capacity)
        if remaining is not None:
            self._tokens = min(self._tokens, max(remaining, 0.0))
            if remaining <= 0 and reset is not None and reset > 0:
                self._blocked_until = max(self._blocked_until, self._clock() + reset)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip().split(",")[0])
    except ValueError:
        return None
