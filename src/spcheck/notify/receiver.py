"""The notification endpoint: Graph's POSTs in, one wake per drive out.

Answers (the same behind the Function's ``POST /api/notify`` and ``spcheck serve``):

- ``?validationToken=...``: 200, ``text/plain``, the token exactly (Graph's
  handshake when a subscription is made). A token longer than 4,096 characters or
  with anything but printable ASCII (no ``<`` or ``>``) is a 400: Graph never sends
  one, and the echo must never carry markup;
- a notification body: each entry is accepted only if its ``clientState`` matches
  (compared in constant time), its subscription is the current one of a watched
  drive, a change does not name another drive's root, and it is not a replay. What is
  accepted becomes one wake per drive and kind; a wake already on its way (the
  pending marker) absorbs the rest of a burst. Answered 202;
- 401 when no entry carried the right clientState, 400 for a body that is not
  Graph's shape, 405 for another method, 503 when the store or queue failed
  (Graph then retries, which is what is wanted).

A replay is a notification that changes nothing because spcheck has already acted on
it or it is no longer current: one whose ``(subscriptionId, id)`` was accepted
before (remembered 24 hours; Graph retries for at most four), or one naming a
subscription that is not the current subscription of a watched drive (deleted,
replaced, expired, or never spcheck's). Both are dropped with 202 when their
clientState is right, so Graph stops resending them; nothing is queued.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from spcheck.errors import ServiceUnavailable
from spcheck.notify.clientstate import shown_id, state_matches
from spcheck.notify.interface import (
    BadNotification,
    Dropped,
    Notification,
    NotifyAnswer,
    Wake,
    WakeKind,
    WakeQueue,
)
from spcheck.notify.messages import parse_notifications
from spcheck.store.records import DriveSubscription, NotificationState

log = logging.getLogger(__name__)

MAX_TOKEN = 4096
_TOKEN = re.compile(r"[\x20-\x3b\x3d\x3f-\x7e]+")  # printable ASCII without < and >
# A pending marker older than this lost its wake (a crash between marking and sending).
STALE_AFTER = timedelta(minutes=10)
JSON = "application/json"


def _json(status: int, code: str, message: str) -> NotifyAnswer:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return NotifyAnswer(status, body, JSON)


def send_wake(store: NotificationState, queue: WakeQueue, wake: Wake, delay: float) -> bool:
    """Queue ``wake`` unless one with its marker is on its way; True when queued."""
    at = wake.at.astimezone(UTC)
    if not store.mark_pending(wake.marker, at, stale_before=at - STALE_AFTER):
        return False
    try:
        queue.send(wake, delay)
    except ServiceUnavailable:
        # Without its wake the marker would hold off every later notification.
        store.clear_pending(wake.marker)
        raise
    return True


def _drive_of(resource: str | None) -> str | None:
    """The drive id of ``drives/{id}/root`` (with or without a leading slash)."""
    if resource is None:
        return None
    parts = resource.strip("/").split("/")
    if len(parts) == 3 and parts[0].lower() == "drives" and parts[2].lower() == "root":
        return parts[1]
    return None


class Receiver:
    """Answers one notification request against the state store and a wake queue."""

    def __init__(
        self,
        store: NotificationState,
        queue: WakeQueue,
        client_state: str,
        *,
        debounce: float,
        now: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._queue = queue
        self._client_state = client_state
        self._debounce = debounce
        self._now = now

    def answer(self, method: str, query: Mapping[str, str], body: bytes) -> NotifyAnswer:
        if method.upper() != "POST":
            return _json(405, "method_not_allowed", "the notification endpoint takes POST")
        token = query.get("validationToken")
        if token is not None:
            return self._validation(token)
        try:
            notifications = parse_notifications(body)
        except BadNotification as wrong:
            log.warning("notification refused: %s", wrong)
            return _json(400, "bad_request", str(wrong))
        try:
            return self._accept(notifications)
        except ServiceUnavailable as failed:
            log.error("notifications not queued (Graph will resend them): %s", failed)
            return _json(503, "unavailable", str(failed))

    @staticmethod
    def _validation(token: str) -> NotifyAnswer:
        if not token or len(token) > MAX_TOKEN or _TOKEN.fullmatch(token) is None:
            return _json(400, "bad_request", "validationToken is not a token Graph sends")
        return NotifyAnswer(200, token.encode("ascii"), "text/plain")

    def _accept(self, notifications: list[Notification]) -> NotifyAnswer:
        now = self._now().astimezone(UTC)
        current: dict[str, DriveSubscription] = {
            record.subscription_id: record
            for record in self._store.drive_subscriptions()
            if record.subscription_id is not None
        }
        dropped: list[Dropped] = []
        authentic = 0
        kept: list[tuple[Notification, DriveSubscription]] = []
        for note in notifications:
            who = shown_id(note.subscription_id)
            if not state_matches(self._client_state, note.client_state):
                dropped.append(Dropped(who, "clientState does not match"))
                continue
            authentic += 1
            record = current.get(note.subscription_id)
            if record is None:
                dropped.append(Dropped(who, "replay: not the subscription of a watched drive"))
                continue
            named = _drive_of(note.resource) if note.lifecycle_event is None else None
            if named is not None and named != record.drive_id:
                # A resource in another form is let through: the subscription id and the
                # clientState already say whose it is.
                dropped.append(Dropped(who, "its resource is another drive's root"))
                continue
            kept.append((note, record))
        fresh = self._not_replayed(kept, dropped)
        wakes: dict[str, Wake] = {}
        for note, record in fresh:
            kind = note.lifecycle_event or WakeKind.CHANGED
            wake = Wake(record.drive_id, kind, note.subscription_id, now)
            wakes.setdefault(wake.marker, wake)
        woken = tuple(wake for wake in wakes.values() if self._send(wake, now))
        self._remember(fresh, now)
        if notifications and not authentic:
            refused = _json(401, "unauthorized", "no notification carried spcheck's clientState")
            answer = NotifyAnswer(401, refused.body, JSON, dropped=tuple(dropped))
        else:
            answer = NotifyAnswer(
                202,
                b"",
                JSON,
                woken=woken,
                collapsed=len(fresh) - len(woken),
                dropped=tuple(dropped),
            )
        self._log(len(notifications), answer)
        return answer

    def _not_replayed(
        self, kept: list[tuple[Notification, DriveSubscription]], dropped: list[Dropped]
    ) -> list[tuple[Notification, DriveSubscription]]:
        by_subscription: dict[str, set[str]] = {}
        for note, _ in kept:
            if note.notification_id is not None:
                by_subscription.setdefault(note.subscription_id, set()).add(note.notification_id)
        seen = {
            (subscription, ident)
            for subscription, ids in by_subscription.items()
            for ident in self._store.seen_notifications(subscription, ids)
        }
        fresh: list[tuple[Notification, DriveSubscription]] = []
        in_body: set[tuple[str, str]] = set()
        for note, record in kept:
            key = (note.subscription_id, note.notification_id or "")
            if note.notification_id is not None and (key in seen or key in in_body):
                dropped.append(Dropped(shown_id(note.subscription_id), "replay: seen before"))
                continue
            if note.notification_id is not None:
                in_body.add(key)
            fresh.append((note, record))
        return fresh

    def _send(self, wake: Wake, now: datetime) -> bool:
        return send_wake(self._store, self._queue, wake, self._debounce)

    def _remember(self, fresh: list[tuple[Notification, DriveSubscription]], now: datetime) -> None:
        by_subscription: dict[str, list[str]] = {}
        for note, _ in fresh:
            if note.notification_id is not None:
                by_subscription.setdefault(note.subscription_id, []).append(note.notification_id)
        for subscription, ids in by_subscription.items():
            self._store.note_notifications(subscription, ids, now)

    @staticmethod
    def _log(count: int, answer: NotifyAnswer) -> None:
        reasons = sorted({d.reason for d in answer.dropped})
        drives = ", ".join(f"{shown_id(w.drive_id)} ({w.kind.value})" for w in answer.woken)
        line = (
            "%d notification(s): HTTP %d; %d wake(s) queued%s, %d folded into a wake on its "
            "way, %d dropped%s"
        )
        level = logging.WARNING if answer.status == 401 or answer.dropped else logging.INFO
        log.log(
            level,
            line,
            count,
            answer.status,
            len(answer.woken),
            f" for {drives}" if drives else "",
            answer.collapsed,
            len(answer.dropped),
            f" ({'; '.join(reasons)})" if reasons else "",
        )
