"""Benchmark (not a test): Graph reads through the gateway against the SDK's typed models,
and delta sync of a large drive, all against the in-process emulator.

Run by hand:

    .venv/bin/python bench/graph_reads.py   # 1,000-item folder, 10,000-item sync
    .venv/bin/python bench/graph_reads.py --items 2000 --folder-items 400 --rounds 3

Part 1 reads the same children pages both ways. The pages are recorded from the
emulator once and then replayed from memory, so the CPU measured is the
client's alone (adapter, middleware, parsing), not the emulator's rendering;
an end-to-end figure against the live emulator is printed too. Target: the
gateway at least 100 times cheaper per item than typed models.

Part 2 seeds a drive, runs a full delta sync, an incremental sync with nothing
changed (target: one request), and one after a few uploads, renames and
deletes, printing requests, resource units and wall time for each.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from spcheck.emulator.inprocess import transport as emulator_transport
from spcheck.emulator.seeds import DEMO_PARTNERSHIP_USERS, SITE_HOSTNAME, SITE_PATH, seed_demo
from spcheck.emulator.state import EmulatorState
from spcheck.graph.client import build_gateway
from spcheck.graph.gateway import GraphGateway
from spcheck.settings import Settings
from spcheck.store.memory import MemoryItemStore

BASE = "http://127.0.0.1/v1.0"
SITE = "emulator.sharepoint.example:/sites/inspections"
USER = DEMO_PARTNERSHIP_USERS[0][0]


def settings() -> Settings:
    return Settings(_env_file=None, auth="none", graph_url=BASE, site=SITE)


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests to the emulator and keeps each response body by URL."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.pages: dict[str, tuple[int, dict[str, str], bytes]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.pages[str(request.url)] = (response.status_code, dict(response.headers), body)
        return httpx.Response(response.status_code, headers=response.headers, content=body)


class Replayer(httpx.AsyncBaseTransport):
    """Answers from recorded pages: no server work inside the measurement."""

    def __init__(self, pages: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.pages = pages

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        status, headers, body = self.pages[str(request.url)]
        headers = {k: v for k, v in headers.items() if k.lower() != "content-encoding"}
        return httpx.Response(status, headers=headers, content=body)


async def gateway_children(gateway: GraphGateway, drive_id: str, folder_id: str) -> int:
    return len(await gateway.children(drive_id, folder_id))


async def sdk_children(gateway: GraphGateway, drive_id: str, folder_id: str) -> int:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.drives.item.items.item.children.children_request_builder import (
        ChildrenRequestBuilder,
    )

    builder = gateway.sdk.drives.by_drive_id(drive_id).items.by_drive_item_id(folder_id).children
    query = ChildrenRequestBuilder.ChildrenRequestBuilderGetQueryParameters(top=200)
    page = await builder.get(request_configuration=RequestConfiguration(query_parameters=query))
    count = 0
    while page is not None:
        count += len(page.value or [])
        if not page.odata_next_link:
            break
        page = await builder.with_url(page.odata_next_link).get()
    return count


Reader = Callable[[GraphGateway, str, str], Awaitable[int]]


async def cpu_per_item(
    make: Callable[[], GraphGateway], reader: Reader, drive_id: str, folder_id: str, rounds: int
) -> float:
    async with make() as gateway:
        await reader(gateway, drive_id, folder_id)  # warm: imports, first-use caches
        items = 0
        started = time.process_time()
        for _ in range(rounds):
            items += await reader(gateway, drive_id, folder_id)
        return (time.process_time() - started) / items


def drive_of(state: EmulatorState) -> str:
    site = state.site_by_path(SITE_HOSTNAME, SITE_PATH)
    if site is None:
        raise SystemExit("the emulator seed has no inspection site")
    return site.drive_id


def seed_folder(count: int) -> tuple[EmulatorState, str, str]:
    state = seed_demo()
    drive_id = drive_of(state)
    state.create_folder(drive_id, "Inspections", "bench-children")
    for n in range(count):
        state.upload(drive_id, "Inspections/bench-children", f"R-{n:05d}.docx", b"x", user=USER)
    folder = state.item_by_path(drive_id, "Inspections/bench-children")
    if folder is None:
        raise SystemExit("the benchmark folder was not created")
    return state, drive_id, folder.id


def part_one(folder_items: int, rounds: int) -> None:
    state, drive_id, folder_id = seed_folder(folder_items)
    recorder = Recorder(emulator_transport(state, base_url=BASE))

    async def record() -> None:
        async with build_gateway(settings(), transport=recorder) as gateway:
            await gateway_children(gateway, drive_id, folder_id)

    asyncio.run(record())

    def replayed() -> GraphGateway:
        return build_gateway(settings(), transport=Replayer(recorder.pages))

    def live() -> GraphGateway:
        return build_gateway(settings(), transport=emulator_transport(state, base_url=BASE))

    print(f"children of a {folder_items}-item folder, pages of 200, {rounds} round(s) each")
    rows = []
    ways = (("client only (replayed pages)", replayed), ("end to end (live emulator)", live))
    for label, make in ways:
        gate = asyncio.run(cpu_per_item(make, gateway_children, drive_id, folder_id, rounds))
        typed = asyncio.run(cpu_per_item(make, sdk_children, drive_id, folder_id, rounds))
        rows.append((label, gate, typed))
    for label, gate, typed in rows:
        print(
            f"  {label:30s} gateway {gate * 1e6:8.1f} us/item   "
            f"typed models {typed * 1e6:9.1f} us/item   ratio {typed / gate:6.1f}x"
        )


@dataclass
class SyncFigures:
    label: str
    requests: int
    resource_units: int
    wall: float
    added: int
    changed: int
    removed: int


def seed_drive(items: int) -> tuple[EmulatorState, str]:
    state = seed_demo()
    drive_id = drive_of(state)
    per_folder = 100
    folders = max(1, items // (per_folder + 1))
    made = 0
    for f in range(folders):
        state.create_folder(drive_id, "Inspections", f"case-{f:04d}")
        made += 1
        for n in range(per_folder):
            if made >= items:
                break
            state.upload(drive_id, f"Inspections/case-{f:04d}", f"R-{n:03d}.docx", b"x", user=USER)
            made += 1
    return state, drive_id


def part_two(items: int) -> None:
    state, drive_id = seed_drive(items)
    store = MemoryItemStore()
    transport = emulator_transport(state, base_url=BASE, ru_per_minute=1_000_000)
    figures: list[SyncFigures] = []

    async def runs() -> None:
        async with build_gateway(settings(), transport=transport) as gateway:

            async def one(label: str) -> None:
                before = gateway.stats()
                started = time.perf_counter()
                result = await gateway.sync(drive_id, store)
                wall = time.perf_counter() - started
                after = gateway.stats()
                figures.append(
                    SyncFigures(
                        label,
                        after.requests - before.requests,
                        after.resource_units - before.resource_units,
                        wall,
                        len(result.added),
                        len(result.changed),
                        len(result.removed),
                    )
                )

            await one("full")
            await one("incremental, nothing changed")
            for n in range(50):
                name = f"new-{n:02d}.docx"
                state.upload(drive_id, "Inspections/case-0000", name, b"y", user=USER)
            folder = state.item_by_path(drive_id, "Inspections/case-0001")
            doomed = state.item_by_path(drive_id, "Inspections/case-0002")
            if folder is None or doomed is None:
                raise SystemExit("the seeded case folders are missing")
            state.update_item(drive_id, folder.id, name="case-0001-renamed")
            state.delete_item(drive_id, doomed.id)
            await one("incremental, 50 up/1 rename/1 delete")

    asyncio.run(runs())
    stored = len(store.items(drive_id))
    print(f"delta sync of a drive with {stored} items stored at the end")
    for row in figures:
        print(
            f"  {row.label:38s} requests {row.requests:4d}  RU {row.resource_units:4d}  "
            f"wall {row.wall:7.3f} s  +{row.added} ~{row.changed} -{row.removed}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--folder-items", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    part_one(args.folder_items, args.rounds)
    part_two(args.items)


if __name__ == "__main__":
    main()
