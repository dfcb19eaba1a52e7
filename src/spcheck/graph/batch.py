"""``$batch`` JSON built and read by hand: msgraph-sdk's own batching is broken (it sends
``depends_on`` for ``dependsOn``, drops response bodies and needs a missing dependency)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from spcheck.graph.interface import GraphError
from spcheck.graph.wire import parse_retry_after

MAX_BATCH = 20

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SubRequest:
    """One request inside a batch; ``url`` is relative to the version root, e.g. ``/drives/x``."""

    id: str
    method: str
    url: str
    body: object | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SubResponse:
    id: str
    status: int
    headers: Mapping[str, str]
    body: Any

    def retry_after(self) -> float | None:
        for name, value in self.headers.items():
            if name.lower() == "retry-after":
                return parse_retry_after(str(value))
        return None

    def error_code(self) -> str | None:
        if isinstance(self.body, dict):
            error = self.body.get("error")
            if isinstance(error, dict) and isinstance(error.get("code"), str):
                return str(error["code"])
        return None


def chunks(values: Sequence[T], size: int = MAX_BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def encode(requests: Sequence[SubRequest]) -> bytes:
    if not requests:
        raise ValueError("a batch needs at least one request")
    if len(requests) > MAX_BATCH:
        raise ValueError(f"a batch holds at most {MAX_BATCH} requests, not {len(requests)}")
    ids = [request.id for request in requests]
    if len(set(ids)) != len(ids):
        raise ValueError("batch request ids must be unique")
    encoded: list[dict[str, object]] = []
    for request in requests:
        entry: dict[str, object] = {
            "id": request.id,
            "method": request.method,
            "url": request.url,
        }
        headers = dict(request.headers)
        if request.body is not None:
            entry["body"] = request.body
            headers.setdefault("Content-Type", "application/json")
        if headers:
            entry["headers"] = headers
        if request.depends_on:
            entry["dependsOn"] = list(request.depends_on)
        encoded.append(entry)
    return json.dumps({"requests": encoded}, separators=(",", ":")).encode()


def _status(value: object) -> int:
    """An HTTP status as Graph sends it (a number; digits as text are let through)."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise ValueError("a sub-response's status is not an HTTP status")
    return value


def decode(content: bytes, label: str) -> dict[str, SubResponse]:
    """Sub-responses by id. A body that is not a batch response is a GraphError naming the call."""
    try:
        payload = json.loads(content)
        responses = payload["responses"]
        found: dict[str, SubResponse] = {}
        for entry in responses:
            sub = SubResponse(
                id=str(entry["id"]),
                status=_status(entry["status"]),
                headers=dict(entry.get("headers") or {}),
                body=entry.get("body"),
            )
            found[sub.id] = sub
    except (ValueError, KeyError, TypeError, RecursionError, OverflowError) as error:
        raise GraphError(
            f"{label}: the $batch response could not be read ({type(error).__name__})"
        ) from None
    return found
