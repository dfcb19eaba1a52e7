"""Soak: `spcheck watch` for a few hundred cycles, memory per cycle at the start and the end.

The watch loop runs in this process exactly as `spcheck watch` runs it
(``run_watch``: definitions re-read, one check cycle, the HTML report written),
against the Graph emulator served from a separate process (``spcheck emulator``),
so what is measured here is the watch alone. Between cycles (the watch's sleep,
replaced by a measurement) a file arrives in the records folder for the first
third of the run; then nothing changes. The emulator adds latency and some 429
and 503 answers.

Two measures each cycle, after a garbage collection: the memory Python has
allocated and still holds (tracemalloc) and the process's resident set (RSS, which
also holds the allocator's free lists). The figure that matters is the growth per
cycle after warm-up, from a straight line fitted to each phase's cycles: a watch
that runs for an inspection's 13 weeks at one cycle every ten minutes makes over
18,000 cycles, so even 10 KiB a cycle is 180 MiB. While files arrive the state
grows with them (the items, their content checks); once nothing changes, nothing
should.

Run: .venv/bin/python bench/watch_soak.py [--cycles 300] [--faults SPEC]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import logging
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from spcheck.commands.check import run_watch
from spcheck.commands.provision import run_provision
from spcheck.emulator.seeds import ROOT_FOLDER, SITE
from spcheck.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
INSPECTION = "glenmorven-2026"
UPLOADER = "morag.testperson@glenmorven-council.example"
RECORDS = f"{ROOT_FOLDER}/{INSPECTION}/03 Records sample"
# The Glenmorven example's access window is open on this day.
AS_OF = datetime(2026, 9, 28, 9, 0, tzinfo=UTC)
KIB = 1024


class Done(Exception):
    """Ends the watch loop after the last measured cycle."""


@dataclass
class Soak:
    cycles: int
    base_url: str
    arrivals: int
    tracemalloc: list[int] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    async def sleep(self, _interval: float) -> None:
        """Stands for the watch's sleep: measure, then let a file arrive."""
        gc.collect()
        self.tracemalloc.append(tracemalloc.get_traced_memory()[0])
        self.rss.append(resident_bytes())
        now = time.perf_counter()
        self.seconds.append(now - self.started)
        self.started = now
        done = len(self.tracemalloc)
        if done >= self.cycles:
            raise Done
        if done <= self.arrivals:
            await upload(self.base_url, f"GM-{2000 + done:04d} case file.txt")


