"""The command functions: output that can be forwarded, exit codes, the audit command."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from spcheck.commands.provision import run_grant, run_provision, run_revoke
from spcheck.emulator.ids import user_permission_id
from spcheck.emulator.seeds import OUTSIDER_EMAIL

from .conftest import (
    BEFORE_WINDOW,
    FOLDERS,
    IAIN,
    IN_WINDOW,
    INSPECTION,
    MORAG,
    OPERATOR,
    World,
    make_world,
)
from .test_provision_emulator import Writes, expected_grants


def test_plans_applies_and_the_audit_never_print_an_address_or_permission_id(
    world: World,
) -> None:
    printed = []
    for fmt in ("table", "json"):
        printed.append(world.run(run_provision, INSPECTION, fmt=fmt)[1])
    printed.append(world.run(run_provision, INSPECTION, apply=True)[1])
    world.state.grant(world.drive_id, world.folder(FOLDERS[2]).id, OUTSIDER_EMAIL, ["write"])
    printed.append(world.run(run_provision, INSPECTION, fmt="json")[1])
    printed.append(world.run(run_revoke, INSPECTION, [IAIN], apply=True)[1])
    for fmt in ("table", "json"):
        code, out, err = world.run_audit(INSPECTION, fmt)
        assert (code, err) == (0, "")
        printed.append(out)
    everything = "\n".join(printed)
    for email in (MORAG, IAIN, OUTSIDER_EMAIL):
        assert email not in everything
        assert user_permission_id(email) not in everything
    assert "mo************on@glenmorven-council.example" in everything
    assert "@outsider.example" in everything


def test_audit_json_lists_entries_newest_first_with_masked_before_and_after(
    world: World,
) -> None:
    world.run(run_provision, INSPECTION, apply=True)
    world.run(run_revoke, INSPECTION, [IAIN], apply=True)
    code, out, _ = world.run_audit(INSPECTION, "json")
    assert code == 0
    document = json.loads(out)
    assert document["schema"] == "spcheck.audit/v1"
    entries = document["entries"]
    assert len(entries) == 21
    assert [e["action"] for e in entries[:2]] == ["revoke", "revoke"]
    assert entries[-1]["action"] == "create_folder"
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True)
    revoke = entries[0]
    assert revoke["before"]["email"] == "ia**********on@nhs-glenmorven.example"
    assert revoke["before"]["roles"] == ["write"]
    assert revoke["after"] is None
    assert world.run_audit("kinloch-2026", "json")[1].count('"id"') == 0


def test_audit_without_a_state_file_is_empty_and_creates_nothing(world: World) -> None:
    code, out, _ = world.run_audit(None, "json")
    assert code == 0
    assert json.loads(out)["entries"] == []
    assert not world.state_file.exists()


def test_bad_input_and_a_damaged_state_file_give_their_exit_codes(world: World) -> None:
    code, _, err = world.run(run_provision, "no-such-inspection")
    assert code == 2
    assert "no-such-inspection" in err
    assert world.run(run_provision, INSPECTION, fmt="yaml")[0] == 2
    assert world.run(run_grant, INSPECTION, ["not-an-address"])[0] == 2
    assert world.run(run_grant, INSPECTION, [IAIN], role="owner")[0] == 2
    world.state_file.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000)
    before = world.state_file.read_bytes()
    code, _, err = world.run(run_provision, INSPECTION, apply=True)
    assert code == 3
    assert "state store" in err
    assert world.state_file.read_bytes() == before
    assert world.folder_names() == []


def test_a_refused_grant_prints_the_reason_and_exits_1(world: World) -> None:
    code, out, _ = world.run(run_grant, INSPECTION, [IAIN], as_of=BEFORE_WINDOW)
    assert code == 1
    assert "refused" in out
    assert "outside the access window" in out
    assert "nothing will be changed" in out


def test_access_that_shows_only_after_other_access_goes_is_removed_in_a_later_round(
    tmp_path: Path,
) -> None:
    # Folders made before the window; an outsider is then given the inspection folder itself,
    # so each folder copies that grant when a contact's grant breaks its inheritance.
    world = make_world(tmp_path, BEFORE_WINDOW)
    world.run(run_provision, INSPECTION, apply=True)
    world.state.grant(world.drive_id, world.folder().id, OUTSIDER_EMAIL, ["read"])
    world.as_of = IN_WINDOW
    world.state.clock = lambda: world.as_of
    world.run(run_provision, INSPECTION, apply=True)

    code, out, err = world.run(run_provision, INSPECTION, apply=True, remove_drift=True, fmt="json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert len(document["applied"]["rounds"]) == 2
    assert document["applied"]["verified"] is True
    assert world.direct_grants() == expected_grants()
    assert world.run(run_provision, INSPECTION, fmt="json")[1].count('"rule"') == 0


class IgnoringWrites(Writes):
    """A tenant that accepts invitations and silently grants nothing."""

    async def perform(
        self, kind: str, real: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any
    ) -> Any:
        if kind == "invites":
            return ()
        return await real(*args, **kwargs)


def test_a_change_the_site_silently_ignores_is_reported_as_not_verified(
    world: World,
) -> None:
    writes = IgnoringWrites()
    world.wrap = writes.wrap
    code, out, err = world.run(run_provision, INSPECTION, apply=True)
    assert code == 3
    assert "still needed after verification" in err
    assert "not verified" in out
    assert world.direct_grants() == set()


def test_apply_names_the_person_who_asked_beside_the_app(world: World) -> None:
    from spcheck.commands.provision import run_offboard

    assert world.run(run_provision, INSPECTION, apply=True)[0] == 0
    by_option = "Morven.Sso@careinspectorate.example"
    assert world.run(run_revoke, INSPECTION, [IAIN], apply=True, by=by_option)[0] == 0
    assert world.run(run_grant, INSPECTION, [IAIN], apply=True)[0] == 0
    after_window = world.as_of.replace(year=2027)
    assert world.run(run_offboard, INSPECTION, apply=True, as_of=after_window)[0] == 0
    entries = world.audit()
    people = {(e.action, e.requested_by) for e in entries}
    assert ("create_folder", OPERATOR) in people  # provision, from SPCHECK_OPERATOR
    assert ("revoke", "Morven.Sso@careinspectorate.example") in people  # --by wins
    assert ("grant", OPERATOR) in people
    assert {e.requested_by for e in entries} == {OPERATOR, "Morven.Sso@careinspectorate.example"}
    assert {e.actor for e in entries} == {"app:spcheck (none)"}
    _, out, _ = world.run_audit(INSPECTION, "json")
    shown = {e["requested_by"] for e in json.loads(out)["entries"]}
    assert shown == {
        "ss**********on@careinspectorate.example",
        "Mo******so@careinspectorate.example",
    }
    table = world.run_audit(INSPECTION, "table")[1]
    assert "┃ by " in table
    assert "ss****" in table
    assert OPERATOR not in table


def test_apply_without_a_person_is_refused_before_anything_changes(world: World) -> None:
    from spcheck.commands.provision import run_offboard

    nobody = world.settings().model_copy(update={"operator": None})
    for command, args in (
        (run_provision, ()),
        (run_grant, ([IAIN],)),
        (run_revoke, ([IAIN],)),
        (run_offboard, ()),
    ):
        out, err = io.StringIO(), io.StringIO()
        code = command(
            INSPECTION,
            *args,
            apply=True,
            as_of=world.as_of,
            settings=nobody,
            gateway_factory=world.gateway,
            out=out,
            err=err,
        )
        assert code == 2
        assert err.getvalue().count("\n") == 1
        assert "--by" in err.getvalue()
        assert "SPCHECK_OPERATOR" in err.getvalue()
        assert out.getvalue() == ""
    assert world.folder_names() == []
    assert not world.state_file.exists()
    # A plan changes nothing and needs nobody's name; a bad --by is refused even then.
    code = run_provision(
        INSPECTION,
        as_of=world.as_of,
        settings=nobody,
        gateway_factory=world.gateway,
        out=io.StringIO(),
        err=io.StringIO(),
    )
    assert code == 0
    err = io.StringIO()
    code = run_provision(
        INSPECTION,
        by="  ",
        as_of=world.as_of,
        settings=nobody,
        gateway_factory=world.gateway,
        out=io.StringIO(),
        err=err,
    )
    assert code == 2
    assert err.getvalue() == "spcheck: --by: must not be empty\n"


def test_the_cli_refuses_apply_without_a_person(
    run_cli: Callable[..., Any], example_env: dict[str, str]
) -> None:
    result = run_cli("provision", "glenmorven-2026", "--apply", env=example_env)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "spcheck: --by: --apply needs the person asking for the change: pass --by NAME or set "
        "SPCHECK_OPERATOR (the audit log names them beside the app)"
    ]
    bad = run_cli("revoke", "glenmorven-2026", "a@b.example", "--by", "", env=example_env)
    assert bad.exit_code == 2
    assert "--by" in bad.stderr
