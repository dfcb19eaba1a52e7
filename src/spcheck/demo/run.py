"""`spcheck demo [--out DIR] [--as-of DATE]`: the whole lifecycle on the built-in emulator.

Provision three inspections (showing each plan, then applying it), play what their
partnerships upload as the contacts themselves and the steps the SSO attests as they
happen, run yesterday's check cycle, accept one finding as the SSO would after reading
it, run today's check cycle, and write ``report.html``, ``report.json`` and
``report.md`` with the state file ``state.db`` into DIR. No tenant and no settings:
nothing is read from SPCHECK_ variables or .env.

Exit 0 when the demo ran (the error findings are the story, not a failure); 2 for a
bad ``--out`` or ``--as-of``; 3 if the emulator refused a step of the story.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO, cast

from rich.console import Console
from rich.table import Table

from spcheck.demo.schedule import (
    LONDON,
    PROGRAMME,
    Delivery,
    Grant,
    Scene,
    demo_moment,
    stage,
    write_definitions,
)
from spcheck.demo.story import SSO, STORY
from spcheck.demo.world import DemoWorld, StoryFailed
from spcheck.domain.findings import Severity
from spcheck.domain.policy import Policy
from spcheck.errors import InputError, SpcheckError, error_line
from spcheck.loader import load_all, load_policies, packaged_policies
from spcheck.report.interface import Report

DEFAULT_OUT = Path("spcheck-demo")
STATE_FILE = "state.db"
REPORTS = (("html", "report.html"), ("json", "report.json"), ("md", "report.md"))
# Dates the holiday calendar and the story's arithmetic are meant for.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def parse_demo_date(value: str | None) -> dt.date | None:
    """``--as-of YYYY-MM-DD`` for the demo; None means today in Europe/London."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--as-of: {value!r} is not a date (YYYY-MM-DD)") from None


def run_demo(
    out: Path = DEFAULT_OUT,
    as_of: dt.date | None = None,
    *,
    console: Console | None = None,
    err: TextIO | None = None,
) -> int:
    """Run the demo into ``out``; the exit code (0 ran, 2 bad input, 3 the story failed)."""
    console = console or Console()
    try:
        _run(out, as_of or dt.datetime.now(LONDON).date(), console)
    except SpcheckError as error:
        print(error_line(error), file=err or sys.stderr)
        return error.exit_code
    return 0


def _prepare(out: Path, day: dt.date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise InputError(f"--as-of: {day.isoformat()} is outside {EARLIEST.year}-{LATEST.year}")
    if out.exists() and not out.is_dir():
        raise InputError(f"--out: {out} exists and is not a directory")
    state = out / STATE_FILE
    try:
        out.mkdir(parents=True, exist_ok=True)
        if state.exists() and not _is_spcheck_state(state):
            raise InputError(
                f"--out: {state} is not spcheck's state file; it is left as it is: "
                "choose another directory"
            )
        # A second run starts afresh: the emulator is new, so the old state would not match.
        for suffix in ("", "-wal", "-shm", "-journal"):
            (out / f"{STATE_FILE}{suffix}").unlink(missing_ok=True)
    except OSError as error:
        raise InputError(f"--out: {out} cannot be used ({error.strerror})") from None


def _is_spcheck_state(path: Path) -> bool:
    """An SQLite file whose header carries spcheck's application id (or an empty file)."""
    from spcheck.store.migrations import APPLICATION_ID

    with path.open("rb") as handle:
        header = handle.read(100)
    if not header:
        return True
    return (
        header.startswith(b"SQLite format 3\x00")
        and int.from_bytes(header[68:72], "big") == APPLICATION_ID
    )


def _run(out: Path, day: dt.date, console: Console) -> None:
    _prepare(out, day)
    policies_path = packaged_policies()
    policy = load_policies(policies_path)[PROGRAMME]
    moment = demo_moment(day)
    scenes = [stage(chapter, moment, policy) for chapter in STORY]
    with tempfile.TemporaryDirectory(prefix="spcheck-demo-") as tmp:
        definitions = Path(tmp)
        write_definitions(scenes, definitions)
        world = DemoWorld.create(
            definitions=definitions,
            policies=policies_path,
            state_file=out / STATE_FILE,
            start=min(scene.provision_at for scene in scenes) - dt.timedelta(weeks=1),
        )
        _introduce(console, scenes, moment)
        for scene in scenes:
            _provision(console, world, scene)
        _play(console, world, scenes, policy)
        for scene in scenes:
            if scene.team_provision_at is not None:
                _provision(console, world, scene, scene.team_provision_at, "the team")
        _attest(console, world, scenes)
        yesterday = moment - dt.timedelta(days=1)
        _check(console, world, yesterday, label="yesterday's check")
        _accept(console, world, scenes, moment.replace(hour=9, minute=0))
        report = _check(console, world, moment, label="today's check")
    paths = _write_reports(out, report)
    _summarise(console, scenes, report, paths, out / STATE_FILE)


# --- telling the story ------------------------------------------------------------------------


def _when(moment: dt.datetime) -> str:
    local = moment.astimezone(LONDON)
    return local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or "")


