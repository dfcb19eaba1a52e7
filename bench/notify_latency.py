"""Benchmark: from an upload to its finding, through change notifications, against a 15-minute
timer, both on the in-process emulator with 20 ms of latency on every Graph request.

The site: 32 inspections (the Glenmorven example's definition and sample list under other
ids), provisioned folders, no files. The stream: 200 events over 10 minutes of emulator
time at seeded random moments: 170 uploads of expected records and documents, 20 records
not on the sample list (``records.unexpected``) and 10 anonymous sharing links on
records folders (``permission.anonymous_link``), spread over the inspections.

Notified side: ``spcheck serve``'s service (``notify.serve.NotifyService``) in process,
its receiver reached by the emulator through an ASGI transport, the debounce at its
default (5 s), the subscription made at start with ``Prefer: includesecuritywebhooks``.
Events are played over HTTP (uploads as a partnership user, links as the app) so the
emulator notifies as Graph does, one notification per change.

Time: the emulator's clock runs ``--speed`` times faster than the wall clock (default
10: the 10 minutes of events are played in 60 s of wall time; ``--speed 1`` plays them in
real time). Compression packs ten times more events into each debounce window and each
cycle, so it is the harder case for the notified side. The latency reported is wall
time from the moment the emulator answered the upload (or link) until the cycle that
reports its finding returned: debounce, queueing behind the previous cycle, delta,
downloads, scanning and rules included.

Timer side: a second, identical site gets the same events at the same emulator times
(planted directly, at their moments); a check cycle (``run_cycle``, as the Function's
timer message or ``spcheck watch`` runs it) runs every 15 minutes of emulator time from
a seeded random phase, until every event has been seen. Its latency for an event is the
real time a 15-minute timer would take: from the event to the next tick, plus the wall
time that tick's cycle took.

Requests and resource units are counted by the emulator (server side) on both sides.
"Nothing else changed": after the stream, Graph's notifications with no change behind
them (``state.notify_drive``), singly and in bursts of ten, and the requests each
collapsed notification cost.

Run: .venv/bin/python bench/notify_latency.py [--speed 10] [--events 200] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

# Run as a script, bench/ is on the path: the site and settings are check_cycle's.
from check_cycle import BASE, FOLDERS, ROOT, counters, settings_for
from spcheck.emulator.inprocess import transport
from spcheck.emulator.seeds import ROOT_FOLDER, seed_empty
from spcheck.emulator.state import EmulatorState
from spcheck.graph.client import build_gateway
from spcheck.graph.interface import Gateway
from spcheck.loader import LoadedInspection, load_all, load_policies
from spcheck.notify.serve import NotifyService, ServeOptions
from spcheck.service import CycleOptions, CycleOutcome, run_cycle
from spcheck.settings import Settings
from spcheck.store.sqlite import SqliteStore

RECEIVER = "http://127.0.0.1:8080/api/notify?code=bench-function-key"
SECRET = "a-benchmark-secret-of-at-least-32-characters"
DOMAIN = "glenmorven-council.example"
UPLOADER = f"bench.uploader@{DOMAIN}"
START = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)  # Monday of week 5, 09:00 in London
WINDOW = timedelta(minutes=10)
TIMER = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Event:
    at: float  # seconds of emulator time after START
    inspection: str
    kind: str  # upload, unexpected, link
    name: str  # file name, or the folder a link is put on


@dataclass
class Seen:
    """When each tracked event happened (wall) and when its finding was first reported."""

    happened: dict[int, float] = field(default_factory=dict)
    found: dict[int, float] = field(default_factory=dict)


def sample_rows() -> list[tuple[str, str]]:
    rows = (ROOT / "inspections" / "examples" / "glenmorven-2026.sample.csv").read_text()
    return [(line.split(",")[0], line.split(",")[1]) for line in rows.splitlines()[1:] if line]


def build_site(count: int, definitions: Path, clock: Callable[[], datetime]) -> EmulatorState:
    state = seed_empty(clock=clock)
    drive = next(iter(state.sites.values())).drive_id
    state.add_user(UPLOADER, "Bench Uploader")
    template = (ROOT / "inspections" / "examples" / "glenmorven-2026.yaml").read_text()
    sample = (ROOT / "inspections" / "examples" / "glenmorven-2026.sample.csv").read_text()
    for number in range(1, count + 1):
        ident = f"bench-{number:02d}"
        state.create_folder(drive, ROOT_FOLDER, ident)
        for name in FOLDERS:
            state.create_folder(drive, f"{ROOT_FOLDER}/{ident}", name)
        root = state.item_by_path(drive, f"{ROOT_FOLDER}/{ident}")
        assert root is not None
        state.grant(drive, root.id, UPLOADER, ["write"])
        (definitions / f"{ident}.yaml").write_text(template.replace("glenmorven-2026", ident))
        (definitions / f"{ident}.sample.csv").write_text(sample)
    return state


def make_events(count: int, inspections: int, seed: int) -> list[Event]:
    chosen = random.Random(seed)
    listed = {ident for ident, _ in sample_rows()}
    expected = sorted(ident for ident, kind in sample_rows() if kind == "sample")
    outside = (f"GM-{n}" for n in range(8000, 10_000) if f"GM-{n}" not in listed)
    kinds = ["unexpected"] * 20 + ["link"] * 10
    kinds += ["upload"] * max(count - len(kinds), 0)
    kinds = kinds[:count]
    chosen.shuffle(kinds)
    moments = sorted(chosen.uniform(0, WINDOW.total_seconds()) for _ in kinds)
    events = []
    for index, (kind, at) in enumerate(zip(kinds, moments, strict=True)):
        inspection = f"bench-{chosen.randint(1, inspections):02d}"
        if kind == "unexpected":
            name = f"03 Records sample/{next(outside)} chronology.txt"
        elif kind == "link":
            name = "03 Records sample"
        else:
            folder = chosen.choice(
                ("03 Records sample", "01 Pre-inspection return", "06 Staff survey")
            )
            stem = chosen.choice(expected) if folder.startswith("03") else f"document-{index}"
            name = f"{folder}/{stem} {index}.txt"
        events.append(Event(at, inspection, kind, name))
    return events


def expected_finding(event: Event) -> tuple[str, str] | None:
    if event.kind == "unexpected":
        return ("records.unexpected", event.name)
    if event.kind == "link":
        return ("permission.anonymous_link", event.name)
    return None


def findings_of(outcome: CycleOutcome) -> set[tuple[str, str, str | None]]:
    return {
        (result.id, finding.rule, finding.path)
        for result in outcome.report.inspections
        for finding in result.findings
    }


def match(outcome: CycleOutcome, events: list[Event], seen: Seen, at: float) -> None:
    present = findings_of(outcome)
    for index, event in enumerate(events):
        wanted = expected_finding(event)
        if wanted is None or index in seen.found or index not in seen.happened:
            continue
        if (event.inspection, *wanted) in present:
            seen.found[index] = at


def quantiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (float("nan"),) * 3
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


# --- notified side -----------------------------------------------------------------------------


async def notified_side(
    work: Path, events: list[Event], inspections: int, speed: float
) -> dict[str, Any]:
    definitions = work / "notified-inspections"
    definitions.mkdir()
    wall0 = [time.perf_counter()]

    def clock() -> datetime:
        return START + timedelta(seconds=(time.perf_counter() - wall0[0]) * speed)

    state = build_site(inspections, definitions, clock)
    drive = next(iter(state.sites.values())).drive_id
    settings = settings_for(
        definitions,
        work / "notified.db",
        notify_url=SecretStr(RECEIVER),
        notify_secret=SecretStr(SECRET),
    )
    loaded: list[LoadedInspection] = load_all(definitions, load_policies(settings.policies))
    seen = Seen()
    runs: list[str] = []

    def on_cycle(source: str, outcome: CycleOutcome) -> None:
        runs.append(source)
        match(outcome, events, seen, time.perf_counter())

    holder: dict[str, Any] = {}

    def gateway(config: Settings) -> Gateway:
        return build_gateway(config, transport=holder["emulator"])

    service = NotifyService(
        settings,
        ServeOptions(listen=False, schedule_every=24 * 3600.0),
        gateway_factory=gateway,
        store_factory=lambda _s: SqliteStore(work / "notified.db"),
        inspections=lambda: loaded,
        say=lambda line: None,
        now=clock,
        on_cycle=on_cycle,
    )
    emulator = transport(
        state,
        base_url=BASE,
        faults="latency:20ms",
        ru_per_minute=1_000_000,
        notify_transport=httpx.ASGITransport(app=service.app),
    )
    holder["emulator"] = emulator
    notifier = emulator.app.emulator.notifier
    task = asyncio.create_task(service.run())

    async def settle() -> None:
        while True:
            await notifier.drain()
            await service.queue.join()
            await asyncio.sleep(0.05)
            if not state.outbox and service.queue._unfinished == 0:
                return

    await service.ready.wait()
    while len(runs) < 2:  # the first scheduled run and the run after subscribing
        await asyncio.sleep(0.05)
    await settle()
    runs.clear()
    before = counters(state)
    notifications_before = state.notifications.delivered
    client = httpx.AsyncClient(transport=emulator, base_url=BASE)
    wall0[0] = time.perf_counter()  # emulator time START is now
    for index, event in enumerate(events):
        delay = wall0[0] + event.at / speed - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        path = f"{ROOT_FOLDER}/{event.inspection}/{event.name}"
        if event.kind == "link":
            folder = state.item_by_path(drive, path)
            assert folder is not None
            answer = await client.post(
                f"/drives/{drive}/items/{folder.id}/createLink",
                json={"type": "view", "scope": "anonymous"},
            )
        else:
            answer = await client.put(
                f"/drives/{drive}/root:/{path}:/content",
                content=f"Case file {index}: chronology, assessment and plan.\n".encode(),
                headers={"X-Emulator-User": UPLOADER},
            )
        assert answer.status_code in (200, 201), answer.text
        seen.happened[index] = time.perf_counter()
    played = time.perf_counter() - wall0[0]
    await settle()
    stream_requests, stream_units = (a - b for a, b in zip(counters(state), before, strict=True))
    # The requests the event playback itself made are not spcheck's.
    stream_requests -= len(events)
    stream_units -= sum(5 if e.kind == "link" else 2 for e in events)
    stream_runs = len(runs)
    delivered = state.notifications.delivered - notifications_before

    # Nothing else changed: single notifications, then bursts of ten.
    quiet: dict[str, tuple[int, int, int]] = {}
    for label, burst in (("single notifications", 1), ("bursts of ten", 10)):
        runs.clear()
        start = counters(state)
        for _ in range(10):
            for _ in range(burst):
                state.notify_drive(drive)
            await settle()
        requests, units = (a - b for a, b in zip(counters(state), start, strict=True))
        quiet[label] = (len(runs), requests, units)
    await client.aclose()
    service.stop()
    await task
    latencies = [seen.found[i] - seen.happened[i] for i in seen.found]
    missing = [i for i, e in enumerate(events) if expected_finding(e) and i not in seen.found]
    return {
        "latencies": latencies,
        "missing": missing,
        "played": played,
        "runs": stream_runs,
        "requests": stream_requests,
        "units": stream_units,
        "delivered": delivered,
        "quiet": quiet,
    }


# --- timer side --------------------------------------------------------------------------------


async def timer_side(
    work: Path, events: list[Event], inspections: int, seed: int
) -> dict[str, Any]:
    definitions = work / "timer-inspections"
    definitions.mkdir()
    moment = [START]
    state = build_site(inspections, definitions, lambda: moment[0])
    drive = next(iter(state.sites.values())).drive_id
    settings = settings_for(definitions, work / "timer.db")
    loaded = load_all(definitions, load_policies(settings.policies))
    phase = random.Random(seed).uniform(0, TIMER.total_seconds())
    emulator = transport(state, base_url=BASE, faults="latency:20ms", ru_per_minute=1_000_000)
    seen = Seen()
    cycles: list[tuple[float, int, int]] = []
    async with build_gateway(settings, transport=emulator) as gateway:
        with SqliteStore(work / "timer.db") as store:
            await run_cycle(gateway, store, loaded, settings, options=CycleOptions(alerts=False))
            tick = phase
            pending = list(range(len(events)))
            while pending:
                for index in [i for i in pending if events[i].at <= tick]:
                    event = events[index]
                    moment[0] = START + timedelta(seconds=event.at)
                    path = f"{ROOT_FOLDER}/{event.inspection}/{event.name}"
                    if event.kind == "link":
                        folder = state.item_by_path(drive, path)
                        assert folder is not None
                        state.create_link(drive, folder.id, "view", "anonymous")
                    else:
                        parent, _, name = path.rpartition("/")
                        state.upload(
                            drive, parent, name, f"Case file {index}.\n".encode(), user=UPLOADER
                        )
                    seen.happened[index] = event.at
                    pending.remove(index)
                moment[0] = START + timedelta(seconds=tick)
                before = counters(state)
                started = time.perf_counter()
                outcome = await run_cycle(
                    gateway,
                    store,
                    loaded,
                    settings,
                    options=CycleOptions(alerts=False),
                    now=lambda: moment[0],
                )
                took = time.perf_counter() - started
                requests, units = (a - b for a, b in zip(counters(state), before, strict=True))
                cycles.append((took, requests, units))
                match(outcome, events, seen, tick + took)
                tick += TIMER.total_seconds()
    latencies = [seen.found[i] - seen.happened[i] for i in seen.found]
    return {"latencies": latencies, "cycles": cycles, "phase": phase}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inspections", type=int, default=32)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="spcheck-bench-notify-"))
    try:
        events = make_events(args.events, args.inspections, args.seed)
        tracked = sum(1 for e in events if expected_finding(e))
        print(
            f"{args.inspections} inspections; {len(events)} events over "
            f"{WINDOW.total_seconds() / 60:g} minutes of emulator time ({tracked} with a finding: "
            f"{sum(e.kind == 'unexpected' for e in events)} unexpected records, "
            f"{sum(e.kind == 'link' for e in events)} anonymous links); emulator latency 20 ms; "
            f"emulator time {args.speed:g}x wall time",
            flush=True,
        )
        ours = asyncio.run(notified_side(work, events, args.inspections, args.speed))
        timer = asyncio.run(timer_side(work, events, args.inspections, args.seed))
        n50, n95, nmax = quantiles(ours["latencies"])
        t50, t95, tmax = quantiles(timer["latencies"])
        print(
            f"\nevents played in {ours['played']:.1f} s of wall time; "
            f"{ours['delivered']} notifications delivered, {ours['runs']} notified runs"
        )
        print(f"\n{'upload to finding, seconds':38}{'p50':>9}{'p95':>9}{'max':>9}{'found':>8}")
        print(
            f"{'change notifications (wall)':38}{n50:9.1f}{n95:9.1f}{nmax:9.1f}"
            f"{len(ours['latencies']):5d}/{tracked}"
        )
        print(
            f"{'15-minute timer (real time)':38}{t50:9.1f}{t95:9.1f}{tmax:9.1f}"
            f"{len(timer['latencies']):5d}/{tracked}"
        )
        print(
            f"\np95 ratio timer / notifications: {t95 / n95:.1f}x "
            "(target: notified p95 under 60 s)"
        )
        if ours["missing"]:
            print(f"NOT FOUND by the notified side: events {ours['missing']}")
        runs = max(ours["runs"], 1)
        cycles = timer["cycles"]
        timer_requests = sum(c[1] for c in cycles)
        timer_units = sum(c[2] for c in cycles)
        print(f"\n{'Graph cost':38}{'requests':>10}{'RU':>10}{'per upload':>12}")
        print(
            f"{'notified: whole stream':38}{ours['requests']:10d}{ours['units']:10d}"
            f"{ours['requests'] / len(events):9.2f} req"
        )
        print(
            f"{'notified: per collapsed notification':38}{ours['requests'] / runs:10.1f}"
            f"{ours['units'] / runs:10.1f}"
        )
        label = f"timer: {len(cycles)} cycle(s) (phase {timer['phase']:.0f} s)"
        print(
            f"{label:38}{timer_requests:10d}{timer_units:10d}"
            f"{timer_requests / len(events):9.2f} req"
        )
        print(
            f"{'timer: per cycle':38}{timer_requests / len(cycles):10.1f}"
            f"{timer_units / len(cycles):10.1f}"
        )
        print("\nnothing else changed (10 rounds each):")
        for label, (count, requests, units) in ours["quiet"].items():
            per = requests / max(count, 1)
            print(
                f"  {label:24} {count:3d} notified runs, {requests:3d} requests, {units:3d} RU: "
                f"{per:.1f} request(s) per collapsed notification (target <= 2)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
