"""Check messages as JSON text, and the Storage queue the timer sends them to.

A message is ``{"inspection": "<id>", "as_of": "<ISO date or date-time>",
"enqueued_at": "<ISO date-time>"}``; only ``inspection`` is required. Anything
else (not JSON, not an object, an unknown key, a bad id or date) is a
``BadMessage``: the queue handler records it and drops it, since retrying
cannot fix it. Messages are base64 text on the queue, the Functions host's
default encoding.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from spcheck.azure.interface import BadMessage, CheckMessage, Enqueuer, OutputUnavailable
from spcheck.commands.check import parse_as_of
from spcheck.domain.inspection import INSPECTION_ID
from spcheck.errors import InputError
from spcheck.store.azure_connection import StorageConnection

MAX_MESSAGE_CHARS = 4096
_KEYS = frozenset({"inspection", "as_of", "enqueued_at"})
_ID = re.compile(INSPECTION_ID)


def encode(message: CheckMessage) -> str:
    body: dict[str, str] = {"inspection": message.inspection}
    if message.as_of is not None:
        body["as_of"] = message.as_of.isoformat()
    if message.enqueued_at is not None:
        body["enqueued_at"] = message.enqueued_at.isoformat()
    return json.dumps(body, sort_keys=True)


def _moment(body: dict[str, Any], name: str) -> datetime | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadMessage(f"{name}: expected an ISO date or date-time string")
    try:
        return parse_as_of(value)
    except InputError:
        raise BadMessage(f"{name}: not an ISO date (YYYY-MM-DD) or date-time") from None


def decode(text: str | bytes) -> CheckMessage:
    """The message in a queue body; raises ``BadMessage`` with a reason safe to record."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise BadMessage("the message is not UTF-8 text") from None
    if len(text) > MAX_MESSAGE_CHARS:
        raise BadMessage(f"the message is longer than {MAX_MESSAGE_CHARS} characters")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):  # nested past Python's limit: not a check message
        raise BadMessage("the message is not JSON") from None
    if not isinstance(body, dict):
        raise BadMessage('the message is not a JSON object like {"inspection": "<id>"}')
    unknown = sorted(set(body) - _KEYS)
    if unknown:
        raise BadMessage(f"unknown key(s) {', '.join(map(repr, unknown[:5]))}")
    inspection = body.get("inspection")
    if not isinstance(inspection, str) or not _ID.match(inspection):
        raise BadMessage("inspection: expected an inspection id ([a-z0-9-]{3,40})")
    return CheckMessage(
        inspection=inspection,
        as_of=_moment(body, "as_of"),
        enqueued_at=_moment(body, "enqueued_at"),
    )


def loose_inspection_id(text: str | bytes) -> str | None:
    """The inspection a refused message named, if it is recognisable: for the audit record."""
    try:
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    value = body.get("inspection") if isinstance(body, dict) else None
    return value if isinstance(value, str) and _ID.match(value) else None


class StorageQueue(Enqueuer):
    """An Azure Storage queue (Azurite in tests), messages base64-encoded."""

    def __init__(
        self,
        connection: StorageConnection,
        queue_name: str,
        *,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self._connection = connection
        self._name = queue_name
        self._options = {"retry_total": 3, **(client_options or {})}

    def send(self, messages: Sequence[CheckMessage]) -> None:
        self.send_texts([encode(message) for message in messages])

    def send_texts(self, texts: Sequence[str], *, delay: int = 0) -> None:
        """Put each text on the queue, invisible for ``delay`` seconds (at most seven days)."""
        from azure.core.exceptions import AzureError, ResourceExistsError
        from azure.storage.queue import QueueClient, TextBase64EncodePolicy

        if not texts:
            return
        try:
            with QueueClient.from_connection_string(
                self._connection.value,
                self._name,
                message_encode_policy=TextBase64EncodePolicy(),
                **self._options,
            ) as client:
                with contextlib.suppress(ResourceExistsError):
                    client.create_queue()
                for text in texts:
                    client.send_message(text, visibility_timeout=delay or None)
        except AzureError as error:
            raise OutputUnavailable(
                f"queue {self._name} on {self._connection.shown}: cannot be written "
                f"({type(error).__name__})"
            ) from None
