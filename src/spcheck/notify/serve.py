"""``spcheck serve``: the notification receiver, its queue worker, the subscription upkeep and
the safety-net schedule, all on one event loop, without Azure.

- the receiver answers ``POST /api/notify`` (``receiver.Receiver``) on loopback by
  default (``--host`` to bind elsewhere, e.g. behind a TLS reverse proxy, which
  Graph needs: it calls https URLs only);
- wakes wait in an in-process queue for the debounce (SPCHECK_NOTIFY_DEBOUNCE,
  default 5 s), then the worker runs them one at a time (``worker.handle_wake``);
- the upkeep keeps the subscription alive at start and every six hours; a created
  or recreated subscription is followed by a delta run (what changed before it);
- the schedule looks every 30 minutes and checks every inspection when the safety
  net is due (``schedule.safety_net_due``): every time without live notifications,
  else once the last check is SPCHECK_SAFETY_NET_MINUTES old.

Cycles never overlap (one lock); a wake that fails on an outage is tried again a
minute later, up to three times, and the schedule catches up after that. Each
cycle prints one line, as ``spcheck watch`` does, and ``--out`` keeps the latest
HTML report. Without SPCHECK_NOTIFY_URL, the URL is this server's own
(``http://HOST:PORT/api/notify``), which only the emulator accepts; without
SPCHECK_NOTIFY_SECRET a random one is made for the run (the subscription is then
replaced at the next start, its clientState having changed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import socket
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from spcheck.commands.provision import GatewayFactory
from spcheck.errors import InputError, ServiceUnavailable
from spcheck.graph.interface import Gateway, GraphError
from spcheck.listening import listen, quiet_server
from spcheck.loader import LoadedInspection
from spcheck.notify.interface import Wake, WakeKind, WakeQueue
from spcheck.notify.receiver import Receiver, send_wake
from spcheck.notify.schedule import notifications_live, safety_net_due
from spcheck.notify.upkeep import NotifyConfig, keep_subscriptions, notify_config
from spcheck.notify.worker import WakeOutcome, handle_wake
from spcheck.service import CycleOptions, CycleOutcome, run_cycle
from spcheck.settings import Settings
from spcheck.store.records import Store

NOTIFY_PATH = "/api/notify"
RENEW_EVERY = 6 * 3600.0
SCHEDULE_EVERY = 1800.0
WAKE_ATTEMPTS = 3
WAKE_RETRY_SECONDS = 60.0
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}

Say = Callable[[str], None]
CycleObserver = Callable[[str, CycleOutcome], None]


class InProcessWakeQueue(WakeQueue):
    """Wakes held on one event loop; ``join`` waits until every wake sent has been handled."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Queue[Wake] | None = None
        self._unfinished = 0
        self._idle: asyncio.Event | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._ready = asyncio.Queue()
        self._idle = asyncio.Event()
        self._idle.set()

    def send(self, wake: Wake, delay: float) -> None:
        loop = self._loop
        if loop is None:
            raise ServiceUnavailable("the in-process wake queue is not running")
        loop.call_soon_threadsafe(self._later, wake, delay)

    def _later(self, wake: Wake, delay: float) -> None:
        ready, idle, loop = self._ready, self._idle, self._loop
        if ready is None or idle is None or loop is None:
            return
        self._unfinished += 1
        idle.clear()
        loop.call_later(max(delay, 0.0), ready.put_nowait, wake)

    async def get(self) -> Wake:
        assert self._ready is not None
        return await self._ready.get()

    def done(self) -> None:
        assert self._idle is not None
        self._unfinished -= 1
        if self._unfinished <= 0:
            self._unfinished = 0
            self._idle.set()

    async def join(self) -> None:
        # Let sends made from other threads or just now reach the loop first.
        await asyncio.sleep(0)
        assert self._idle is not None
        await self._idle.wait()


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    out: Path | None = None
    subscribe: bool = True
    listen: bool = True  # False: no socket (tests drive ``app`` in process)
    renew_every: float = RENEW_EVERY
    schedule_every: float = SCHEDULE_EVERY


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class _Running:
    """What the tasks of one run share: cycles never overlap (``lock``)."""

    gateway: Gateway
    store: Store
    lock: asyncio.Lock


