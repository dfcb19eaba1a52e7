"""`spcheck subscribe` and `spcheck serve`: change notifications from the command line."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from spcheck.commands.check import LONDON, load_inspections, write_output
from spcheck.commands.provision import GatewayFactory
from spcheck.notify.clientstate import shown_id
from spcheck.settings import Settings, load_settings
from spcheck.store.records import Store


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run_subscribe(
    *,
    recreate: bool = False,
    remove: bool = False,
    settings: Settings | None = None,
    gateway_factory: GatewayFactory | None = None,
    store_factory: Callable[[str], Store] | None = None,
    now: Callable[[], dt.datetime] = _utc_now,
    out: TextIO | None = None,
) -> int:
    """Create, renew or recreate the site drive's subscription (or remove every one); one line
    per drive. A refusal by Graph is said in that line; the exit code stays 0, since checking
    goes on with the schedule."""
    from spcheck.graph.client import build_gateway
    from spcheck.notify.upkeep import keep_subscriptions, notify_config
    from spcheck.store.factory import open_store

    settings = settings or load_settings()
    settings.site_parts()
    config = notify_config(settings)
    make_gateway = gateway_factory or build_gateway
    open_state = store_factory or open_store
    stream = out or sys.stdout

    async def work() -> list[str]:
        async with make_gateway(settings) as gateway:
            with open_state(settings.state) as store:
                if remove:
                    lines = []
                    for record in store.drive_subscriptions():
                        if record.subscription_id is not None:
                            gone = await gateway.delete_subscription(record.subscription_id)
                            what = "deleted" if gone else "already gone"
                        else:
                            what = "none to delete"
                        store.remove_drive_subscription(record.drive_id)
                        lines.append(
                            f"drive {shown_id(record.drive_id)}: subscription {what}; "
                            "spcheck checks on its schedule alone"
                        )
                    return lines or ["no subscription recorded; nothing to remove"]
                outcomes = await keep_subscriptions(
                    gateway, store, config, now(), recreate=recreate
                )
                return [outcome.line(config) for outcome in outcomes]

    for line in asyncio.run(work()):
        print(line, file=stream, flush=True)
    return 0


def _say(line: str) -> None:
    stamp = dt.datetime.now(LONDON).strftime("%Y-%m-%d %H:%M")
    print(f"{stamp} {line}", flush=True)


def run_serve(
    *,
    host: str,
    port: int,
    out: Path | None,
    subscribe: bool,
    settings: Settings | None = None,
) -> int:
    """Receive change notifications and check what they announce until interrupted."""
    from spcheck.graph.client import build_gateway
    from spcheck.notify.serve import NotifyService, ServeOptions
    from spcheck.report.registry import renderer
    from spcheck.service import CycleOutcome
    from spcheck.store.factory import open_store

    settings = settings or load_settings()
    settings.site_parts()
    html = renderer("html")

    def write_report(outcome: CycleOutcome) -> None:
        if out is not None:
            write_output(html.render(outcome.report), out)

    service = NotifyService(
        settings,
        ServeOptions(host=host, port=port, out=out, subscribe=subscribe),
        gateway_factory=build_gateway,
        store_factory=open_store,
        inspections=lambda: load_inspections(settings, []),
        say=_say,
        write_report=write_report,
    )
    return asyncio.run(service.run())
