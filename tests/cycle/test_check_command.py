"""`spcheck check` end to end on the emulator: output, files, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from spcheck.commands.check import parse_as_of, run_check
from spcheck.emulator.inprocess import transport
from spcheck.errors import InputError, ServiceUnavailable
from spcheck.graph.retry import RetryPolicy
from tests.cycle.conftest import BASE, EILIDH, INSPECTION, FakeClock, World, local
from tests.cycle.test_scenarios import PIR, upload_records
from tests.report.schemas import problems


def options(world: World, faults: str | None = None) -> dict[str, Any]:
    clock = FakeClock()
    return {
        "transport": transport(world.state, base_url=BASE, faults=faults, ru_per_minute=100_000),
        "clock": clock,
        "sleep": clock.sleep,
        "policy": RetryPolicy(max_attempts=4, max_total_seconds=60),
    }


def test_json_on_stdout_and_exit_0_when_nothing_is_wrong(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.upload("pir", "PIR.xlsx", PIR, EILIDH, local("2026-09-30T11:00"))
    code = run_check(
        [],
        as_of="2026-10-01",
        fmt="json",
        out=None,
        gateway_options=options(world),
        settings=world.settings(),
    )
    out = capsys.readouterr().out
    document = json.loads(out)  # only JSON on stdout
    assert code == 0
    assert document["as_of"] == "2026-10-01T17:00:00+01:00"
    assert document["summary"]["errors"] == 0


@pytest.mark.parametrize(("fmt", "version"), [("json", "v2"), ("json-v1", "v1")])
def test_a_real_report_follows_its_published_schema(
    world: World, capsys: pytest.CaptureFixture[str], fmt: str, version: str
) -> None:
    """A cycle with errors in it: unexpected and misnamed records, an overdue PIR."""
    upload_records(world, ["GM-0001", "XX-9999"], "records", local("2026-09-28T09:00"))
    code = run_check(
        [],
        as_of="2026-10-06",
        fmt=fmt,
        out=None,
        gateway_options=options(world),
        settings=world.settings(),
    )
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["inspections"][0]["findings"]
    assert problems(document, version) == []


def test_errors_exit_1_and_the_report_file_is_written(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upload_records(world, ["GM-0001"], "records", local("2026-09-28T09:00"))
    out = tmp_path / "reports" / "report.html"
    code = run_check(
        [],
        as_of="2026-09-29",
        fmt="html",
        out=out,
        gateway_options=options(world),
        settings=world.settings(),
    )
    assert code == 1
    assert "<html" in out.read_text()
    assert f"report written to {out}" in capsys.readouterr().err


def test_graph_failing_after_retries_is_exit_3(world: World) -> None:
    with pytest.raises(ServiceUnavailable) as caught:
        run_check(
            [],
            as_of=None,
            fmt="json",
            out=None,
            gateway_options=options(world, faults="503:1.0"),
            settings=world.settings(),
        )
    assert caught.value.exit_code == 3
    assert "\n" not in str(caught.value)


def test_an_unknown_format_fails_before_any_graph_call(world: World) -> None:
    before = world.state.stats.requests
    with pytest.raises(InputError, match="--format"):
        run_check(
            [],
            as_of=None,
            fmt="pdf",
            out=None,
            gateway_options=options(world),
            settings=world.settings(),
        )
    assert world.state.stats.requests == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-25", "2026-10-25T17:00:00+00:00"),  # the day BST ends
        ("2026-10-24", "2026-10-24T17:00:00+01:00"),
        ("2026-10-24T09:30:00", "2026-10-24T09:30:00+01:00"),
        ("2026-10-24T09:30:00+00:00", "2026-10-24T09:30:00+00:00"),
    ],
)
def test_as_of_dates(text: str, expected: str) -> None:
    parsed = parse_as_of(text)
    assert parsed is not None
    assert parsed.isoformat() == expected


def test_a_bad_as_of_is_one_line() -> None:
    with pytest.raises(InputError, match=r"--as-of: '24/10/2026' is not a date"):
        parse_as_of("24/10/2026")


def test_watch_once_prints_one_line_and_exits_with_the_cycle_code(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    from spcheck.commands.check import run_watch

    upload_records(world, ["GM-0001"], "records", local("2026-09-28T09:00"))
    code = run_watch(
        interval=1800,
        once=True,
        out=None,
        gateway_options=options(world),
        settings=world.settings(),
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 1  # the unexpected record is an error
    assert len(lines) == 1
    assert "1 inspection(s):" in lines[0]
    assert "new alert(s)" in lines[0]


def test_watch_refuses_a_busy_interval(world: World) -> None:
    from spcheck.commands.check import run_watch

    with pytest.raises(InputError, match="--interval"):
        run_watch(interval=1, once=False, out=None, settings=world.settings())


class Outage(httpx.AsyncBaseTransport):
    """The emulator behind a switch: while ``down``, every connection is refused."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused (test outage)", request=request)
        return await self.inner.handle_async_request(request)


