"""`spcheck audit ID --who EMAIL --folder KEY`: who was given, or lost, access to which folder."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from spcheck.commands.provision import run_audit, run_provision, run_revoke

from .conftest import FOLDERS, IAIN, INSPECTION, MORAG, World

RECORDS = FOLDERS[2]  # 03 Records sample


def audit(
    world: World, inspection_id: str | None = INSPECTION, **options: Any
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_audit(
        inspection_id,
        fmt=options.pop("fmt", "json"),
        settings=world.settings(),
        out=out,
        err=err,
        **options,
    )
    return code, out.getvalue(), err.getvalue()


def entries(world: World, **options: Any) -> list[dict[str, Any]]:
    code, out, err = audit(world, **options)
    assert (code, err) == (0, "")
    listed: list[dict[str, Any]] = json.loads(out)["entries"]
    return listed


@pytest.fixture
def applied(world: World) -> World:
    assert world.run(run_provision, INSPECTION, apply=True)[0] == 0
    assert world.run(run_revoke, INSPECTION, [IAIN], apply=True)[0] == 0
    return world


def test_who_keeps_only_the_entries_naming_that_person(applied: World) -> None:
    everything = entries(applied)
    iain = entries(applied, who=IAIN.upper())
    assert iain
    assert len(iain) < len(everything)
    assert {e["email"] for e in iain} == {"ia**********on@nhs-glenmorven.example"}
    # Given access to each of their folders, then every one of them taken away.
    assert {e["action"] for e in iain} == {"grant", "revoke"}
    assert [e["id"] for e in iain] == [
        e["id"] for e in everything if e["email"] == iain[0]["email"]
    ]


def test_folder_keeps_the_entries_about_that_folder_and_below(applied: World) -> None:
    records = entries(applied, folder="records")
    assert records
    assert all(e["path"].endswith(f"/{INSPECTION}/{RECORDS}") for e in records)
    actions = {e["action"] for e in records}
    assert {"create_folder", "grant", "revoke"} <= actions
    reserves = entries(applied, folder="records-reserves")
    assert not {e["id"] for e in reserves} & {e["id"] for e in records}


def test_who_and_folder_combine_and_the_limit_applies_after_them(applied: World) -> None:
    both = entries(applied, who=IAIN, folder="records")
    assert both
    assert all(e["path"].endswith(RECORDS) and e["email"].startswith("ia") for e in both)
    assert [e["action"] for e in both] == ["revoke", "grant"]  # newest first
    assert entries(applied, who=IAIN, folder="records", limit=1) == both[:1]
    assert entries(applied, who=MORAG, folder="sso") == []


def test_the_table_shows_the_filtered_entries_only(applied: World) -> None:
    code, out, _ = audit(applied, who=IAIN, folder="records", fmt="table")
    assert code == 0
    assert "revoke" in out
    assert "grant" in out
    assert "create_folder" not in out
    assert "mo************" not in out


@pytest.mark.parametrize(
    ("inspection_id", "options", "message"),
    [
        (INSPECTION, {"who": "not-an-address"}, "spcheck: --who: not an email address\n"),
        (None, {"folder": "records"}, "spcheck: --folder: name the inspection too"),
        (INSPECTION, {"folder": "minutes"}, "spcheck: --folder: 'minutes' is not a folder"),
        ("nowhere-2026", {"folder": "records"}, "spcheck: "),
    ],
)
def test_a_bad_filter_is_one_line_and_exit_2(
    applied: World, inspection_id: str | None, options: dict[str, str], message: str
) -> None:
    code, out, err = audit(applied, inspection_id, **options)
    assert code == 2
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1
