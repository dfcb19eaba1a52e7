"""Decisions (acceptances, attestations) are write-ahead too: killed before or after the
store write, the next command reads the store back and audits what really happened."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from spcheck.commands.accept import run_accept
from spcheck.commands.attest import run_attest
from spcheck.store.records import AuditResult
from spcheck.store.sqlite import SqliteStore
from tests.cycle.conftest import INSPECTION, SSO, World, local
from tests.cycle.test_acceptance_cycles import ODT, upload_odt
from tests.provision.test_provision_emulator import Killed


def dying(real: Callable[..., Any], after: bool) -> Callable[..., Any]:
    """The store write, and the process killed just before or just after it."""

    def write(*args: Any, **kwargs: Any) -> Any:
        if not after:
            raise Killed
        real(*args, **kwargs)
        raise Killed

    return write


def attest(world: World, milestone: str, at: str) -> tuple[int, str]:
    err = io.StringIO()
    code = run_attest(
        INSPECTION,
        milestone,
        by=SSO,
        settings=world.settings(),
        now=lambda: local(at),
        out=io.StringIO(),
        err=err,
    )
    return code, err.getvalue()


def read_back(world: World, action: str) -> tuple[AuditResult, str]:
    with SqliteStore(world.tmp / "state.db") as store:
        assert store.open_intents(INSPECTION) == []
        [entry] = [e for e in store.entries(INSPECTION) if e.action == action]
        return entry.result, entry.detail


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
def test_an_acceptance_killed_around_its_write_is_read_back_by_the_next_decision(
    world: World, monkeypatch: pytest.MonkeyPatch, after: bool
) -> None:
    upload_odt(world, b"v1", "2026-09-28T09:00")
    world.cycle(local("2026-09-28T10:00"))
    monkeypatch.setattr(SqliteStore, "add_acceptance", dying(SqliteStore.add_acceptance, after))
    with pytest.raises(Killed):
        run_accept(
            INSPECTION,
            "file.type_not_allowed",
            path=ODT,
            reason="agreed with the inspection lead",
            by=SSO,
            settings=world.settings(),
            now=lambda: local("2026-09-28T11:00"),
            out=io.StringIO(),
        )
    monkeypatch.undo()
    code, err = attest(world, "pd1", "2026-10-08T15:00")  # any decision on the inspection
    assert code == 0
    made = "(1 made, 0 not)" if after else "(0 made, 1 not)"
    assert (
        f"1 change(s) left unrecorded by an interrupted run were read back and audited {made}"
        in err
    )
    result, detail = read_back(world, "accept")
    if after:
        assert (result, detail.split(" (")[0]) == (
            AuditResult.OK,
            "read back after an interrupted run: recorded",
        )
    else:
        assert result is AuditResult.FAILED
        assert detail.startswith(
            "read back after an interrupted run: not recorded: the finding still counts"
        )


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
def test_an_attestation_killed_around_its_write_is_read_back_by_the_next_check(
    world: World, monkeypatch: pytest.MonkeyPatch, after: bool
) -> None:
    monkeypatch.setattr(SqliteStore, "add_attestation", dying(SqliteStore.add_attestation, after))
    with pytest.raises(Killed):
        attest(world, "pd1", "2026-10-08T15:00")
    monkeypatch.undo()
    outcome = world.cycle(local("2026-10-09T10:00"))
    line = outcome.reconciled.line()
    assert line is not None
    assert ("(1 made, 0 not)" if after else "(0 made, 1 not)") in line
    result, detail = read_back(world, "attest")
    assert result is (AuditResult.OK if after else AuditResult.FAILED)
    assert detail.startswith(
        "read back after an interrupted run: "
        + ("recorded" if after else "not recorded: the milestone is still open")
    )
