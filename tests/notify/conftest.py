"""``spcheck serve``'s service in process, wired to the in-process emulator both ways: the
gateway reaches the emulator through its transport, and the emulator's notifications and
validation handshakes reach the service's receiver through an ASGI transport."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from spcheck.emulator.inprocess import InProcessTransport, transport
from spcheck.emulator.notifier import Notifier
from spcheck.graph.client import build_gateway
from spcheck.graph.interface import Gateway
from spcheck.graph.retry import RetryPolicy
from spcheck.notify.serve import NotifyService, ServeOptions
from spcheck.service import CycleOutcome
from spcheck.settings import Settings
from spcheck.store.records import Store
from spcheck.store.sqlite import SqliteStore
from tests.cycle.conftest import BASE, World, unprovisioned
from tests.provision.conftest import FakeClock

SECRET = "a-test-secret-of-at-least-32-characters"
URL = "http://127.0.0.1:8080/api/notify?code=test-function-key"


@dataclass
class Harness:
    """One running service; ``cycles`` and ``lines`` are what it did and said."""

    world: World
    service: NotifyService
    emulator: InProcessTransport
    cycles: list[tuple[str, CycleOutcome]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def notifier(self) -> Notifier:
        return self.emulator.app.emulator.notifier

    def store(self) -> Store:
        return SqliteStore(self.world.tmp / "state.db")

    async def settle(self) -> None:
        """Until every notification is delivered and every wake handled."""
        for _ in range(100):
            await self.notifier.drain()
            await self.service.queue.join()
            await asyncio.sleep(0.01)
            if not self.world.state.outbox and self.service.queue._unfinished == 0:
                return
        raise AssertionError("the service did not settle")

    async def until(self, condition: Callable[[], bool], seconds: float = 30.0) -> None:
        for _ in range(int(seconds / 0.02)):
            if condition():
                return
            await asyncio.sleep(0.02)
        raise AssertionError("timed out waiting")


def notify_settings(world: World, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "notify_url": SecretStr(URL),
        "notify_secret": SecretStr(SECRET),
        "notify_debounce": 0.05,
    }
    values.update(changes)
    return world.settings().model_copy(update=values)


@asynccontextmanager
async def running(
    world: World,
    *,
    faults: str | None = None,
    subscribe: bool = True,
    settings: Settings | None = None,
    schedule_every: float = 24 * 3600.0,
    now: Callable[[], datetime] | None = None,
) -> AsyncIterator[Harness]:
    """The service started (subscription made, first cycles done), stopped afterwards."""
    config = settings or notify_settings(world)
    holder: dict[str, Harness] = {}

    def gateway(settings: Settings) -> Gateway:
        clock = FakeClock()
        return build_gateway(
            settings,
            transport=holder["h"].emulator,
            clock=clock,
            sleep=clock.sleep,
            policy=RetryPolicy(max_attempts=30, max_total_seconds=100_000),
        )

    cycles: list[tuple[str, CycleOutcome]] = []
    lines: list[str] = []
    service = NotifyService(
        config,
        ServeOptions(listen=False, subscribe=subscribe, schedule_every=schedule_every),
        gateway_factory=gateway,
        store_factory=lambda _setting: SqliteStore(world.tmp / "state.db"),
        inspections=lambda: [world.loaded()],
        say=lines.append,
        on_cycle=lambda source, outcome: cycles.append((source, outcome)),
        **({"now": now} if now is not None else {}),
    )
    emulator = transport(
        world.state,
        base_url=BASE,
        faults=faults,
        ru_per_minute=100_000,
        notify_transport=httpx.ASGITransport(app=service.app),
        notify_retry_pause=0.01,
    )
    harness = Harness(world, service, emulator, cycles, lines)
    holder["h"] = harness
    task = asyncio.create_task(service.run())
    try:
        await asyncio.wait_for(service.ready.wait(), 30)
        # The first scheduled cycle; the upkeep's first word (its first round is always said)
        # and, when it made a subscription, the delta run that follows.
        await harness.until(lambda: len(cycles) >= 1 or task.done())
        if subscribe:
            await harness.until(lambda: any("drive b!" in line for line in lines) or task.done())
        await harness.settle()
        if task.done():
            task.result()
        yield harness
    finally:
        service.stop()
        await asyncio.wait_for(task, 30)


@pytest.fixture
def world(tmp_path: Path) -> World:
    """The Glenmorven example provisioned in week 2 (as the cycle tests have it)."""
    built = unprovisioned(tmp_path)
    built.provision()
    return built