class StopWatching(Exception):
    """Ends a watch from its sleep, as Ctrl-C would."""


def watch_cycles(
    world: World, between: list[Callable[[], None]], gateway_options: dict[str, Any]
) -> None:
    """Runs ``spcheck watch``; before each sleep's end, the next of ``between`` changes the
    world; after the last, the watch is stopped."""
    from spcheck.commands.check import run_watch

    steps = iter(between)

    async def sleep(seconds: float) -> None:
        step = next(steps, None)
        if step is None:
            raise StopWatching
        step()

    with pytest.raises(StopWatching):
        run_watch(
            interval=1800,
            once=False,
            out=None,
            gateway_options=gateway_options,
            settings=world.settings(),
            sleep=sleep,
        )


def test_watch_goes_on_after_an_outage_that_outlasts_the_retries(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway_options = options(world)
    switch = Outage(gateway_options["transport"])
    gateway_options["transport"] = switch

    def go_down() -> None:
        switch.down = True

    def come_back() -> None:
        switch.down = False

    watch_cycles(world, [go_down, come_back], gateway_options)
    captured = capsys.readouterr()
    cycles = captured.out.strip().splitlines()
    assert len(cycles) == 2  # before and after the outage
    assert all("1 inspection(s):" in line for line in cycles)
    [failed] = captured.err.strip().splitlines()
    assert "cycle failed:" in failed
    assert failed.endswith("next try in 1800 s")


def test_watch_keeps_the_last_good_definitions_while_one_is_broken(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    definition = world.inspections / f"{INSPECTION}.yaml"
    good = definition.read_text(encoding="utf-8")

    def break_it() -> None:
        definition.write_text(good.replace("partnership:", "partnershp:"), encoding="utf-8")

    def mend_it() -> None:
        definition.write_text(good, encoding="utf-8")

    watch_cycles(world, [break_it, mend_it], options(world))
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 3
    assert all("1 inspection(s):" in line for line in captured.out.strip().splitlines())
    [refused] = captured.err.strip().splitlines()
    assert f"refused: {definition}" in refused
    assert "partnership: required key is missing" in refused
    assert refused.endswith("checking with the definitions last loaded")


def test_watch_stops_when_the_definitions_are_broken_from_the_start(world: World) -> None:
    from spcheck.commands.check import run_watch

    definition = world.inspections / f"{INSPECTION}.yaml"
    definition.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=str(definition)):
        run_watch(
            interval=1800,
            once=False,
            out=None,
            gateway_options=options(world),
            settings=world.settings(),
        )


def test_the_alert_says_where_the_report_file_is(world: World, tmp_path: Path) -> None:
    upload_records(world, ["GM-0001"], "records", local("2026-09-28T09:00"))
    out = tmp_path / "reports" / "report.html"
    mail = {
        "alert_to": "sso.testperson@careinspectorate.example",
        "alert_from": "spcheck@careinspectorate.example",
    }
    code = run_check(
        [],
        as_of=None,  # a replayed date never alerts
        fmt="html",
        out=out,
        gateway_options=options(world),
        settings=world.settings().model_copy(update=mail),
    )
    assert code == 1
    [sent] = world.state.sent_mail
    assert f"The full report, with what to do about each problem: {out.resolve()}" in str(sent)
    assert out.is_file()
