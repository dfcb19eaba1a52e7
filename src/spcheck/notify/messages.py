"""Notification bodies in, wake messages out: both as JSON text, checked on the way in.

A notification POST is Graph's ``changeNotificationCollection``: ``{"value": [...]}``,
each entry with ``subscriptionId`` and, for a change, ``resource`` and ``changeType``,
for a lifecycle event ``lifecycleEvent``. Only what spcheck needs is read; an entry
that is not an object, lacks a subscription id or carries a wrong type makes the
whole body a ``BadNotification``. Bodies over 1 MiB or with more than 1,000 entries
are refused unread.

A wake message is ``{"drive", "kind", "subscription", "at"}`` (all required).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from spcheck.notify.interface import BadNotification, BadWake, Notification, Wake, WakeKind

MAX_BODY_BYTES = 1024 * 1024
MAX_NOTIFICATIONS = 1000
MAX_WAKE_CHARS = 4096
_LIFECYCLE = {kind.value: kind for kind in WakeKind if kind is not WakeKind.CHANGED}
_WAKE_KEYS = frozenset({"drive", "kind", "subscription", "at"})


def _optional_text(entry: dict[str, Any], name: str, index: int) -> str | None:
    value = entry.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 2048:
        raise BadNotification(f"value[{index}].{name}: expected a string")
    return value


def parse_notifications(body: bytes) -> list[Notification]:
    """The notifications in a POST body; ``BadNotification`` with the reason otherwise."""
    if len(body) > MAX_BODY_BYTES:
        raise BadNotification(f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadNotification("the body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("value"), list):
        raise BadNotification('the body is not a notification collection {"value": [...]}')
    entries = data["value"]
    if len(entries) > MAX_NOTIFICATIONS:
        raise BadNotification(f"more than {MAX_NOTIFICATIONS} notifications in one body")
    found: list[Notification] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise BadNotification(f"value[{index}]: not an object")
        subscription = _optional_text(entry, "subscriptionId", index)
        if not subscription:
            raise BadNotification(f"value[{index}].subscriptionId: missing")
        event_text = _optional_text(entry, "lifecycleEvent", index)
        event = None
        if event_text is not None:
            event = _LIFECYCLE.get(event_text)
            if event is None:
                raise BadNotification(
                    f"value[{index}].lifecycleEvent: {event_text[:40]!r} is not one of "
                    + ", ".join(_LIFECYCLE)
                )
        found.append(
            Notification(
                subscription_id=subscription,
                client_state=_optional_text(entry, "clientState", index),
                resource=_optional_text(entry, "resource", index),
                lifecycle_event=event,
                notification_id=_optional_text(entry, "id", index),
                tenant_id=_optional_text(entry, "tenantId", index),
            )
        )
    return found


def encode_wake(wake: Wake) -> str:
    return json.dumps(
        {
            "drive": wake.drive_id,
            "kind": wake.kind.value,
            "subscription": wake.subscription_id,
            "at": wake.at.isoformat(),
        },
        sort_keys=True,
    )


def decode_wake(text: str | bytes) -> Wake:
    """The wake in a queue message; ``BadWake`` with a reason safe to log otherwise."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise BadWake("the message is not UTF-8 text") from None
    if len(text) > MAX_WAKE_CHARS:
        raise BadWake(f"the message is longer than {MAX_WAKE_CHARS} characters")
    try:
        data = json.loads(text)
    except ValueError:
        raise BadWake("the message is not JSON") from None
    if not isinstance(data, dict) or set(data) != _WAKE_KEYS:
        raise BadWake("expected {" + ", ".join(sorted(_WAKE_KEYS)) + "}")
    drive, kind, subscription, at = (data[k] for k in ("drive", "kind", "subscription", "at"))
    if not all(isinstance(value, str) and value for value in (drive, kind, subscription, at)):
        raise BadWake("drive, kind, subscription and at must be non-empty strings")
    try:
        wake_kind = WakeKind(kind)
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise BadWake("kind or at is not valid") from None
    if moment.tzinfo is None:
        raise BadWake("at: expected a time with its offset")
    return Wake(drive, wake_kind, subscription, moment)
