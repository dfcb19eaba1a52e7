"""An in-process emulator (demo seed) with the example inspections, and ways to look inside it."""

from __future__ import annotations

import asyncio
import io
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from spcheck.commands.provision import run_audit
from spcheck.emulator.inprocess import transport
from spcheck.emulator.model import DriveItem
from spcheck.emulator.seeds import ROOT_FOLDER, SITE, seed_demo
from spcheck.emulator.sharing import effective_permissions
from spcheck.emulator.state import EmulatorState
from spcheck.graph.client import build_gateway
from spcheck.graph.interface import Gateway
from spcheck.graph.retry import RetryPolicy
from spcheck.settings import Settings
from spcheck.store.sqlite import SqliteStore
from tests.conftest import EXAMPLES, POLICIES

LONDON = ZoneInfo("Europe/London")
BASE = "http://127.0.0.1/v1.0"
INSPECTION = "glenmorven-2026"
# Week 3 of the Glenmorven example: the access window (weeks 2 to 13) is open.
IN_WINDOW = datetime(2026, 9, 28, 10, 0, tzinfo=LONDON)
BEFORE_WINDOW = datetime(2026, 9, 8, 10, 0, tzinfo=LONDON)
MORAG = "morag.testperson@glenmorven-council.example"
IAIN = "iain.sampleton@nhs-glenmorven.example"
EILIDH = "eilidh.placeholder@glenmorven-council.example"
EWAN = "ewan.sample@glenmorven-council.example"  # a demo user, never nominated
STAFF = "sandy.testperson@careinspectorate.example"
# The SSO who runs the commands: --apply needs the person asking.
OPERATOR = "sso.testperson@careinspectorate.example"
FOLDERS = (
    "01 Pre-inspection return",
    "02 Position statement and evidence",
    "03 Records sample",
    "04 Records reserves",
    "05 Training materials (redacted)",
    "06 Staff survey",
    "99 SSO only",
)


class FakeClock:
    """Monotonic time that moves only when the gateway sleeps (retry waits, budget pauses)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@dataclass(frozen=True, slots=True)
class Grant:
    folder: str  # relative to the inspection folder
    email: str
    roles: tuple[str, ...]
    expires: datetime | None
    sign_in: bool


@dataclass
class World:
    """The emulator, the definition directory and the state file of one test."""

    state: EmulatorState
    inspections: Path
    state_file: Path
    as_of: datetime
    faults: str | None = None
    fault_seed: int = 0
    wrap: Callable[[Gateway], Gateway] | None = None
    policies: Path = POLICIES
    gateways: list[Gateway] = field(default_factory=list)

    @property
    def drive_id(self) -> str:
        return next(iter(self.state.sites.values())).drive_id

    def settings(self) -> Settings:
        return Settings(
            _env_file=None,
            auth="none",
            graph_url=BASE,
            site=SITE,
            root_folder=ROOT_FOLDER,
            inspections=self.inspections,
            policies=self.policies,
            state=f"sqlite:///{self.state_file}",
            ru_per_minute=100_000,
            operator=OPERATOR,
        )

    def gateway(self, settings: Settings) -> Gateway:
        clock = FakeClock()
        gateway: Gateway = build_gateway(
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
            policy=RetryPolicy(max_attempts=25, max_total_seconds=100_000),
        )
        if self.wrap is not None:
            gateway = self.wrap(gateway)
        self.gateways.append(gateway)
        return gateway

    def run(self, command: Callable[..., int], *args: Any, **kwargs: Any) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        kwargs.setdefault("as_of", self.as_of)
        code = command(
            *args,
            settings=self.settings(),
            gateway_factory=self.gateway,
            out=out,
            err=err,
            **kwargs,
        )
        return code, out.getvalue(), err.getvalue()

    def run_audit(self, inspection_id: str | None, fmt: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = run_audit(inspection_id, fmt=fmt, settings=self.settings(), out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    # --- definitions ---

    def definition(self) -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load((self.inspections / f"{INSPECTION}.yaml").read_text())
        return data

    def write_definition(self, data: dict[str, Any]) -> None:
        (self.inspections / f"{INSPECTION}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))

    def set_contacts(self, contacts: Sequence[dict[str, Any]]) -> None:
        data = self.definition()
        data["contacts"] = list(contacts)
        self.write_definition(data)

    # --- the emulator's truth ---

    def folder(self, name: str = "") -> DriveItem:
        path = f"{ROOT_FOLDER}/{INSPECTION}" + (f"/{name}" if name else "")
        found = self.state.item_by_path(self.drive_id, path)
        assert found is not None, f"{path} does not exist"
        return found

    def folder_names(self) -> list[str]:
        root = self.state.item_by_path(self.drive_id, f"{ROOT_FOLDER}/{INSPECTION}")
        if root is None:
            return []
        return [item.name for item in self.state.children(self.drive_id, root.id) if item.is_folder]

    def direct_grants(self) -> set[Grant]:
        """Direct person grants on the inspection folders, as the emulator has them."""
        root = self.state.item_by_path(self.drive_id, f"{ROOT_FOLDER}/{INSPECTION}")
        if root is None:
            return set()
        found: set[Grant] = set()
        for item in [root, *self.state.children(self.drive_id, root.id)]:
            if item.inherits or not item.is_folder:
                continue
            parent = self.state.items[str(item.parent_id)]
            inherited = set(effective_permissions(self.state.items, parent))
            for permission in item.own_permissions:
                if permission in inherited or permission.is_link:
                    continue
                email = (
                    permission.granted_to.email
                    if permission.granted_to is not None and permission.granted_to.email
                    else permission.invitation_email
                )
                if email is None:
                    continue
                found.add(
                    Grant(
                        folder="" if item.id == root.id else item.name,
                        email=email.lower(),
                        roles=permission.roles,
                        expires=permission.expires,
                        sign_in=permission.sign_in_required,
                    )
                )
        return found

    def links(self) -> list[tuple[str, str]]:
        root = self.state.item_by_path(self.drive_id, f"{ROOT_FOLDER}/{INSPECTION}")
        if root is None:
            return []
        return [
            (item.name, str(p.link_scope))
            for item in [root, *self.state.children(self.drive_id, root.id)]
            for p in item.own_permissions
            if p.is_link
        ]

    def audit(self) -> list[Any]:
        if not self.state_file.exists():
            return []
        with SqliteStore(self.state_file) as store:
            return store.entries(INSPECTION)


def make_world(tmp_path: Path, as_of: datetime = IN_WINDOW) -> World:
    inspections = tmp_path / "inspections"
    inspections.mkdir()
    for name in (f"{INSPECTION}.yaml", f"{INSPECTION}.sample.csv", "kinloch-2026.yaml"):
        shutil.copy(EXAMPLES / name, inspections / name)
    state = seed_demo(clock=lambda: as_of)
    return World(
        state=state, inspections=inspections, state_file=tmp_path / "state.db", as_of=as_of
    )


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)