def _introduce(console: Console, scenes: Sequence[Scene], moment: dt.datetime) -> None:
    console.print(
        f"[bold]spcheck demo[/bold]: three inspections on the built-in Graph emulator "
        f"(no tenant), as of {_when(moment)}"
    )
    for scene in scenes:
        console.print(
            f"[bold]{scene.chapter.key} {scene.inspection_id}[/bold]: "
            f"{scene.chapter.partnership.name}, notified {scene.notified:%a %d %b %Y}\n"
            f"  {scene.chapter.stage}",
            highlight=False,
        )


def _provision(
    console: Console,
    world: DemoWorld,
    scene: Scene,
    when: dt.datetime | None = None,
    what: str = "",
) -> None:
    from spcheck.commands.provision import run_provision
    from spcheck.store.factory import open_store
    from spcheck.store.records import AuditResult

    inspection_id = scene.inspection_id
    when = when or scene.provision_at
    world.clock.set(when)
    week = (when.date() - scene.notified).days // 7
    purpose = f", {what}" if what else ""
    console.rule(f"$ spcheck provision {inspection_id}   ({_when(when)}, week {week}{purpose})")
    with open_store(world.settings.state) as store:
        before = sum(1 for e in store.entries(inspection_id) if e.result is AuditResult.OK)
    errors = io.StringIO()

    def provision(*, apply: bool, out: TextIO) -> int:
        return run_provision(
            inspection_id,
            apply=apply,
            as_of=when,
            settings=world.settings,
            gateway_factory=world.gateway,
            out=out,
            err=errors,
            clock=world.clock,
        )

    # The plan as `spcheck provision ID` shows it; then --apply, whose own report is
    # left out: the audit count below says what it did.
    code = provision(apply=False, out=cast(TextIO, console.file))
    if code == 0:
        code = provision(apply=True, out=io.StringIO())
    if code != 0:
        raise StoryFailed(
            f"demo: provisioning {inspection_id} failed (exit {code}): {errors.getvalue().strip()}"
        )
    with open_store(world.settings.state) as store:
        done = sum(1 for e in store.entries(inspection_id) if e.result is AuditResult.OK) - before
    console.print(
        f"$ spcheck provision {inspection_id} --apply: [green]applied[/green] {done} change(s), "
        "verified"
    )


