"""An emulator world for check cycles: the Glenmorven example provisioned in week 2,
partnership uploads planted at chosen times, cycles run at chosen dates.

The emulator and the audit log keep the world's clock: provisioning happens at its
week-2 time, and each cycle reads at the time it runs (``now``, by default the date
it checks), so a cycle run later than the date it checks is a replay."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from spcheck.commands.attest import attest
from spcheck.commands.provision import run_provision
from spcheck.content.interface import DEFAULT_LIMITS, Limits
from spcheck.emulator.inprocess import transport
from spcheck.emulator.seeds import ROOT_FOLDER, SITE, seed_demo
from spcheck.emulator.state import EmulatorState
from spcheck.graph.client import build_gateway
from spcheck.graph.interface import Gateway
from spcheck.graph.retry import RetryPolicy
from spcheck.loader import LoadedInspection, load_inspection, load_policies
from spcheck.report.registry import renderer
from spcheck.service import CycleOptions, CycleOutcome, run_cycle
from spcheck.settings import AuthMode, Settings
from spcheck.store.sqlite import SqliteStore
from tests.conftest import EXAMPLES, POLICIES
from tests.provision.conftest import OPERATOR, FakeClock

LONDON = ZoneInfo("Europe/London")
BASE = "http://127.0.0.1/v1.0"
INSPECTION = "glenmorven-2026"
MORAG = "morag.testperson@glenmorven-council.example"
IAIN = "iain.sampleton@nhs-glenmorven.example"
EILIDH = "eilidh.placeholder@glenmorven-council.example"
CONTACTS = ((IAIN, "Iain Sampleton"), (EILIDH, "Eilidh Placeholder"))
SSO = "Ailsa Placeholder (SSO)"
WEEK_2 = datetime(2026, 9, 22, 10, 0, tzinfo=LONDON)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


class Clock:
    """The emulator's time: where the world last put it, or the real time when unset."""

    def __init__(self, moment: datetime | None = None) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment or datetime.now(LONDON)


@dataclass
class World:
    state: EmulatorState
    tmp: Path
    clock: Clock = field(default_factory=Clock)
    faults: str | None = None
    fault_seed: int = 0
    gateways: list[Gateway] = field(default_factory=list)
    credentials: list[tuple[AuthMode, Any]] | None = None
    policies: Path = POLICIES

    @property
    def drive_id(self) -> str:
        return next(iter(self.state.sites.values())).drive_id

    @property
    def inspections(self) -> Path:
        return self.tmp / "inspections"

    def settings(self) -> Settings:
        return Settings(
            _env_file=None,  # type: ignore[call-arg]
            auth="none",
            graph_url=BASE,
            site=SITE,
            root_folder=ROOT_FOLDER,
            inspections=self.inspections,
            policies=self.policies,
            state=f"sqlite:///{self.tmp / 'state.db'}",
            ru_per_minute=100_000,
        )

    def gateway(self, settings: Settings) -> Gateway:
        clock = FakeClock()
        gateway = build_gateway(
            settings,
            transport=transport(
                self.state,
                base_url=BASE,
                faults=self.faults,
                fault_seed=self.fault_seed,
                ru_per_minute=100_000,
            ),
            clock=clock,
            sleep=clock.sleep,
            policy=RetryPolicy(max_attempts=30, max_total_seconds=100_000),
            credentials=self.credentials,
        )
        self.gateways.append(gateway)
        return gateway

    def loaded(self) -> LoadedInspection:
        policies = load_policies(self.policies)
        return load_inspection(self.inspections / f"{INSPECTION}.yaml", policies)

    def provision(self, as_of: datetime = WEEK_2, settings: Settings | None = None) -> None:
        self.apply(run_provision, as_of, settings=settings)

    def apply(
        self,
        command: Callable[..., int],
        at: datetime,
        *args: Any,
        settings: Settings | None = None,
        **kwargs: Any,
    ) -> str:
        """A provisioning command applied at ``at`` (the emulator's and the audit log's time);
        the emulator's clock is as it was afterwards."""
        was, self.clock.moment = self.clock.moment, at
        out = io.StringIO()
        try:
            code = command(
                INSPECTION,
                *args,
                apply=True,
                as_of=at,
                # The SSO at the keyboard: --apply names who asked.
                settings=(settings or self.settings()).model_copy(update={"operator": OPERATOR}),
                gateway_factory=self.gateway,
                out=out,
                err=out,
                clock=lambda: at,
                **kwargs,
            )
        finally:
            self.clock.moment = was
        assert code == 0, out.getvalue()
        return out.getvalue()

    def folder_path(self, folder_key: str) -> str:
        policy = self.loaded().policy
        return f"{ROOT_FOLDER}/{INSPECTION}/{policy.folder(folder_key).name}"

    def upload(self, folder_key: str, name: str, data: bytes, user: str, at: datetime) -> None:
        self.state.upload(self.drive_id, self.folder_path(folder_key), name, data, user=user, at=at)

    def attest(self, milestone: str, on: datetime, value: int | None = None) -> None:
        """The SSO records an attested milestone at the time it happened."""
        with SqliteStore(self.tmp / "state.db") as store:
            attest(
                self.loaded(),
                milestone,
                value=value,
                note="",
                on=on,
                by=SSO,
                store=store,
                now=on,
            )

    def attest_on_time(self) -> None:
        """Every step of the schedule that is not an upload, recorded in its week."""
        self.attest("survey-distribution", local("2026-10-01T11:00"), value=143)
        self.attest("pd1", local("2026-10-07T14:00"))
        self.attest("survey-closed", local("2026-10-30T17:00"))
        self.attest("reader-training", local("2026-11-04T10:00"))

    def cycle(
        self,
        as_of: datetime,
        *,
        now: datetime | None = None,
        alerts: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        **settings: Any,
    ) -> CycleOutcome:
        """A cycle run at ``now`` (default ``as_of``) that checks ``as_of``."""
        config = self.settings().model_copy(update=settings)
        running = now or as_of
        self.clock.moment = running

        async def run() -> CycleOutcome:
            async with self.gateway(config) as gateway:
                with SqliteStore(self.tmp / "state.db") as store:
                    return await run_cycle(
                        gateway,
                        store,
                        [self.loaded()],
                        config,
                        options=CycleOptions(
                            as_of=as_of, alerts=alerts, scan_workers=2, limits=limits
                        ),
                        now=lambda: running,
                    )

        return asyncio.run(run())


def report_json(outcome: CycleOutcome) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(renderer("json").render(outcome.report))
    return document


def inspection_of(outcome: CycleOutcome) -> dict[str, Any]:
    (only,) = report_json(outcome)["inspections"]
    return only


def rules_of(inspection: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(f["rule"], f["path"]) for f in inspection["findings"]]


def unprovisioned(tmp_path: Path) -> World:
    """The Glenmorven example's definition and sample list, and its contacts as users."""
    (tmp_path / "inspections").mkdir()
    for name in (f"{INSPECTION}.yaml", f"{INSPECTION}.sample.csv"):
        shutil.copy(EXAMPLES / name, tmp_path / "inspections" / name)
    clock = Clock()
    state = seed_demo(clock=clock)
    for email, name in CONTACTS:
        if state.user(email) is None:  # the seed holds the examples' contacts as guests
            state.add_user(email, name)
    return World(state=state, tmp=tmp_path, clock=clock)


@pytest.fixture
def world(tmp_path: Path) -> World:
    built = unprovisioned(tmp_path)
    built.provision()
    return built
