"""The emulator's inner contract: a Graph request in, a Graph response out, typed errors.

HTTP plumbing (Starlette, ``$batch``) turns wire requests into ``GraphRequest`` and
hands them to a ``RequestHandler``; the handler talks to the state model and raises
``GraphError`` subclasses, which become Graph's error body ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON_CONTENT_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8"


@dataclass(frozen=True, slots=True)
class GraphRequest:
    """One request as the emulator sees it, whether it came over HTTP or inside ``$batch``.

    ``path`` is the raw (still percent-encoded) path below the API version, e.g.
    ``/drives/b%21x/items/root%3A%2FA%3A``; ``headers`` keys are lower-case.
    """

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    in_batch: bool = False

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        if not self.body.strip():
            raise InvalidRequest("a JSON request body is required")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise InvalidRequest(f"the request body is not valid JSON ({error})") from None

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise InvalidRequest("the request body must be a JSON object")
        return body


@dataclass(frozen=True, slots=True)
class GraphResponse:
    """A response before it is put on the wire: JSON (``body``) or raw bytes (``content``)."""

    status: int
    body: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        """Body bytes and headers (with a content type) ready to send."""
        headers = dict(self.headers)
        if self.content is not None:
            headers.setdefault("Content-Type", "application/octet-stream")
            return self.content, headers
        if self.body is None:
            return b"", headers
        headers.setdefault("Content-Type", JSON_CONTENT_TYPE)
        return json.dumps(self.body, separators=(",", ":")).encode(), headers


class GraphError(Exception):
    """An error Graph would answer with; ``status`` and ``code`` follow Graph's."""

    status = 500
    code = "generalException"

    def __init__(self, message: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers: dict[str, str] = dict(headers or {})


class InvalidRequest(GraphError):
    status = 400
    code = "invalidRequest"


class BadRequest(GraphError):
    """Graph's answer to a URL it cannot route (unknown segment, bad version)."""

    status = 400
    code = "BadRequest"


class AccessDenied(GraphError):
    status = 403
    code = "accessDenied"


class ItemNotFound(GraphError):
    status = 404
    code = "itemNotFound"


class MethodNotAllowed(GraphError):
    status = 405
    code = "methodNotAllowed"


class NameConflict(GraphError):
    status = 409
    code = "nameAlreadyExists"


class ResyncRequired(GraphError):
    """An expired delta token: the client must start a full delta again."""

    status = 410
    code = "resyncRequired"


class PreconditionFailed(GraphError):
    status = 412
    code = "preconditionFailed"


class PayloadTooLarge(GraphError):
    status = 413
    code = "requestEntityTooLarge"


class Throttled(GraphError):
    """429: the resource-unit budget is spent, or a fault was injected."""

    status = 429
    code = "activityLimitReached"


class ServiceNotAvailable(GraphError):
    status = 503
    code = "serviceNotAvailable"


class MailboxNotFound(GraphError):
    status = 404
    code = "ErrorInvalidUser"


class InvalidRecipients(GraphError):
    status = 400
    code = "ErrorInvalidRecipients"


class RequestHandler(ABC):
    """Anything that answers a ``GraphRequest``: the endpoint dispatcher, and the
    metering layer wrapped round it."""

    @abstractmethod
    def handle(self, request: GraphRequest) -> GraphResponse:
        """Answer the request; a ``GraphError`` raised here becomes Graph's error body."""


class ConnectionDropped(Exception):
    """An injected ``reset``: the in-process transport turns it into an httpx transport error."""


class GraphUnreachable(ConnectionDropped):
    """The ``graph:unreachable`` mode: the in-process transport makes it ``httpx.ConnectError``."""