class NotifyService:
    """Everything ``spcheck serve`` runs. ``app`` is the receiver's ASGI app."""

    def __init__(
        self,
        settings: Settings,
        options: ServeOptions,
        *,
        gateway_factory: GatewayFactory,
        store_factory: Callable[[str], Store],
        inspections: Callable[[], Sequence[LoadedInspection]],
        say: Say,
        now: Callable[[], dt.datetime] = _utc_now,
        on_cycle: CycleObserver | None = None,
        write_report: Callable[[CycleOutcome], None] | None = None,
    ) -> None:
        self.settings = settings
        self.options = options
        self._gateway_factory = gateway_factory
        self._store_factory = store_factory
        self._inspections = inspections
        self._say = say
        self._now = now
        self._on_cycle = on_cycle
        self._write_report = write_report
        self._listener = listen(options.host, options.port, "--port") if options.listen else None
        self.port = self._listener.port if self._listener else options.port
        own_url = f"http://{_url_host(options.host)}:{self.port}{NOTIFY_PATH}"
        self.config: NotifyConfig = notify_config(
            settings, default_url=own_url, secret=secrets.token_urlsafe(32)
        )
        self.queue = InProcessWakeQueue()
        self.app = Starlette(
            routes=[
                Route(
                    NOTIFY_PATH,
                    self._endpoint,
                    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                )
            ]
        )
        self._running: _Running | None = None
        self._stop: asyncio.Event | None = None
        self._attempts: dict[str, int] = {}
        self._last_good: Sequence[LoadedInspection] | None = None
        self.ready = asyncio.Event()  # set once the receiver answers

    # --- the receiver -----------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> Response:
        running = self._running
        if running is None:
            return Response(b"", status_code=503, headers=HEADERS)
        body = await request.body()
        receiver = Receiver(
            running.store,
            self.queue,
            self.config.client_state,
            debounce=self.settings.notify_debounce,
            now=self._now,
        )
        answer = receiver.answer(request.method, dict(request.query_params), body)
        return Response(
            answer.body, status_code=answer.status, media_type=answer.media_type, headers=HEADERS
        )

    # --- running ----------------------------------------------------------------------------

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    async def run(self) -> int:
        """Serve until stopped (Ctrl+C, or ``stop``). Definitions that do not load at start
        end it at once (exit 2); a task that fails with something unforeseen ends it too,
        with that error, rather than leaving a receiver whose notifications nobody runs."""
        loop = asyncio.get_running_loop()
        self.queue.bind(loop)
        self._stop = asyncio.Event()
        self._load()
        async with self._gateway_factory(self.settings) as gateway:
            opened: AbstractContextManager[Store] = self._store_factory(self.settings.state)
            with opened as store:
                running = _Running(gateway, store, asyncio.Lock())
                self._running = running
                tasks = [loop.create_task(self._work(running), name="spcheck-serve-worker")]
                # Uvicorn ends on Ctrl+C (it handles the signal); ``stop`` ends a test's run.
                ending: list[asyncio.Task[Any]] = [loop.create_task(self._stop.wait())]
                server = None
                if self._listener is not None:
                    server, serving = await self._listen(self._listener.socket)
                    ending.append(serving)
                self.ready.set()
                if self.options.subscribe:
                    tasks.append(loop.create_task(self._keep(running), name="spcheck-serve-keep"))
                tasks.append(loop.create_task(self._schedule(running), name="spcheck-serve-plan"))
                await asyncio.wait([*ending, *tasks], return_when=asyncio.FIRST_COMPLETED)
                failed = next((t for t in tasks if t.done() and not t.cancelled()), None)
                if server is not None:
                    server.should_exit = True
                    await asyncio.gather(ending[-1], return_exceptions=True)
                for task in (*tasks, *ending):
                    task.cancel()
                await asyncio.gather(*tasks, *ending, return_exceptions=True)
                self._running = None
                if failed is not None:
                    failed.result()  # raises what ended it
        return 0

    async def _listen(self, sock: socket.socket) -> tuple[Any, asyncio.Task[None]]:
        server = quiet_server(self.app)
        serving = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        if serving.done():
            serving.result()
        self._say(
            f"receiving change notifications on http://{_url_host(self.options.host)}:"
            f"{self.port}{NOTIFY_PATH}; Graph is told {self.config.shown_url}"
        )
        return server, serving

    # --- the worker -------------------------------------------------------------------------

    def _load(self) -> Sequence[LoadedInspection]:
        try:
            loaded = self._inspections()
        except InputError as wrong:
            if self._last_good is None:
                raise
            self._say(f"refused: {wrong}; checking with the definitions last loaded")
            return self._last_good
        self._last_good = loaded
        return loaded

    async def _work(self, running: _Running) -> None:
        while True:
            wake = await self.queue.get()
            try:
                await self._handle(running, wake)
            finally:
                self.queue.done()

    async def _handle(self, running: _Running, wake: Wake) -> None:
        try:
            async with running.lock:
                outcome = await handle_wake(
                    wake,
                    gateway=running.gateway,
                    store=running.store,
                    settings=self.settings,
                    inspections=self._load(),
                    config=self.config,
                    options=CycleOptions(report_at=self._report_at()),
                    now=self._now,
                )
        except InputError as wrong:
            self._say(f"notified run refused: {wrong}")
            return
        except (ServiceUnavailable, GraphError) as failed:
            tries = self._attempts.get(wake.marker, 0) + 1
            if tries >= WAKE_ATTEMPTS:
                self._attempts.pop(wake.marker, None)
                self._say(f"notified run failed: {failed}; the schedule will catch up")
                return
            self._attempts[wake.marker] = tries
            self._say(f"notified run failed: {failed}; trying again in {WAKE_RETRY_SECONDS:g} s")
            self.queue.send(wake, WAKE_RETRY_SECONDS)
            return
        self._attempts.pop(wake.marker, None)
        self._report("notified", outcome)

    def _report(self, source: str, outcome: WakeOutcome | CycleOutcome) -> None:
        if isinstance(outcome, WakeOutcome):
            if outcome.upkeep is not None:
                self._say(outcome.upkeep.line(self.config))
            if outcome.cycle is None:
                self._say(f"{source} ({outcome.wake.kind.value}): nothing to do, {outcome.stale}")
                return
            source = f"{source} ({outcome.wake.kind.value})"
            cycle = outcome.cycle
        else:
            cycle = outcome
        from spcheck.commands.check import cycle_line

        self._say(f"{source}: {cycle_line(cycle)}")
        if self._write_report is not None:
            self._write_report(cycle)
        if self._on_cycle is not None:
            self._on_cycle(source, cycle)

    def _report_at(self) -> str | None:
        return str(self.options.out.resolve()) if self.options.out is not None else None

    # --- the subscription and the schedule ----------------------------------------------------

    async def _keep(self, running: _Running) -> None:
        first_round = True
        while True:
            try:
                async with running.lock:
                    outcomes = await keep_subscriptions(
                        running.gateway, running.store, self.config, self._now()
                    )
            except (ServiceUnavailable, GraphError, InputError) as failed:
                self._say(f"subscription not kept: {failed}; checking goes on with the schedule")
            else:
                for outcome in outcomes:
                    if outcome.refused and not (outcome.first or first_round):
                        continue
                    if outcome.action != "kept" or first_round:
                        self._say(outcome.line(self.config))
                    record = outcome.record
                    if outcome.action in ("created", "recreated") and record is not None:
                        assert record.subscription_id is not None
                        wake = Wake(
                            record.drive_id, WakeKind.CHANGED, record.subscription_id, self._now()
                        )
                        send_wake(running.store, self.queue, wake, 0.0)
            first_round = False
            await asyncio.sleep(self.options.renew_every)

    async def _schedule(self, running: _Running) -> None:
        interval = dt.timedelta(minutes=self.settings.safety_net_minutes)
        while True:
            try:
                await self._scheduled_run(running, interval)
            except InputError as wrong:
                self._say(f"scheduled run refused: {wrong}")
            except (ServiceUnavailable, GraphError) as failed:
                self._say(
                    f"scheduled run failed: {failed}; "
                    f"next try in {self.options.schedule_every:g} s"
                )
            await asyncio.sleep(self.options.schedule_every)

    async def _scheduled_run(self, running: _Running, interval: dt.timedelta) -> None:
        store = running.store
        now = self._now()
        live = notifications_live(store.drive_subscriptions(), now)
        loaded = self._load()
        due = [
            item
            for item in loaded
            if safety_net_due(live, _last_check(store, item), now, interval)
        ]
        if not due:
            return
        async with running.lock:
            outcome = await run_cycle(
                running.gateway,
                store,
                loaded,
                self.settings,
                options=CycleOptions(report_at=self._report_at()),
                now=self._now,
            )
        self._report("scheduled (safety net)" if live else "scheduled", outcome)


def _last_check(store: Store, loaded: LoadedInspection) -> dt.datetime | None:
    last = store.last_run(loaded.inspection.id)
    return last.generated_at if last is not None else None


def _url_host(host: str) -> str:
    bare = host.strip("[]")
    return f"[{bare}]" if ":" in bare else bare
