"""Benchmark: a check cycle against a naive crawl, both on the in-process emulator; and what
following each finding's history costs a cycle.

32 inspections of 300 items each, every request delayed 20 ms by the emulator
(``latency:20ms``). spcheck's cycle (one delta read for the whole site, permissions
of the inspection folders in ``$batch`` requests, raw-bytes parsing) is measured on
a first (full) and a second (incremental, nothing changed) run. The baseline is
what a script written with the SDK's typed models would do: crawl every folder's
children page by page, then read every item's permissions one request at a time.

Content scanning is left out on both sides (``CycleOptions(content=False)``): its
cost is the same whichever way the drive is read, and bench/content_scan.py
measures it. Resource units and requests are counted by the emulator (server
side), so both sides are counted the same way.

The cost of history: 32 inspections with 1,000 open findings each (every file left
unscanned is a ``check.unverifiable`` finding), a first cycle to record them, then
incremental cycles with history (read the record, follow each finding, apply the
acceptances, write what changed: here nothing but the cycle count) and without it
(``CycleOptions(history=False)``, the cycle as it was before findings had a history),
alternated, both on the same state. Target: with history within 10% of without. Wall
and CPU time are printed, the best and the median of the rounds of each: on a shared
machine the best is the steadier figure, and CPU time leaves out what other processes
take.

The cost of the inspection team: the same 32 inspections of 300 items, today (contacts
only) and with a team of 40 in every definition (staff, scrutiny partners, associate
assessors, local record readers and volunteers), each outside the staff domains granted
what their role gives on the records and training folders. The permission sweep (a full
cycle: the inspection folders' permissions) is counted in resource units on both sides.
Target: with the team within 10% of today's units for the same items.

Run: .venv/bin/python bench/check_cycle.py [--inspections 32] [--items 300]
     [--findings 1000] [--rounds 5] [--team 40] [--skip-crawl] [--skip-history]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spcheck.emulator.inprocess import transport
from spcheck.emulator.seeds import ROOT_FOLDER, SITE, seed_empty
from spcheck.emulator.state import EmulatorState
from spcheck.graph.client import build_gateway
from spcheck.loader import load_all, load_policies
from spcheck.service import CycleOptions, run_cycle
from spcheck.settings import Settings
from spcheck.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1/v1.0"
FOLDERS = (
    "01 Pre-inspection return",
    "02 Position statement and evidence",
    "03 Records sample",
    "04 Records reserves",
    "05 Training materials (redacted)",
    "06 Staff survey",
    "99 SSO only",
)
DOMAIN = "bench-council.example"
AT = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def build_site(inspections: int, items: int, definitions: Path) -> EmulatorState:
    state = seed_empty(clock=lambda: AT)
    drive = next(iter(state.sites.values())).drive_id
    state.add_user(f"uploader@{DOMAIN}", "Bench Uploader")
    template = (ROOT / "inspections" / "examples" / "glenmorven-2026.yaml").read_text()
    for number in range(1, inspections + 1):
        ident = f"bench-{number:02d}"
        root = f"{ROOT_FOLDER}/{ident}"
        state.create_folder(drive, ROOT_FOLDER, ident)
        for name in FOLDERS:
            state.create_folder(drive, root, name)
        # Files spread over the partnership folders, a few per record folder.
        for index in range(items - len(FOLDERS) - 1):
            folder = FOLDERS[index % 5]
            state.upload(
                drive,
                f"{root}/{folder}",
                f"BN-{index:04d} file.txt",
                b"synthetic record text\n",
                user=f"uploader@{DOMAIN}",
                at=AT,
            )
        records = state.item_by_path(drive, f"{root}/03 Records sample")
        assert records is not None
        state.grant(drive, records.id, f"uploader@{DOMAIN}", ["write"])
        text = template.replace("sample: glenmorven-2026.sample.csv\n", "")
        text = text.replace("glenmorven-2026", ident)
        (definitions / f"{ident}.yaml").write_text(text)
    return state


def settings_for(definitions: Path, state_file: Path, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        auth="none",
        graph_url=BASE,
        site=SITE,
        root_folder=ROOT_FOLDER,
        inspections=definitions,
        policies=ROOT / "policies",
        state=f"sqlite:///{state_file}",
        ru_per_minute=100_000,
        concurrency=4,
        **extra,
    )


def counters(state: EmulatorState) -> tuple[int, int]:
    return state.stats.requests + state.stats.subrequests, state.stats.resource_units


async def spcheck_cycle(
    state: EmulatorState, settings: Settings, store_path: Path
) -> dict[str, Any]:
    loaded = load_all(settings.inspections, load_policies(settings.policies))
    app = transport(state, base_url=BASE, faults="latency:20ms", ru_per_minute=1_000_000)
    results = {}
    async with build_gateway(settings, transport=app) as gateway:
        with SqliteStore(store_path) as store:
            for label in ("full", "incremental"):
                before = counters(state)
                started = time.perf_counter()
                await run_cycle(
                    gateway,
                    store,
                    loaded,
                    settings,
                    options=CycleOptions(alerts=False, content=False),
                )
                wall = time.perf_counter() - started
                after = counters(state)
                results[label] = (wall, after[0] - before[0], after[1] - before[1])
    return results


async def naive_crawl(state: EmulatorState, settings: Settings) -> tuple[float, int, int, int]:
    """Typed SDK models, folder by folder, permissions item by item."""
    app = transport(state, base_url=BASE, faults="latency:20ms", ru_per_minute=1_000_000)
    before = counters(state)
    started = time.perf_counter()
    seen = 0
    async with build_gateway(settings, transport=app) as gateway:
        client = gateway.sdk
        site = await gateway.resolve_site()
        drive = client.drives.by_drive_id(site.drive_id)
        root = await drive.items.by_drive_item_id(f"root:/{ROOT_FOLDER}:").get()
        assert root is not None
        assert root.id is not None
        pending = [root.id]
        while pending:
            folder_id = pending.pop()
            builder = drive.items.by_drive_item_id(folder_id).children
            page = await builder.get()
            while page is not None:
                for item in page.value or []:
                    assert item.id is not None
                    seen += 1
                    await drive.items.by_drive_item_id(item.id).permissions.get()
                    if item.folder is not None:
                        pending.append(item.id)
                if not page.odata_next_link:
                    break
                page = await builder.with_url(page.odata_next_link).get()
    wall = time.perf_counter() - started
    after = counters(state)
    return wall, after[0] - before[0], after[1] - before[1], seen


def crawl(inspections: int, items: int, work: Path) -> None:
    """spcheck's cycle, full and incremental, against the naive crawl."""
    definitions = work / "inspections"
    definitions.mkdir()
    print(f"building {inspections} inspections x {items} items ...", flush=True)
    state = build_site(inspections, items, definitions)
    settings = settings_for(definitions, work / "state.db")
    ours = asyncio.run(spcheck_cycle(state, settings, work / "state.db"))
    naive_wall, naive_requests, naive_units, seen = asyncio.run(naive_crawl(state, settings))
    print(f"\nemulator latency 20 ms per request; {seen} items crawled by the baseline\n")
    print(f"{'':34}{'wall s':>10}{'requests':>10}{'RU':>10}")
    for label, (wall, requests, units) in ours.items():
        print(f"{'spcheck cycle, ' + label:34}{wall:10.2f}{requests:10d}{units:10d}")
    naive = "naive crawl (typed SDK models)"
    print(f"{naive:34}{naive_wall:10.2f}{naive_requests:10d}{naive_units:10d}")
    full_wall, _, full_units = ours["full"]
    print()
    print(
        f"full cycle: {full_units / naive_units:.1%} of the baseline's resource units "
        f"(target < 5%), {naive_wall / full_wall:.1f}x faster (target >= 10x)"
    )
    print(
        f"incremental cycle, nothing changed: {ours['incremental'][2]} resource units (target < 50)"
    )


