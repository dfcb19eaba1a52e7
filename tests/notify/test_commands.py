"""`spcheck subscribe` against the in-process emulator, the notification settings, and
`spcheck serve` over real loopback sockets with a served emulator."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from spcheck.commands.notify import run_subscribe
from spcheck.emulator.inprocess import transport
from spcheck.emulator.seeds import ROOT_FOLDER, SITE
from spcheck.emulator.server import EmulatorServer
from spcheck.emulator.state import EmulatorState
from spcheck.graph.client import build_gateway
from spcheck.graph.interface import Gateway
from spcheck.loader import load_inspection, load_policies
from spcheck.notify.serve import NotifyService, ServeOptions
from spcheck.notify.upkeep import LIFETIME
from spcheck.service import CycleOutcome
from spcheck.settings import Settings
from spcheck.store.sqlite import SqliteStore
from tests.conftest import POLICIES, CliResult
from tests.cycle.conftest import INSPECTION, World
from tests.emulator.helpers import Receiver
from tests.provision.conftest import IN_WINDOW, make_world

from .conftest import SECRET, URL, notify_settings


def subscribe(
    world: World, *, faults: str | None = None, **options: Any
) -> tuple[int, list[str], EmulatorState]:
    receiver = Receiver()
    served = transport(
        world.state,
        base_url="http://127.0.0.1/v1.0",
        faults=faults,
        notify_transport=receiver.transport(),
    )

    def gateway(settings: Settings) -> Gateway:
        return build_gateway(settings, transport=served)

    out = io.StringIO()
    code = run_subscribe(
        settings=notify_settings(world),
        gateway_factory=gateway,
        store_factory=lambda _s: SqliteStore(world.tmp / "state.db"),
        out=out,
        **options,
    )
    return code, out.getvalue().splitlines(), world.state


def test_subscribe_creates_then_keeps_then_recreates_on_request(world: World) -> None:
    code, lines, state = subscribe(world)
    assert code == 0
    assert len(lines) == 1
    assert lines[0].startswith("drive b!******")
    assert ": created, subscription " in lines[0]
    assert "notifications to http://127.0.0.1:8080/api/notify" in lines[0]
    assert "code=" not in lines[0]
    assert "test-function-key" not in lines[0]
    (first,) = state.subscriptions
    code, lines, _ = subscribe(world)
    assert ": kept, subscription " in lines[0]
    assert list(state.subscriptions) == [first]
    code, lines, _ = subscribe(world, recreate=True)
    assert ": recreated (asked to), subscription " in lines[0]
    assert first not in state.subscriptions
    assert len(state.subscriptions) == 1


def test_subscribe_when_graph_refuses_says_so_in_one_line_and_exits_0(world: World) -> None:
    code, lines, state = subscribe(world, faults="subscriptions:refused")
    assert code == 0
    drive = world.drive_id
    assert lines == [
        f"drive {drive[:2]}******{drive[-2:]}: Graph refused change notifications "
        "(HTTP 403 ExtensionError); spcheck keeps checking on its schedule "
        "(see runbooks/subscriptions.md)"
    ]
    assert state.subscriptions == {}


def test_subscribe_remove_deletes_and_forgets(world: World) -> None:
    subscribe(world)
    code, lines, state = subscribe(world, remove=True)
    assert code == 0
    assert "subscription deleted; spcheck checks on its schedule alone" in lines[0]
    assert state.subscriptions == {}
    with SqliteStore(world.tmp / "state.db") as store:
        assert store.drive_subscriptions() == []
    _, lines, _ = subscribe(world, remove=True)
    assert lines == ["no subscription recorded; nothing to remove"]


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "SPCHECK_NOTIFY_URL: not set"),
        ({"SPCHECK_NOTIFY_URL": URL}, "SPCHECK_NOTIFY_SECRET: not set"),
        ({"SPCHECK_NOTIFY_URL": "http://receiver.example/api/notify"}, "SPCHECK_NOTIFY_URL: "),
        ({"SPCHECK_NOTIFY_URL": URL, "SPCHECK_NOTIFY_SECRET": "short"}, "at least 32"),
        ({"SPCHECK_NOTIFY_DEBOUNCE": "90"}, "SPCHECK_NOTIFY_DEBOUNCE: "),
        ({"SPCHECK_SAFETY_NET_MINUTES": "5"}, "SPCHECK_SAFETY_NET_MINUTES: "),
    ],
)
def test_a_missing_or_bad_notification_setting_is_one_line(
    run_cli: Callable[..., CliResult], env: dict[str, str], says: str
) -> None:
    base = {"SPCHECK_SITE": SITE, "SPCHECK_GRAPH_URL": "http://127.0.0.1:1/v1.0"}
    result = run_cli("subscribe", env={**base, "SPCHECK_AUTH": "none", **env})
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert says in result.stderr
    assert "test-function-key" not in result.stderr
    assert "Traceback" not in result.stderr


def test_the_secret_and_the_url_never_show_in_settings() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        notify_url=SecretStr(URL),
        notify_secret=SecretStr(SECRET),
    )
    assert "test-function-key" not in repr(settings)
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings.model_dump())


@pytest.mark.slow
def test_serve_over_loopback_sockets_with_a_served_emulator(world: World) -> None:
    """The whole path on real sockets: an upload to the served emulator, Graph's POST to
    spcheck serve's receiver, the wake, the cycle and its finding."""
    found: list[tuple[str, CycleOutcome]] = []
    with EmulatorServer(world.state, port=0) as emulator:
        settings = world.settings().model_copy(
            update={
                "graph_url": emulator.base_url,
                "notify_secret": SecretStr(SECRET),
                "notify_debounce": 0.2,
            }
        )
        loaded = load_inspection(world.inspections / f"{INSPECTION}.yaml", load_policies(POLICIES))
        lines: list[str] = []
        service = NotifyService(
            settings,
            ServeOptions(port=0),
            gateway_factory=build_gateway,
            store_factory=lambda _s: SqliteStore(world.tmp / "state.db"),
            inspections=lambda: [loaded],
            say=lines.append,
            on_cycle=lambda source, outcome: found.append((source, outcome)),
        )
        loops: list[asyncio.AbstractEventLoop] = []

        def serve() -> None:
            async def main() -> None:
                loops.append(asyncio.get_running_loop())
                await service.run()

            asyncio.run(main())

        thread = threading.Thread(target=serve, name="spcheck-serve-test", daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while not world.state.subscriptions and time.monotonic() < deadline:
                time.sleep(0.05)
            (subscription,) = world.state.subscriptions.values()
            assert subscription.notification_url == f"http://127.0.0.1:{service.port}/api/notify"
            while len(found) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)  # the first scheduled run and the run after subscribing
            found.clear()
            folder = f"{ROOT_FOLDER}/{INSPECTION}/03 Records sample"
            answer = httpx.put(
                f"{emulator.base_url}/drives/{world.drive_id}/root:/{folder}/GM-0001 note.txt:"
                "/content",
                content=b"case file",
                timeout=30,
            )
            assert answer.status_code == 201, answer.text
            uploaded = datetime.now(UTC)
            while not found and time.monotonic() < deadline:
                time.sleep(0.05)
            assert found, lines
            source, outcome = found[0]
            assert source == "notified (changed)"
            rules = {(f.rule, f.path) for r in outcome.report.inspections for f in r.findings}
            assert ("records.unexpected", "03 Records sample/GM-0001 note.txt") in rules
            assert (outcome.report.generated_at - uploaded).total_seconds() < 60
        finally:
            if loops:
                loops[0].call_soon_threadsafe(service.stop)
            thread.join(30)
    assert not thread.is_alive()


def test_the_lifetime_is_counted_in_utc_across_the_clock_change(tmp_path: Path) -> None:
    # 28 September in BST; 42,295 minutes later is after the clocks go back in October.
    provisioned = make_world(tmp_path)
    receiver = Receiver()
    served = transport(
        provisioned.state, base_url="http://127.0.0.1/v1.0", notify_transport=receiver.transport()
    )
    settings = provisioned.settings().model_copy(
        update={"notify_url": SecretStr(URL), "notify_secret": SecretStr(SECRET)}
    )
    out = io.StringIO()
    run_subscribe(
        settings=settings,
        gateway_factory=lambda s: build_gateway(s, transport=served),
        store_factory=lambda _s: SqliteStore(tmp_path / "state.db"),
        now=lambda: IN_WINDOW,
        out=out,
    )
    assert ": created, subscription " in out.getvalue()
    (made,) = provisioned.state.subscriptions.values()
    assert made.expires - IN_WINDOW.astimezone(UTC) == LIFETIME
