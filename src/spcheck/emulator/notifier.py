"""The emulator's outgoing side of change notifications: Graph's validation handshake and
the POSTs of the state's outbox (``subscriptions``), over httpx.

- ``validate(url)``: POST ``url?validationToken=<opaque>`` (``Content-Type:
  text/plain``); the receiver must answer 200, ``text/plain``, the token exactly,
  within 10 seconds, or the subscription is not created (400, as Graph answers).
  ``validate_blocking`` runs it from the thread that serves the create request.
- ``flush()``: takes the outbox and POSTs ``{"value": [...]}`` to each URL, at
  most 100 notifications per request. Faults (``notify-drop``, ``notify-delay``)
  apply to change notifications, never to lifecycle ones. A receiver that fails
  (not 2xx within 3 seconds, or no connection) is retried twice after 0.5 and
  1 second; Graph keeps trying for up to four hours, which a test cannot wait for.
- ``drain()``: waits until everything scheduled has been delivered or given up.

Only loopback URLs are ever called (checked when the subscription is made). The
HTTP client is made on the running event loop and made again on a new one; tests
pass ``transport`` (an ``httpx.ASGITransport`` of the receiver) so nothing leaves
the process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from spcheck.emulator.faults import FaultInjector
from spcheck.emulator.interface import GraphError, InvalidRequest
from spcheck.emulator.model import Delivery
from spcheck.emulator.state import EmulatorState

log = logging.getLogger(__name__)

VALIDATION_TIMEOUT = 10.0
DELIVERY_TIMEOUT = 3.0
PER_POST = 100


class ValidationFailed(GraphError):
    status = 400
    code = "InvalidRequest"


def with_token(url: str, token: str) -> str:
    """``url`` with ``validationToken`` added to its query (its own parameters kept)."""
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("validationToken", token)]
    return urlunsplit(parts._replace(query=urlencode(query)))


class Notifier:
    """Delivers one state's notifications; one per emulator app."""

    def __init__(
        self,
        state: EmulatorState,
        faults: FaultInjector,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retries: int = 2,
        retry_pause: float = 0.5,
        tick: float | None = None,
    ) -> None:
        self.state = state
        self.faults = faults
        self.retries = retries
        self.retry_pause = retry_pause
        self.tick = tick
        self._transport = transport
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._bind_lock = threading.Lock()

    # the event loop and the client ----------------------------------------------

    def bind(self) -> asyncio.AbstractEventLoop:
        """Use the running loop (a new loop gets a new client; the old one died with its loop)."""
        loop = asyncio.get_running_loop()
        with self._bind_lock:
            if loop is not self._loop:
                self._loop = loop
                self._client = None
                self._tasks = set()
                self._ticker = None
            if self.tick and self._ticker is None:
                self._ticker = loop.create_task(self._run_ticker(self.tick))
        return loop

    def _http(self) -> httpx.AsyncClient:
        self.bind()
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport, follow_redirects=False, trust_env=False
            )
        return self._client

    async def aclose(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        await self.drain()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # the validation handshake ---------------------------------------------------

    async def validate(self, url: str) -> None:
        token = secrets.token_urlsafe(32)
        self.state.notifications.add("validations")
        failed = ValidationFailed(
            "Subscription validation request failed. Notification endpoint must respond "
            "with 200 OK to validation request."
        )
        try:
            response = await self._http().post(
                with_token(url, token),
                headers={"Content-Type": "text/plain; charset=utf-8"},
                timeout=VALIDATION_TIMEOUT,
            )
        except httpx.HTTPError:
            raise failed from None
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if response.status_code != 200 or media != "text/plain" or response.text != token:
            raise failed

    def validate_blocking(self, url: str) -> None:
        """``validate`` from another thread, on the loop that serves the app."""
        loop = self._loop
        if loop is None or not loop.is_running():
            raise InvalidRequest("the emulator cannot validate a notification URL right now")
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise InvalidRequest("a subscription cannot be validated from the event loop itself")
        future = asyncio.run_coroutine_threadsafe(self.validate(url), loop)
        future.result(timeout=VALIDATION_TIMEOUT + 5)

    # delivering the outbox ------------------------------------------------------

    def schedule_flush(self) -> None:
        """Send what is in the outbox from a task of its own (the caller does not wait)."""
        loop = self.bind()
        task = loop.create_task(self.flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> int:
        """Send the outbox now; returns how many notifications were sent or scheduled."""
        self.bind()
        groups: dict[tuple[str, float], list[dict[str, Any]]] = {}
        for delivery in self.state.take_outbox():
            delay = self._decide(delivery)
            if delay is None:
                continue
            groups.setdefault((delivery.url, delay), []).append(delivery.notification)
        posts = [
            self._post(url, delay, notes[start : start + PER_POST])
            for (url, delay), notes in groups.items()
            for start in range(0, len(notes), PER_POST)
        ]
        await asyncio.gather(*posts)
        return sum(len(notes) for notes in groups.values())

    def _decide(self, delivery: Delivery) -> float | None:
        """The delay before sending, or None to drop it (``notify-*`` faults)."""
        if delivery.lifecycle:
            return 0.0
        decision = self.faults.draw_notification()
        if decision.drop:
            self.state.notifications.add("dropped")
            return None
        if decision.delay > 0:
            self.state.notifications.add("delayed")
        return round(decision.delay, 3)

    async def _post(self, url: str, delay: float, notes: Sequence[dict[str, Any]]) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        body = json.dumps({"value": list(notes)}, separators=(",", ":")).encode()
        stats = self.state.notifications
        for attempt in range(self.retries + 1):
            stats.add("posts")
            try:
                response = await self._http().post(
                    url,
                    content=body,
                    headers={"Content-Type": "application/json; charset=utf-8"},
                    timeout=DELIVERY_TIMEOUT,
                )
                if 200 <= response.status_code < 300:
                    stats.add("delivered", len(notes))
                    return
            except httpx.HTTPError:
                pass
            if attempt < self.retries:
                await asyncio.sleep(self.retry_pause * 2**attempt)
        stats.add("failed", len(notes))

    async def drain(self) -> None:
        """Apply the clock, deliver the outbox and wait for every scheduled delivery."""
        await self.flush()
        while True:
            pending = [task for task in self._tasks if not task.done()]
            if not pending and not self.state.outbox:
                return
            await asyncio.gather(*pending, return_exceptions=True)
            await self.flush()

    async def _run_ticker(self, interval: float) -> None:
        """Server mode: apply the clock and send what is waiting, every ``interval`` seconds."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.flush()
            except Exception:  # one bad round must not stop the ticker
                log.exception("the emulator could not send change notifications")
