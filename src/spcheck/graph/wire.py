"""One HTTP exchange with Graph, as plain values: what to send (Call) and what came back (Reply)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

from spcheck.graph.views import ERROR


@dataclass(frozen=True, slots=True)
class Call:
    """A request: absolute URL, resource-unit cost and an optional JSON body (already bytes)."""

    method: str
    url: str
    cost: int
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @staticmethod
    def json_body(payload: object) -> bytes:
        return json.dumps(payload, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error_code(self) -> tuple[str | None, str | None]:
        """Graph's ``{"error": {"code", "message"}}``, or (None, None) when absent or unreadable."""
        if not self.content:
            return None, None
        try:
            envelope = ERROR.validate_json(self.content)
        except ValueError:
            return None, None
        if envelope.error is None:
            return None, None
        return envelope.error.code, envelope.error.message

    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("Retry-After"))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds (0 included) or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


class Exchange(Protocol):
    """Sends one Call once (no retries) and returns the Reply, whatever its status."""

    async def __call__(self, call: Call) -> Reply: ...