# A team of 40 by role: (role, how many, folders granted directly, at a staff domain).
TEAM_SHAPE = (
    ("inspection-lead", 1, (), True),
    ("depute-lead", 1, (), True),
    ("sso", 2, (), True),
    ("scrutiny-partner", 12, ("03 Records sample", "04 Records reserves"), False),
    ("associate-assessor", 10, ("03 Records sample", "04 Records reserves"), False),
    ("young-inspection-volunteer", 4, (), False),
    ("local-record-reader", 10, ("05 Training materials (redacted)",), False),
)


def add_team(state: EmulatorState, definitions: Path, size: int) -> int:
    """A team of ``size`` (shaped as TEAM_SHAPE) in every definition, each member outside
    the staff domains granted their folders; the number of grants made."""
    drive = next(iter(state.sites.values())).drive_id
    shape = [(role, folders, staff) for role, n, folders, staff in TEAM_SHAPE for _ in range(n)]
    made = 0
    for path in sorted(definitions.glob("*.yaml")):
        ident = path.stem
        lines = ["team:"]
        for index in range(size):
            role, folders, staff = shape[index % len(shape)]
            domain = "careinspectorate.example" if staff else f"team{index % 5}.example"
            email = f"member{index:02d}.{ident}@{domain}"
            lines.append(f"  - {{name: Member {index:02d}, email: {email}, role: {role}}}")
            for folder in folders:
                item = state.item_by_path(drive, f"{ROOT_FOLDER}/{ident}/{folder}")
                assert item is not None
                state.grant(drive, item.id, email, ["read"])
                made += 1
        path.write_text(path.read_text() + "\n".join(lines) + "\n")
    return made


