"""Benchmark: what keeping the sharing history costs, and a replay against a check of today.

The site of bench/check_cycle.py (32 inspections of 300 items, in-process emulator, no
latency) is checked once a day for a fortnight, each day a sweep that reads every
inspection folder's permissions, with a grant made and another taken away every
day so that the sharing history grows; the audit log holds 20 steps per inspection.
Then, with nothing new to read, cycles check today and replay the first week, five
of each, alternately. Content scanning is off on both sides (bench/content_scan.py measures it).

Printed: the sweeps' time and the part of it spent advancing the histories; the
check of today and the replay, and their ratio.

Run: .venv/bin/python bench/replay.py [--inspections 32] [--items 300] [--days 14]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from statistics import median
from typing import Any

from check_cycle import AT, BASE, DOMAIN, build_site, settings_for
from spcheck import service
from spcheck.emulator.inprocess import transport
from spcheck.graph.client import build_gateway
from spcheck.loader import load_all, load_policies
from spcheck.service import CycleOptions, run_cycle
from spcheck.store.records import AuditEntry, AuditResult
from spcheck.store.sqlite import SqliteStore

STEPS_PER_INSPECTION = 20
REPEATS = 5  # each side, alternately; the median is printed


def plant_audit(store: SqliteStore, inspections: list[str]) -> None:
    for ident in inspections:
        folder = f"Inspections/{ident}/03 Records sample"
        for step in range(STEPS_PER_INSPECTION):
            record = {"id": f"p{step}", "roles": ["write"], "kind": "person"}
            store.append(
                AuditEntry(
                    plan_id=f"plan-{ident}",
                    inspection_id=ident,
                    step=step,
                    action="grant",
                    actor="app:spcheck",
                    at=AT + timedelta(minutes=step),
                    result=AuditResult.OK,
                    path=folder,
                    email=f"person{step}@{DOMAIN}",
                    after=json.dumps([{**record, "email": f"person{step}@{DOMAIN}"}]),
                    requested_by="sso@careinspectorate.example",
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inspections", type=int, default=32)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--days", type=int, default=14)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="spcheck-bench-"))
    spent = [0.0]
    advance = service._histories

    def timed(*a: Any, **kw: Any) -> dict[str, str]:
        started = time.perf_counter()
        try:
            return advance(*a, **kw)
        finally:
            spent[0] += time.perf_counter() - started

    service._histories = timed  # type: ignore[assignment]
    try:
        definitions = work / "inspections"
        definitions.mkdir()
        print(f"building {args.inspections} inspections x {args.items} items ...", flush=True)
        moment = [AT]
        state = build_site(args.inspections, args.items, definitions)
        state.clock = lambda: moment[0]
        drive = next(iter(state.sites.values())).drive_id
        settings = settings_for(definitions, work / "state.db")
        loaded = load_all(settings.inspections, load_policies(settings.policies))
        idents = [item.inspection.id for item in loaded]
        for number in range(args.days):
            state.add_user(f"churn{number}@{DOMAIN}", f"Churn {number}")

        async def run() -> tuple[float, float, float]:
            app = transport(state, base_url=BASE, ru_per_minute=1_000_000)
            sweeps = 0.0
            async with build_gateway(settings, transport=app) as gateway:
                with SqliteStore(work / "state.db") as store:
                    plant_audit(store, idents)
                    for day in range(args.days):
                        moment[0] = AT + timedelta(days=day, hours=1)
                        for ident in idents:
                            folder = state.item_by_path(
                                drive, f"Inspections/{ident}/01 Pre-inspection return"
                            )
                            assert folder is not None
                            state.grant(drive, folder.id, f"churn{day}@{DOMAIN}", ["read"])
                            if day:
                                gone = next(
                                    p.id
                                    for p in folder.own_permissions
                                    if p.invitation_email == f"churn{day - 1}@{DOMAIN}"
                                    or (
                                        p.granted_to
                                        and p.granted_to.email == f"churn{day - 1}@{DOMAIN}"
                                    )
                                )
                                state.remove_permission(drive, folder.id, gone)
                        moment[0] = AT + timedelta(days=day, hours=2)
                        started = time.perf_counter()
                        await run_cycle(
                            gateway,
                            store,
                            loaded,
                            settings,
                            options=CycleOptions(alerts=False, content=False),
                            now=lambda: moment[0],
                        )
                        sweeps += time.perf_counter() - started
                    moment[0] += timedelta(minutes=5)  # nothing new to read
                    replayed_day = AT + timedelta(days=args.days // 2, hours=5)
                    timings: dict[str, list[float]] = {"today": [], "replay": []}
                    for _ in range(REPEATS):
                        for label, as_of in (("today", moment[0]), ("replay", replayed_day)):
                            started = time.perf_counter()
                            await run_cycle(
                                gateway,
                                store,
                                loaded,
                                settings,
                                options=CycleOptions(as_of=as_of, alerts=False, content=False),
                                now=lambda: moment[0],
                            )
                            timings[label].append(time.perf_counter() - started)
            return sweeps, median(timings["today"]), median(timings["replay"])

        sweeps, today, replayed = asyncio.run(run())
        print(
            f"\n{args.days} daily sweeps, {args.inspections} inspections: {sweeps:.2f} s, of which"
        )
        print(f"  advancing the sharing histories: {spent[0]:.2f} s ({spent[0] / sweeps:.1%})")
        print(f"{'':34}{'wall s':>10}  (median of {REPEATS}, alternately)")
        print(f"{'check of today':34}{today:10.2f}")
        print(f"{'replay of day ' + str(args.days // 2):34}{replayed:10.2f}")
        print(f"\nreplay / check of today: {replayed / today:.2f}x")
    finally:
        service._histories = advance  # type: ignore[assignment]
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
