"""The write-ahead audit: open intents are read back, audited and said, or left to their run."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from spcheck.commands.provision import run_provision
from spcheck.graph.interface import GraphConflict, GraphThrottled, GraphUnavailable
from spcheck.store.records import AuditEntry, AuditResult, Intent
from spcheck.store.sqlite import SqliteStore
from spcheck.writeahead.journal import WriteAhead, in_flight, refused
from tests.provision.conftest import IAIN, IN_WINDOW, INSPECTION, World, make_world
from tests.provision.test_provision_emulator import Killed, Writes

HOST = socket.gethostname()


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


@pytest.fixture
def sleeper() -> Iterator[int]:
    """A live process of this machine that is not this one."""
    process = subprocess.Popen(["sleep", "60"])
    yield process.pid
    process.kill()
    process.wait()


def draft(step: int = 1) -> AuditEntry:
    return AuditEntry(
        plan_id="plan-x",
        inspection_id=INSPECTION,
        step=step,
        action="create_folder",
        actor="app:spcheck (none)",
        at=IN_WINDOW,
        result=AuditResult.PENDING,
        path=f"Inspections/{INSPECTION}",
    )


def open_intent(
    world: World, owner: str, kind: str = "provision.step", age: timedelta = timedelta(0)
) -> Intent:
    """An intent opened ``age`` ago by ``owner``."""
    subject = {"drive_id": world.drive_id, "path": f"Inspections/{INSPECTION}"}
    subject["action"] = "create_folder"
    now = replace(draft(), at=datetime.now(UTC) - age)
    with SqliteStore(world.state_file) as store:
        return store.open_intent(Intent(kind, now, json.dumps(subject), owner))


def killed_after_write(world: World, kill_at: int) -> None:
    writes = Writes(kill_at, after=True)
    world.wrap = writes.wrap
    with pytest.raises(Killed):
        world.run(run_provision, INSPECTION, apply=True)
    world.wrap = None


def test_audit_lists_a_change_left_pending_until_a_run_reads_it_back(world: World) -> None:
    killed_after_write(world, 2)  # the inspection folder, then its first folder is made
    code, out, _ = world.run_audit(INSPECTION, "json")
    document = json.loads(out)
    assert code == 0
    assert [p["action"] for p in document["pending"]] == ["create_folder"]
    assert len(document["entries"]) == 1
    code, table, _ = world.run_audit(INSPECTION, "table")
    assert "pending: recorded before the change" in table

    # A plan changes nothing of its own, but it reads the pending change back first.
    code, _, err = world.run(run_provision, INSPECTION)
    assert code == 0
    assert err == (
        f"spcheck: {INSPECTION}: 1 change(s) left unrecorded by an interrupted run were read "
        "back and audited (1 made, 0 not); `spcheck audit` shows them\n"
    )
    document = json.loads(world.run_audit(INSPECTION, "json")[1])
    assert document["pending"] == []
    newest = document["entries"][0]
    assert newest["result"] == "ok"
    assert newest["detail"].startswith("read back after an interrupted run: the folder was made")
    assert newest["after"]["name"] == "01 Pre-inspection return"
    # And it is said once: the next run has nothing to read back.
    assert world.run(run_provision, INSPECTION)[2] == ""


def test_a_change_another_live_process_is_making_is_left_to_it(world: World, sleeper: int) -> None:
    killed_after_write(world, 1)
    with SqliteStore(world.state_file) as store:
        [left] = store.open_intents()
    # The same intent as if another process of this machine were still making it.
    owner = f"{HOST}|{sleeper}|token"
    open_intent(world, owner)
    code, _, err = world.run(run_provision, INSPECTION)
    assert code == 0
    assert "1 change(s) left unrecorded" in err  # the dead run's
    assert "1 change(s) still being made by another run, left to it" in err
    with SqliteStore(world.state_file) as store:
        [still] = store.open_intents()
    assert still.owner == owner
    assert left.owner != owner


def test_an_intent_of_a_kind_this_build_does_not_know_stays_open(world: World) -> None:
    killed_after_write(world, 1)
    with SqliteStore(world.state_file) as store:
        [made] = store.open_intents()
        store.close_intent(made, replace(made.entry, result=AuditResult.OK, detail="created"))
    open_intent(world, "elsewhere|1|t", kind="acceptance.future", age=timedelta(hours=1))
    code, _, err = world.run(run_provision, INSPECTION)
    assert code == 0
    assert "of a kind this spcheck cannot read back (acceptance.future)" in err
    with SqliteStore(world.state_file) as store:
        assert [i.kind for i in store.open_intents()] == ["acceptance.future"]


def test_who_may_still_be_making_a_change() -> None:
    now = IN_WINDOW + timedelta(minutes=1)
    mine = f"{HOST}|{os.getpid()}|"
    journal_token = "not-live"
    assert not in_flight(Intent("k", draft(), owner=mine + journal_token), now)
    assert in_flight(Intent("k", draft(), owner="another-host|12|t"), now)
    later = IN_WINDOW + timedelta(hours=1)
    assert not in_flight(Intent("k", draft(), owner="another-host|12|t"), later)
    dead = subprocess.Popen(["true"])
    dead.wait()
    assert not in_flight(Intent("k", draft(), owner=f"{HOST}|{dead.pid}|t"), now)


def test_a_change_is_live_while_open_in_this_process(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "state.db") as store:
        journal = WriteAhead(store, clock=lambda: IN_WINDOW)
        change = journal.open("provision.step", draft(), {"path": "x"})
        [intent] = store.open_intents()
        assert intent.entry.result is AuditResult.PENDING
        assert in_flight(intent, IN_WINDOW)
        journal.abandon(change)
        assert not in_flight(intent, IN_WINDOW)
        assert store.open_intents() == [intent]  # abandoned: left for a later run
        second = journal.open("provision.step", draft(2), {"path": "y"})
        entry = journal.close(second, AuditResult.OK, "created", after='{"id": "1"}')
        assert (entry.result, entry.detail, entry.after) == (
            AuditResult.OK,
            "created",
            '{"id": "1"}',
        )
        assert [i.entry.step for i in store.open_intents()] == [1]


def test_only_a_refusal_from_graph_means_nothing_was_made() -> None:
    assert refused(GraphConflict("x", status=409))
    assert not refused(GraphUnavailable("x", status=503))
    assert not refused(GraphThrottled("x", status=429))
    assert not refused(GraphUnavailable("could not reach Graph"))
    assert not refused(KeyboardInterrupt())


def test_a_role_change_killed_between_removing_and_granting_is_audited_as_made_in_part(
    world: World,
) -> None:
    assert world.run(run_provision, INSPECTION, apply=True)[0] == 0
    definition = world.definition()
    for contact in definition["contacts"]:
        if contact["email"] == IAIN:
            contact["role"] = "viewer"
    world.write_definition(definition)
    writes = Writes(1, after=True)  # the old write access removed, then killed
    world.wrap = writes.wrap
    with pytest.raises(Killed):
        world.run(run_provision, INSPECTION, apply=True)
    world.wrap = None
    code, _, err = world.run(run_provision, INSPECTION, apply=True)
    assert code == 0
    assert "(0 made, 1 not)" in err
    entries = world.audit()
    [partial] = [e for e in entries if e.detail.startswith("read back")]
    assert partial.action == "change_role"
    assert partial.result is AuditResult.FAILED
    assert "made in part: the earlier access was removed but read was not granted" in (
        partial.detail
    )
    assert json.loads(partial.before)[0]["roles"] == ["write"]  # what was removed
    assert json.loads(partial.after) == []
    assert {g.roles for g in world.direct_grants() if g.email == IAIN} == {("read",)}
