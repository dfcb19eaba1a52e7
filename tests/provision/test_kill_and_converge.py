"""A real `spcheck provision --apply` process killed with SIGKILL before and after each write.

The reference apply is the Glenmorven example with one contact (the inspection
folder, its seven folders and two grants: ten writes). The emulator is served over
HTTP from this process; the run is a separate process (forked from a zygote that
has spcheck imported, see zygote.py). A wrapper around
the emulator's app counts the writes the run makes and, at the chosen one, kills
the run either before the emulator makes the change or after it has made it and
before the answer leaves. A second run then converges, and the audit log must
account for every change the emulator made, exactly once: a change made just
before the kill is read back and audited by the second run.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import shutil
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spcheck.commands.provision import run_provision
from spcheck.emulator.app import create_app
from spcheck.emulator.seeds import ROOT_FOLDER, SITE, seed_demo
from spcheck.emulator.server import EmulatorServer
from spcheck.emulator.state import EmulatorState
from spcheck.settings import Settings
from spcheck.store.records import AuditResult
from spcheck.store.sqlite import SqliteStore
from tests.conftest import EXAMPLES, POLICIES

from . import zygote
from .conftest import FOLDERS, IN_WINDOW, INSPECTION

WRITES = {("POST", "children"), ("POST", "invite"), ("DELETE", "permissions")}


@dataclass
class Killer:
    """ASGI wrapper: counts the writes and kills the run at the ``kill_at``-th.

    ``app`` is replaced for every kill point (a fresh emulator), so one server serves them all.
    """

    app: ASGIApp
    kill_at: int = 0
    after: bool = False
    pid: int | None = None
    known: threading.Event = field(default_factory=threading.Event)
    writes: int = 0
    killed: bool = False

    def reset(self, app: ASGIApp, kill_at: int, after: bool) -> None:
        self.app, self.kill_at, self.after = app, kill_at, after
        self.pid, self.writes, self.killed = None, 0, False
        self.known.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._is_write(scope) or self.killed:
            await self.app(scope, receive, send)
            return
        self.writes += 1
        if self.writes != self.kill_at:
            await self.app(scope, receive, send)
            return
        if not self.after:
            self._kill()
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)  # the change is made
        self._kill()  # and the answer never reaches the run
        for message in held:
            await send(message)

    @staticmethod
    def _is_write(scope: Scope) -> bool:
        last = str(scope["path"]).rstrip("/").rsplit("/", 2)
        method = str(scope["method"])
        return any((method, part) in WRITES for part in last[-2:])

    def _kill(self) -> None:
        assert self.known.wait(30), "the run's pid never arrived"
        assert self.pid is not None
        os.kill(self.pid, signal.SIGKILL)
        self.killed = True


@dataclass
class Bench:
    """The zygote, one emulator server, and the definitions of the reference apply."""

    forker: Connection
    server: EmulatorServer
    killer: Killer
    tmp_path: Path

    def definitions(self, work: Path) -> None:
        (work / "inspections").mkdir(parents=True)
        text = (EXAMPLES / f"{INSPECTION}.yaml").read_text()
        lines = [line for line in text.splitlines() if not line.lstrip().startswith("- {name")]
        body = "\n".join(lines).replace("contacts:", "contacts:\n" + CONTACT)
        (work / "inspections" / f"{INSPECTION}.yaml").write_text(body + "\n")
        shutil.copy(EXAMPLES / f"{INSPECTION}.sample.csv", work / "inspections")

    def environment(self, work: Path) -> dict[str, str]:
        return {
            "SPCHECK_GRAPH_URL": self.server.base_url,
            "SPCHECK_AUTH": "none",
            "SPCHECK_SITE": SITE,
            "SPCHECK_ROOT_FOLDER": ROOT_FOLDER,
            "SPCHECK_INSPECTIONS": str(work / "inspections"),
            "SPCHECK_POLICIES": str(POLICIES),
            "SPCHECK_STATE": f"sqlite:///{work / 'state.db'}",
            "SPCHECK_RU_PER_MINUTE": "100000",
            "SPCHECK_OPERATOR": "Ailsa Placeholder (SSO)",  # --apply names who asked
            "PATH": os.environ.get("PATH", ""),
        }

    def fresh(self, kill_at: int, after: bool) -> tuple[EmulatorState, Path]:
        work = self.tmp_path / f"write-{kill_at}-{'after' if after else 'before'}"
        self.definitions(work)
        state = seed_demo(clock=lambda: IN_WINDOW)
        self.killer.reset(create_app(state, base_url=self.server.base_url), kill_at, after)
        return state, work


CONTACT = (
    "  - {name: Iain Sampleton, email: iain.sampleton@nhs-glenmorven.example, role: uploader, "
    "folders: [records, records-reserves]}"
)


@pytest.fixture(scope="module")
def forker() -> Iterator[Connection]:
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=zygote.serve, args=(theirs,), daemon=True
    )
    process.start()
    theirs.close()
    yield ours
    ours.send(None)
    process.join(10)


@pytest.fixture
def bench(forker: Connection, tmp_path: Path) -> Iterator[Bench]:
    server = EmulatorServer(seed_demo(), port=0)
    killer = Killer(server.server.config.app)
    server.server.config.app = killer
    with server:
        yield Bench(forker, server, killer, tmp_path)


def settings_of(env: dict[str, str]) -> Settings:
    """The same settings in this process (the run's environment, without PATH)."""
    values: dict[str, Any] = {
        name.removeprefix("SPCHECK_").lower(): value
        for name, value in env.items()
        if name.startswith("SPCHECK_")
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def made_by_the_emulator(state: EmulatorState) -> Counter[str]:
    """The changes the emulator made, named as the audit names them (successful writes only)."""
    made: Counter[str] = Counter()
    for record in state.stats.log:
        if record.status >= 300:
            continue
        if record.method == "POST" and record.kind.endswith("children"):
            made["create_folder"] += 1
        elif record.method == "POST" and record.kind.endswith("invite"):
            made["grant"] += 1
        elif record.method == "DELETE":
            made["revoke"] += 1
    return made


def audited_as_made(state_file: Path) -> Counter[str]:
    with SqliteStore(state_file) as store:
        return Counter(e.action for e in store.entries(INSPECTION) if e.result is AuditResult.OK)


def converge(env: dict[str, str]) -> tuple[int, str]:
    err = io.StringIO()
    code = run_provision(
        INSPECTION,
        apply=True,
        as_of=IN_WINDOW,
        settings=settings_of(env),
        out=io.StringIO(),
        err=err,
    )
    return code, err.getvalue()


def kill_and_converge(bench: Bench, kill_at: int, after: bool) -> None:
    state, work = bench.fresh(kill_at, after)
    env = bench.environment(work)
    command = zygote.Command(
        argv=("provision", INSPECTION, "--apply", "--as-of", IN_WINDOW.isoformat()),
        env=env,
        cwd=str(work),
        stdout=str(work / "out.txt"),
        stderr=str(work / "err.txt"),
    )
    bench.forker.send(command)
    bench.killer.pid = bench.forker.recv()
    bench.killer.known.set()
    status = bench.forker.recv()
    where = f"killed at write {kill_at}, {'after' if after else 'before'} the change"
    assert os.WIFSIGNALED(status), (where, zygote.output(command.stderr))
    assert os.WTERMSIG(status) == signal.SIGKILL
    assert bench.killer.killed

    code, err = converge(env)
    assert code == 0, (where, err)
    outcome = "1 made, 0 not" if after else "0 made, 1 not"
    assert "1 change(s) left unrecorded by an interrupted run" in err, (where, err)
    assert outcome in err, (where, err)
    made = made_by_the_emulator(state)
    assert made == Counter(create_folder=1 + len(FOLDERS), grant=GRANTS), where
    assert audited_as_made(work / "state.db") == made, where
    assert len(state.invitations_sent) == GRANTS, where


GRANTS = 2  # the one contact's two record folders
REFERENCE_WRITES = 1 + len(FOLDERS) + GRANTS


def test_the_reference_apply_makes_every_write_counted_here(bench: Bench) -> None:
    state, work = bench.fresh(0, False)
    code, err = converge(bench.environment(work))
    assert (code, err) == (0, "")
    made = made_by_the_emulator(state)
    assert sum(made.values()) == REFERENCE_WRITES == bench.killer.writes
    assert audited_as_made(work / "state.db") == made


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
def test_killed_before_or_after_any_write_the_audit_accounts_for_every_change(
    bench: Bench, after: bool
) -> None:
    for kill_at in range(1, REFERENCE_WRITES + 1):
        kill_and_converge(bench, kill_at, after)