def _play(console: Console, world: DemoWorld, scenes: Sequence[Scene], policy: Policy) -> None:
    console.rule("the partnerships upload, as their contacts, in the weeks of the story")
    happenings = [
        (item.at, world.folder_path(scene, policy, item.folder), item)
        for scene in scenes
        for item in scene.happenings()
    ]
    happenings.sort(key=lambda happening: happening[0])

    async def play() -> None:
        async with world.client() as client:
            for _, folder, item in happenings:
                if isinstance(item, Delivery):
                    await world.upload(client, folder, item)
                elif isinstance(item, Grant):
                    world.plant_grant(folder, item)
                else:
                    world.plant_link(folder, item)

    asyncio.run(play())
    for scene in scenes:
        chapter = scene.chapter
        weeks = sorted({(d.at.date() - scene.notified).days // 7 for d in scene.deliveries})
        span = f"week {weeks[0]}" if weeks[0] == weeks[-1] else f"weeks {weeks[0]} to {weeks[-1]}"
        people = len({d.by for d in scene.deliveries})
        console.print(
            f"{chapter.key} {scene.inspection_id}: {len(scene.deliveries)} file(s) by "
            f"{people} contact(s), {span}"
        )
        for link in scene.links:
            console.print(
                f"  and someone shared {policy.folder(link.folder).name} in SharePoint with an "
                f"{link.scope} {link.link_type} link ({_when(link.at)})"
            )
        for grant in scene.grants:
            console.print(
                f"  and someone re-shared {policy.folder(grant.folder).name} with a contact from "
                f"SharePoint, {grant.role}, with no expiry ({_when(grant.at)})"
            )
        if chapter.week > policy.access.revoke_after.week:
            console.print(
                "  and nobody offboarded the partnership when the access window closed "
                "(spcheck's grants expired with it)"
            )


def _attest(console: Console, world: DemoWorld, scenes: Sequence[Scene]) -> None:
    from spcheck.commands.attest import run_attest

    console.rule("the SSO records the steps that are not uploads, as they happen")
    steps = sorted(
        ((step.at, scene.inspection_id, step) for scene in scenes for step in scene.attestations),
        key=lambda entry: entry[:2],
    )
    for at, inspection_id, step in steps:
        out, errors = io.StringIO(), io.StringIO()
        code = run_attest(
            inspection_id,
            step.milestone,
            value=step.value,
            note=step.note or None,
            settings=world.settings,
            by=SSO,
            now=_at(at),
            out=out,
            err=errors,
        )
        if code != 0:
            raise StoryFailed(f"demo: attesting {step.milestone} failed: {errors.getvalue()}")
        value = f" --value {step.value}" if step.value is not None else ""
        console.print(
            f"{_when(at)}  $ spcheck attest {inspection_id} {step.milestone}{value}",
            highlight=False,
        )


def _at(moment: dt.datetime) -> Callable[[], dt.datetime]:
    """A clock stopped at ``moment``: the story's time, not the demo's."""
    return lambda: moment


def _accept(console: Console, world: DemoWorld, scenes: Sequence[Scene], at: dt.datetime) -> None:
    from spcheck.commands.accept import run_accept

    for scene in scenes:
        for acceptance in scene.acceptances:
            console.rule(
                f"$ spcheck accept {scene.inspection_id} {acceptance.rule} "
                f"--location '{acceptance.location}' --reason ...   ({_when(at)})"
            )
            out, errors = io.StringIO(), io.StringIO()
            code = run_accept(
                scene.inspection_id,
                acceptance.rule,
                location=acceptance.location,
                reason=acceptance.reason,
                by=SSO,
                settings=world.settings,
                now=_at(at),
                out=out,
                err=errors,
            )
            if code == 0:
                console.print(out.getvalue().rstrip(), highlight=False)
            else:
                # On the few days a bank holiday moves B's records deadline past the story's
                # moment, the records are not overdue yet and there is nothing to accept.
                console.print(f"nothing accepted: {errors.getvalue().strip()}", highlight=False)


def _check(console: Console, world: DemoWorld, moment: dt.datetime, *, label: str) -> Report:
    from spcheck.commands.progress import TerminalProgress
    from spcheck.service import CycleOptions, run_cycle
    from spcheck.store.factory import open_store

    console.rule(f"$ spcheck check --as-of {moment:%Y-%m-%d}   ({label})")
    world.clock.set(moment)
    settings = world.settings
    loaded = load_all(settings.inspections, load_policies(settings.policies))

    async def cycle() -> Report:
        async with world.gateway(settings) as gateway:
            with open_store(settings.state) as store, TerminalProgress() as progress:
                outcome = await run_cycle(
                    gateway,
                    store,
                    loaded,
                    settings,
                    options=CycleOptions(as_of=moment, alerts=False),
                    # The cycle runs at the story's moment: what it reads is as of then.
                    now=world.clock,
                    progress=progress,
                )
        stats = outcome.stats
        summary = outcome.report.summary
        console.print(
            f"synced {outcome.sync.item_count or 0} item(s); downloaded and scanned "
            f"{stats.scans} file(s) in the sandbox ({stats.cached_scans} unchanged, not "
            f"rescanned); read the permissions of {stats.permission_reads} item(s); "
            f"{summary.errors} error(s), {summary.new} new, {summary.accepted} accepted, "
            f"{summary.resolved} resolved since the last check"
        )
        return outcome.report

    return asyncio.run(cycle())


def _write_reports(out: Path, report: Report) -> list[Path]:
    from spcheck.report.registry import renderer

    paths = []
    for fmt, name in REPORTS:
        path = out / name
        try:
            path.write_text(renderer(fmt).render(report), encoding="utf-8")
        except OSError as error:
            raise InputError(f"--out: {path} cannot be written ({error.strerror})") from None
        paths.append(path)
    return paths


def _summarise(
    console: Console, scenes: Sequence[Scene], report: Report, paths: Sequence[Path], state: Path
) -> None:
    keys = {scene.inspection_id: scene.chapter.key for scene in scenes}
    results = sorted(report.inspections, key=lambda r: (keys.get(r.id, "~"), r.id))
    table = Table("", "inspection", "week", "status", "errors", "warnings")
    colours = {"ok": "green", "warning": "yellow", "error": "red"}
    for result in results:
        table.add_row(
            keys.get(result.id, ""),
            result.id,
            "" if result.week is None else str(result.week),
            f"[{colours[result.status]}]{result.status}[/]",
            str(result.count(Severity.ERROR)),
            str(result.count(Severity.WARNING)),
        )
    console.rule("summary")
    console.print(table)
    for result in results:
        counts = Counter(f.rule for f in result.live if f.severity is Severity.ERROR)
        if counts:
            found = ", ".join(f"{rule} x{n}" for rule, n in sorted(counts.items()))
            console.print(f"{keys.get(result.id, '')} {result.id}: {found}", highlight=False)
        accepted = Counter(f.rule for f in result.accepted)
        if accepted:
            found = ", ".join(f"{rule} x{n}" for rule, n in sorted(accepted.items()))
            console.print(
                f"{keys.get(result.id, '')} {result.id}: accepted (listed, not counted): {found}",
                highlight=False,
            )
    for path in paths:
        console.print(f"report: {path}", highlight=False, soft_wrap=True)
    console.print(f"state:  {state}", highlight=False, soft_wrap=True)
    console.print(
        "Open report.html in a browser; docs/demo.md (in the source) says what to look for."
    )