def team_cost(inspections: int, items: int, size: int, work: Path) -> None:
    """The permission sweep's resource units today and with a team of ``size``."""
    sides: dict[str, dict[str, Any]] = {}
    for label in ("today", "with team"):
        definitions = work / f"team-{label.replace(' ', '-')}"
        definitions.mkdir()
        print(f"building {inspections} inspections x {items} items ({label}) ...", flush=True)
        state = build_site(inspections, items, definitions)
        grants = add_team(state, definitions, size) if label == "with team" else 0
        store = work / f"{definitions.name}.db"
        sides[label] = asyncio.run(spcheck_cycle(state, settings_for(definitions, store), store))
        sides[label]["grants"] = grants
    print(
        f"\nteam of {size} in each of {inspections} inspections; "
        f"{sides['with team']['grants']} team grants on the folders"
    )
    print(f"{'':34}{'wall s':>10}{'requests':>10}{'RU':>10}")
    for label, side in sides.items():
        wall, requests, units = side["full"]
        print(f"{'permission sweep, ' + label:34}{wall:10.2f}{requests:10d}{units:10d}")
    today, team = sides["today"]["full"][2], sides["with team"]["full"][2]
    print(f"with team / today, resource units: {team / today:.3f} (target <= 1.10)")


Timings = dict[str, list[float]]


async def history_cost(
    state: EmulatorState, settings: Settings, store_path: Path, rounds: int
) -> tuple[Timings, Timings, int]:
    """Wall and CPU time of incremental cycles without and with history, alternated; and
    the number of open findings."""
    loaded = load_all(settings.inspections, load_policies(settings.policies))
    app = transport(state, base_url=BASE, faults="latency:20ms", ru_per_minute=1_000_000)
    without: Timings = {"wall": [], "cpu": []}
    with_history: Timings = {"wall": [], "cpu": []}
    async with build_gateway(settings, transport=app) as gateway:
        with SqliteStore(store_path) as store:
            first = await run_cycle(
                gateway, store, loaded, settings, options=CycleOptions(alerts=False, content=False)
            )
            open_findings = sum(len(result.findings) for result in first.report.inspections)
            for _ in range(rounds):
                for history, times in ((False, without), (True, with_history)):
                    options = CycleOptions(alerts=False, content=False, history=history)
                    started, cpu = time.perf_counter(), time.process_time()
                    await run_cycle(gateway, store, loaded, settings, options=options)
                    times["wall"].append(time.perf_counter() - started)
                    times["cpu"].append(time.process_time() - cpu)
    return without, with_history, open_findings


def report_history_cost(inspections: int, findings: int, rounds: int, work: Path) -> None:
    definitions = work / "history-inspections"
    definitions.mkdir()
    # One check.unverifiable per file (content is not scanned), plus a few per inspection.
    items = findings + len(FOLDERS) + 1
    print(f"\nbuilding {inspections} inspections x {findings} files for history ...", flush=True)
    state = build_site(inspections, items, definitions)
    settings = settings_for(definitions, work / "history.db")
    without, with_history, open_findings = asyncio.run(
        history_cost(state, settings, work / "history.db", rounds)
    )
    print(
        f"\nhistory: {open_findings} open findings over {inspections} inspections "
        f"({open_findings // inspections} each); {rounds} incremental cycles each way, alternated"
    )
    print(f"{'':34}{'wall best':>11}{'median':>9}{'cpu best':>11}{'median':>9}")
    for label, times in (("cycle without history", without), ("cycle with history", with_history)):
        wall, cpu = times["wall"], times["cpu"]
        print(
            f"{label:34}{min(wall):11.3f}{statistics.median(wall):9.3f}"
            f"{min(cpu):11.3f}{statistics.median(cpu):9.3f}"
        )
    for measure in ("wall", "cpu"):
        best = min(with_history[measure]) / min(without[measure])
        middle = statistics.median(with_history[measure]) / statistics.median(without[measure])
        print(
            f"with history / without, {measure}: {best:.3f} best, {middle:.3f} median "
            "(target <= 1.10)"
        )
    print(
        "On a shared machine the best of each is the steadier figure, and CPU time leaves out "
        "what other processes take."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inspections", type=int, default=32)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--findings", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--team", type=int, default=40, help="team members per inspection")
    parser.add_argument(
        "--skip-crawl", action="store_true", help="leave out the crawl and the team's cost"
    )
    parser.add_argument("--skip-history", action="store_true", help="leave out history")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="spcheck-bench-"))
    try:
        if not args.skip_crawl:
            crawl(args.inspections, args.items, work)
            team_cost(args.inspections, args.items, args.team, work)
        if not args.skip_history:
            report_history_cost(args.inspections, args.findings, args.rounds, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