def resident_bytes() -> int:
    """The resident set from /proc (Linux); the peak from getrusage elsewhere."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * KIB
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * KIB


async def get_json(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    for _ in range(20):
        reply = await client.get(url)
        if reply.status_code == 200:
            found: dict[str, Any] = reply.json()
            return found
    reply.raise_for_status()
    raise RuntimeError(f"{url}: HTTP {reply.status_code}")


async def upload(base_url: str, name: str) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        site = await get_json(client, f"{base_url}/sites/{SITE}")
        drive = await get_json(client, f"{base_url}/sites/{site['id']}/drive")
        url = f"{base_url}/drives/{drive['id']}/root:/{quote(RECORDS)}/{quote(name)}:/content"
        for _ in range(20):  # the emulator's injected faults hit the uploads too
            reply = await client.put(
                url,
                content=b"Synthetic case notes for the soak test.\n" * 20,
                headers={"X-Emulator-User": UPLOADER},
            )
            if reply.status_code not in (429, 500, 502, 503, 504):
                break
        reply.raise_for_status()


def start_emulator(faults: str) -> tuple[subprocess.Popen[str], str]:
    # Port 0: the system picks a free one, and the emulator prints it.
    code = (
        "import sys; from spcheck.emulator.server import serve; "
        "serve(port=0, seed='demo', faults=sys.argv[1] or None)"
    )
    command = [sys.executable, "-c", code, faults]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if "listening on " in line:
            return process, line.rsplit(" ", 1)[1].strip()
    raise RuntimeError("the emulator did not start")


def settings_for(work: Path, base_url: str) -> Settings:
    inspections = work / "inspections"
    inspections.mkdir()
    for name in (f"{INSPECTION}.yaml", f"{INSPECTION}.sample.csv"):
        shutil.copy(ROOT / "inspections" / "examples" / name, inspections / name)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        auth="none",
        graph_url=base_url,
        site=SITE,
        root_folder=ROOT_FOLDER,
        inspections=inspections,
        policies=ROOT / "policies",
        state=f"sqlite:///{work / 'state.db'}",
        ru_per_minute=100_000,
    )


def slope(values: Sequence[int]) -> float:
    """Least-squares growth per cycle."""
    count = len(values)
    if count < 2:
        return 0.0
    mean_x = (count - 1) / 2
    mean_y = sum(values) / count
    num = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    den = sum((x - mean_x) ** 2 for x in range(count))
    return num / den


def report(soak: Soak, window: int) -> None:
    print(f"{'cycle':>7}{'traced KiB':>14}{'RSS KiB':>12}{'s':>8}")
    shown = list(range(min(window, soak.cycles)))
    shown += [i for i in range(max(window, soak.cycles - window), soak.cycles)]
    for index in shown:
        if index == window and index < soak.cycles - window:
            print(f"{'...':>7}")
        print(
            f"{index + 1:7d}{soak.tracemalloc[index] / KIB:14.1f}"
            f"{soak.rss[index] / KIB:12.0f}{soak.seconds[index]:8.2f}"
        )
    print()
    # Warm-up: the first cycles of each phase fill caches, pools and the content cache.
    phases = (
        ("files arriving", window, soak.arrivals),
        ("nothing changing", soak.arrivals + window, soak.cycles),
    )
    for name, first, last in phases:
        traced, rss = soak.tracemalloc[first:last], soak.rss[first:last]
        if len(traced) < 2:
            continue
        print(
            f"{name} (cycles {first + 1}-{last}): traced memory {slope(traced) / KIB:+.2f} KiB "
            f"per cycle, RSS {slope(rss) / KIB:+.2f} KiB per cycle"
        )
    last = min(100, (soak.cycles - soak.arrivals) // 2)
    if last >= 2:
        print(
            f"the last {last} cycles: traced memory {slope(soak.tracemalloc[-last:]) / KIB:+.2f} "
            f"KiB per cycle, RSS {slope(soak.rss[-last:]) / KIB:+.2f} KiB per cycle"
        )
    idle = soak.tracemalloc[soak.arrivals + window :]
    if len(idle) >= 2 * window:
        head = sum(idle[:window]) / window
        tail = sum(idle[-window:]) / window
        print(
            f"traced memory while nothing changes, mean of the last {window} cycles against "
            f"the first {window}: {tail / KIB:.1f} KiB / {head / KIB:.1f} KiB = {tail / head:.3f}"
        )
        per_cycle = slope(soak.rss[soak.arrivals + window :])
        print(
            f"at the idle rate, 18,000 cycles (13 weeks, one every 10 minutes) add "
            f"{per_cycle * 18_000 / KIB / KIB:+.1f} MiB of RSS"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--faults", default="429:0.05,503:0.02,latency:2ms")
    parser.add_argument("--window", type=int, default=10, help="cycles shown at each end")
    args = parser.parse_args()
    # Retries of the injected 429s and 503s are expected here; the figures are what matters.
    logging.getLogger("spcheck.graph").setLevel(logging.ERROR)
    work = Path(tempfile.mkdtemp(prefix="spcheck-soak-"))
    emulator, base_url = start_emulator(args.faults)
    try:
        settings = settings_for(work, base_url)
        code = run_provision(
            INSPECTION, apply=True, settings=settings, as_of=AS_OF, out=io.StringIO()
        )
        if code != 0:
            raise SystemExit(f"provisioning the soak inspection failed (exit {code})")
        soak = Soak(cycles=args.cycles, base_url=base_url, arrivals=args.cycles // 3)
        print(
            f"{args.cycles} watch cycles against the emulator at {base_url} "
            f"(faults {args.faults or 'none'}); a file arrives each cycle for the first "
            f"{soak.arrivals}, then nothing changes",
            flush=True,
        )
        tracemalloc.start()
        out = work / "report.html"
        said = io.StringIO()
        with (
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(said),
            contextlib.suppress(Done),
        ):
            run_watch(interval=600, once=False, out=out, settings=settings, sleep=soak.sleep)
        tracemalloc.stop()
        failed = [line for line in said.getvalue().splitlines() if "cycle failed" in line]
        if failed:
            print(f"{len(failed)} cycle(s) failed, e.g. {failed[0]}")
        report(soak, args.window)
    finally:
        emulator.terminate()
        emulator.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
