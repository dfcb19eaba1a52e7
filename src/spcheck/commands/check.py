"""`spcheck check` and `spcheck watch`: check cycles against the configured site."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from spcheck.commands.progress import TerminalProgress
from spcheck.errors import InputError, ServiceUnavailable, error_line
from spcheck.loader import (
    LoadedInspection,
    find_inspection,
    load_all,
    load_inspection,
    load_policies,
    policies_dir,
)
from spcheck.outward import one_line
from spcheck.settings import Settings, load_settings
from spcheck.store.interface import StateDamaged

# A date given alone is read as the end of that working day, when an SSO reads the report.
END_OF_WORKING_DAY = dt.time(17, 0)
LONDON = ZoneInfo("Europe/London")


def parse_as_of(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime.combine(day, END_OF_WORKING_DAY, tzinfo=LONDON)
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"--as-of: {value!r} is not a date (YYYY-MM-DD) or ISO date-time"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)


def load_inspections(settings: Settings, ids: list[str]) -> list[LoadedInspection]:
    policies = load_policies(policies_dir(settings.policies))
    if not ids:
        loaded = load_all(settings.inspections, policies)
        if not loaded:
            raise InputError(
                f"SPCHECK_INSPECTIONS: no inspection definitions under {settings.inspections}"
            )
        return loaded
    return [load_inspection(find_inspection(settings.inspections, i), policies) for i in ids]


def write_output(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"--out: {out} cannot be written ({error.strerror})") from None


def run_check(
    inspection_ids: list[str],
    *,
    as_of: str | None,
    fmt: str,
    out: Path | None,
    gateway_options: dict[str, Any] | None = None,
    settings: Settings | None = None,
) -> int:
    """One check cycle; the exit code is 1 when the report holds error findings."""
    from spcheck.graph.client import build_gateway
    from spcheck.report.registry import renderer
    from spcheck.service import CycleOptions, run_cycle
    from spcheck.store.factory import open_store

    settings = settings or load_settings()
    settings.site_parts()
    loaded = load_inspections(settings, inspection_ids)
    render = renderer(fmt)  # an unknown format fails before any Graph call
    when = parse_as_of(as_of)
    # Replaying a past day must not alert anyone about today.
    report_at = str(out.resolve()) if out is not None else None
    options = CycleOptions(as_of=when, alerts=when is None, report_at=report_at)

    async def cycle() -> Any:
        async with build_gateway(settings, **(gateway_options or {})) as gateway:
            with open_store(settings.state) as store, TerminalProgress() as progress:
                return await run_cycle(
                    gateway, store, loaded, settings, options=options, progress=progress
                )

    outcome = asyncio.run(cycle())
    reconciled = outcome.reconciled.line()
    if reconciled:
        print(error_line(reconciled), file=sys.stderr)
    write_output(render.render(outcome.report), out)
    if out is not None:
        summary = outcome.report.summary
        print(
            f"spcheck: {summary.inspections} inspection(s), {summary.errors} error(s), "
            f"{summary.warnings} warning(s); report written to {out}",
            file=sys.stderr,
        )
    return 1 if outcome.report.summary.errors else 0


def cycle_line(outcome: Any) -> str:
    """One cycle in one line, as `spcheck watch` and `spcheck serve` print it."""
    summary = outcome.report.summary
    new = sum(len(a.new) for a in outcome.alerts)
    return (
        f"{summary.inspections} inspection(s): {summary.errors} error(s), "
        f"{summary.warnings} warning(s), {len(outcome.sync.touched)} changed item(s), "
        f"{new} new alert(s)"
    )


def _say(line: str) -> None:
    stamp = dt.datetime.now(LONDON).strftime("%Y-%m-%d %H:%M")
    print(f"{stamp} {one_line(line)}", file=sys.stderr, flush=True)


def run_watch(
    *,
    interval: float,
    once: bool,
    out: Path | None,
    gateway_options: dict[str, Any] | None = None,
    settings: Settings | None = None,
    sleep: Callable[[float], Any] = asyncio.sleep,
) -> int:
    """Check cycles every ``interval`` seconds, one line each; --once runs a single cycle.

    A cycle that fails on an outage, or a definition that stops loading, is reported on
    stderr and the watch goes on; a refused credential, a missing site, a broken
    setting or a damaged state file ends it (they do not mend themselves).
    """
    from spcheck.graph.client import build_gateway
    from spcheck.report.registry import renderer
    from spcheck.service import CycleOptions, run_cycle
    from spcheck.store.factory import open_store

    if interval < 10 and not once:
        raise InputError("--interval: at least 10 seconds between cycles")
    settings = settings or load_settings()
    settings.site_parts()
    html = renderer("html") if out is not None else None

    watching = CycleOptions(report_at=str(out.resolve()) if out is not None else None)

    async def loop() -> int:
        code = 0
        last_good: list[LoadedInspection] | None = None
        async with build_gateway(settings, **(gateway_options or {})) as gateway:
            with open_store(settings.state) as store:
                while True:
                    # Definitions are re-read each cycle: an SSO may add one while it runs.
                    # A mistake in one must not stop the watch: it is said, and the last
                    # definitions that loaded are checked until it is put right.
                    try:
                        loaded = load_inspections(settings, [])
                        last_good = loaded
                    except InputError as error:
                        if once or last_good is None:
                            raise
                        _say(f"refused: {error}; checking with the definitions last loaded")
                        loaded = last_good
                    try:
                        outcome = await run_cycle(
                            gateway, store, loaded, settings, options=watching
                        )
                    except ServiceUnavailable as error:
                        # An outage outlasting the retries costs one cycle, not the watch;
                        # a damaged state file does not mend by itself.
                        if once or isinstance(error, StateDamaged):
                            raise
                        _say(f"cycle failed: {error}; next try in {interval:g} s")
                        await sleep(interval)
                        continue
                    reconciled = outcome.reconciled.line()
                    if reconciled:
                        _say(reconciled)
                    summary = outcome.report.summary
                    stamp = outcome.report.generated_at.astimezone(LONDON).strftime(
                        "%Y-%m-%d %H:%M"
                    )
                    print(f"{stamp} {cycle_line(outcome)}", flush=True)
                    if html is not None and out is not None:
                        write_output(html.render(outcome.report), out)
                    code = 1 if summary.errors else 0
                    if once:
                        return code
                    await sleep(interval)

    return asyncio.run(loop())
