"""``spcheck emulator-fidelity TRACE``: replay a trace and list where the emulator differs.

Exit codes: 0 when every replayed exchange matched Graph's shape, 1 when something
differs, 2 when the file is not a trace. The coverage (which calls were replayed,
which were not and why) is printed with the differences, so a clean result on a
trace that replayed little is not mistaken for a clean bill.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from spcheck.fidelity.replay import EmulatorFactory, Outcome, fresh_emulator, replay_run
from spcheck.fidelity.trace_file import read_trace


def replay_trace(path: Path, make: EmulatorFactory = fresh_emulator) -> list[list[Outcome]]:
    """The outcomes of every run in the trace, each against its own fresh emulator."""
    runs = read_trace(path)

    async def all_runs() -> list[list[Outcome]]:
        return [await replay_run(run, make) for run in runs]

    return asyncio.run(all_runs())


def _as_json(path: Path, results: list[list[Outcome]], code: int) -> str:
    runs: list[dict[str, Any]] = []
    for outcomes in results:
        runs.append(
            {
                "exchanges": len(outcomes),
                "replayed": sum(1 for o in outcomes if o.replayed),
                "calls": sorted({o.exchange.label for o in outcomes if o.replayed}),
                "not_replayed": [
                    {"line": o.exchange.line, "call": o.exchange.label, "why": o.note}
                    for o in outcomes
                    if not o.replayed
                ],
                "differences": [
                    {
                        "line": o.exchange.line,
                        "call": o.exchange.label,
                        "kind": d.kind,
                        "where": d.where,
                        "graph": d.graph,
                        "emulator": d.emulator,
                    }
                    for o in outcomes
                    for d in o.differences
                ],
            }
        )
    return json.dumps({"trace": str(path), "exit_code": code, "runs": runs}, indent=2)


def _as_lines(path: Path, results: list[list[Outcome]], code: int) -> str:
    lines: list[str] = []
    total = 0
    for index, outcomes in enumerate(results, start=1):
        replayed = [o for o in outcomes if o.replayed]
        lines.append(
            f"run {index} of {len(results)}: {len(outcomes)} exchange(s), "
            f"{len(replayed)} replayed against a fresh emulator"
        )
        for outcome in outcomes:
            for difference in outcome.differences:
                total += 1
                where = f" {difference.where}" if difference.where else ""
                lines.append(
                    f"  ✗ line {outcome.exchange.line} {outcome.exchange.label}: "
                    f"{difference.kind}{where}: Graph {difference.graph}, "
                    f"emulator {difference.emulator}"
                )
        why = Counter((o.exchange.label, o.note) for o in outcomes if not o.replayed)
        for (call, note), count in sorted(why.items(), key=lambda item: str(item[0])):
            times = f" ({count}x)" if count > 1 else ""
            lines.append(f"  - not replayed{times}: {call}: {note}")
        calls = Counter(o.exchange.label.split("?")[0] for o in replayed)
        lines.append(
            "  calls compared: " + ", ".join(f"{c} ({n})" for c, n in sorted(calls.items()))
        )
    lines.append(f"emulator fidelity of {path}: {total} difference(s); exit {code}")
    return "\n".join(lines)


def run_fidelity(
    path: Path,
    fmt: str = "table",
    *,
    make: EmulatorFactory = fresh_emulator,
    out: TextIO | None = None,
) -> int:
    results = replay_trace(path, make)
    differs = any(o.differences for outcomes in results for o in outcomes)
    code = 1 if differs else 0
    stream = out or sys.stdout
    text = _as_json(path, results, code) if fmt == "json" else _as_lines(path, results, code)
    stream.write(text + "\n")
    return code
