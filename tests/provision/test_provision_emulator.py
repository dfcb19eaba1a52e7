"""Provisioning end to end: the command functions against the in-process emulator."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from spcheck.commands.provision import run_grant, run_offboard, run_provision, run_revoke
from spcheck.emulator.seeds import OUTSIDER_EMAIL
from spcheck.graph.interface import Gateway
from spcheck.store.records import AuditResult

from .conftest import (
    EILIDH,
    EWAN,
    FOLDERS,
    IAIN,
    INSPECTION,
    MORAG,
    Grant,
    World,
    make_world,
)

WRITE_FOLDERS = FOLDERS[:5]
ACCESS_UNTIL = datetime.fromisoformat("2026-12-18T23:59:00+00:00")


def plan_json(world: World, command: Any = run_provision, *args: Any, **kwargs: Any) -> Any:
    code, out, err = world.run(command, INSPECTION, *args, fmt="json", **kwargs)
    assert err == ""
    document = json.loads(out)
    document["exit_code"] = code
    return document


def expected_grants() -> set[Grant]:
    """The example definition under the shipped policy, written out by hand."""
    grants = {Grant(f, MORAG, ("write",), ACCESS_UNTIL, True) for f in WRITE_FOLDERS}
    grants.add(Grant("06 Staff survey", MORAG, ("read",), ACCESS_UNTIL, True))
    grants |= {Grant(f, IAIN, ("write",), ACCESS_UNTIL, True) for f in FOLDERS[2:4]}
    grants |= {
        Grant(f, EILIDH, ("write",), ACCESS_UNTIL, True)
        for f in (FOLDERS[0], FOLDERS[1], FOLDERS[4])
    }
    return grants


def test_provision_a_new_inspection_plans_applies_matches_and_then_has_nothing_to_do(
    world: World,
) -> None:
    plan = plan_json(world)
    assert plan["exit_code"] == 0
    creates = [s["folder"] for s in plan["steps"] if s["action"] == "create_folder"]
    assert creates == [f"{INSPECTION}/ (inspection folder)", *FOLDERS]
    grants = {(s["folder"], s["role"]) for s in plan["steps"] if s["action"] == "grant"}
    assert len([s for s in plan["steps"] if s["action"] == "grant"]) == 11
    assert ("06 Staff survey", "read") in grants
    assert not any(s["folder"] == "99 SSO only" for s in plan["steps"] if s["action"] == "grant")
    # The plan alone changed nothing and wrote nothing.
    assert world.folder_names() == []
    assert not world.state_file.exists()

    applied = plan_json(world, apply=True)
    assert applied["exit_code"] == 0
    assert applied["applied"]["verified"] is True
    assert sorted(world.folder_names()) == sorted(FOLDERS)
    assert world.direct_grants() == expected_grants()
    assert world.links() == []
    assert len(world.state.invitations_sent) == 11
    assert all(sent["requireSignIn"] for sent in world.state.invitations_sent)

    again = plan_json(world)
    assert again["steps"] == []
    assert again["drift"] == []


def test_no_invitation_mail_when_the_policy_says_so(world: World, tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    text = (world.policies / "children-at-risk-of-harm.yaml").read_text()
    assert "send_invitation: true" in text
    (policies / "children-at-risk-of-harm.yaml").write_text(
        text.replace("send_invitation: true", "send_invitation: false")
    )
    world.policies = policies
    applied = plan_json(world, apply=True)
    assert applied["applied"]["verified"] is True
    assert world.direct_grants() == expected_grants()
    assert world.state.invitations_sent == []


def test_every_executed_step_is_audited_once_as_the_app(world: World) -> None:
    applied = plan_json(world, apply=True)
    outcomes = applied["applied"]["outcomes"]
    entries = world.audit()
    assert len(entries) == len(outcomes) == 19
    assert {(e.plan_id, e.step) for e in entries} == {(o["plan_id"], o["number"]) for o in outcomes}
    assert all(e.result is AuditResult.OK for e in entries)
    assert {e.actor for e in entries} == {"app:spcheck (none)"}
    grant = next(e for e in entries if e.action == "grant" and e.email == IAIN)
    after = json.loads(grant.after)
    assert after[0]["roles"] == ["write"]
    assert after[0]["email"] == IAIN
    # A plan without --apply adds nothing.
    plan_json(world)
    assert len(world.audit()) == 19


def test_a_contact_added_to_the_definition_yields_exactly_one_grant(world: World) -> None:
    plan_json(world, apply=True)
    data = world.definition()
    data["contacts"].append(
        {"name": "Ewan Sample", "email": EWAN, "role": "uploader", "folders": ["training"]}
    )
    world.write_definition(data)
    plan = plan_json(world)
    assert [(s["action"], s["folder"], s["role"]) for s in plan["steps"]] == [
        ("grant", FOLDERS[4], "write")
    ]
    plan_json(world, apply=True)
    assert Grant(FOLDERS[4], EWAN, ("write",), ACCESS_UNTIL, True) in world.direct_grants()
    assert plan_json(world)["steps"] == []


def test_a_contact_removed_from_the_definition_yields_exactly_one_revoke(world: World) -> None:
    data = world.definition()
    data["contacts"].append(
        {"name": "Ewan Sample", "email": EWAN, "role": "viewer", "folders": ["pir"]}
    )
    world.write_definition(data)
    plan_json(world, apply=True)
    assert Grant(FOLDERS[0], EWAN, ("read",), ACCESS_UNTIL, True) in world.direct_grants()

    data["contacts"] = [c for c in data["contacts"] if c["email"] != EWAN]
    world.write_definition(data)
    plan = plan_json(world)
    assert [(s["action"], s["folder"]) for s in plan["steps"]] == [("revoke", FOLDERS[0])]
    assert plan["drift"] == []
    plan_json(world, apply=True)
    assert not any(g.email == EWAN for g in world.direct_grants())
    assert world.direct_grants() == expected_grants()


def test_a_role_change_in_the_definition_is_one_change_step(world: World) -> None:
    plan_json(world, apply=True)
    data = world.definition()
    for contact in data["contacts"]:
        if contact["email"] == IAIN:
            contact["role"] = "viewer"
    world.write_definition(data)
    plan = plan_json(world)
    assert sorted((s["action"], s["folder"], s["role"]) for s in plan["steps"]) == [
        ("change_role", FOLDERS[2], "read"),
        ("change_role", FOLDERS[3], "read"),
    ]
    plan_json(world, apply=True)
    iain = {g for g in world.direct_grants() if g.email == IAIN}
    assert iain == {Grant(f, IAIN, ("read",), ACCESS_UNTIL, True) for f in FOLDERS[2:4]}


def plant_drift(world: World) -> None:
    pir = world.folder(FOLDERS[0])
    records = world.folder(FOLDERS[2])
    world.state.create_link(world.drive_id, pir.id, "edit", "anonymous")
    world.state.grant(world.drive_id, records.id, OUTSIDER_EMAIL, ["write"])
    world.state.grant(world.drive_id, records.id, EWAN, ["read"])


def test_planted_links_and_outsiders_are_drift_removed_only_with_remove_drift(
    world: World,
) -> None:
    plan_json(world, apply=True)
    plant_drift(world)

    plan = plan_json(world)
    rules = sorted((d["folder"], d["rule"]) for d in plan["drift"])
    assert rules == [
        (FOLDERS[0], "permission.anonymous_link"),
        (FOLDERS[2], "permission.external_domain"),
        (FOLDERS[2], "permission.not_nominated"),
    ]
    assert plan["steps"] == []
    assert all(not d["removed_by_plan"] for d in plan["drift"])

    applied = plan_json(world, apply=True)
    assert applied["applied"]["outcomes"] == []
    assert world.links() == [(FOLDERS[0], "anonymous")]
    assert {g.email for g in world.direct_grants()} >= {OUTSIDER_EMAIL, EWAN}

    removing = plan_json(world, remove_drift=True)
    assert sorted(s["action"] for s in removing["steps"]) == [
        "remove_drift",
        "remove_drift",
        "remove_link",
    ]
    assert all(d["removed_by_plan"] for d in removing["drift"])
    plan_json(world, apply=True, remove_drift=True)
    assert world.links() == []
    assert world.direct_grants() == expected_grants()
    assert plan_json(world)["drift"] == []


def group_grants(world: World) -> list[tuple[str, str, tuple[str, ...]]]:
    root = world.folder("")
    return sorted(
        (item.name, p.granted_to.display_name, p.roles)
        for item in [root, *world.state.children(world.drive_id, root.id)]
        for p in item.own_permissions
        if p.granted_to is not None
        and p.granted_to.kind == "siteGroup"
        and not item.inherits
        and p.granted_to.display_name == "Partnership staff"
    )


def test_a_group_given_access_directly_is_drift_removed_only_with_remove_drift(
    world: World,
) -> None:
    plan_json(world, apply=True)
    records = world.folder(FOLDERS[2])
    world.state.grant_site_group(world.drive_id, records.id, "Partnership staff", "write")

    plan = plan_json(world)
    assert [(d["folder"], d["rule"], d["group"], d["email"]) for d in plan["drift"]] == [
        (FOLDERS[2], "permission.not_nominated", "Partnership staff", None)
    ]
    assert plan["steps"] == []
    plan_json(world, apply=True)
    assert group_grants(world) == [(FOLDERS[2], "Partnership staff", ("write",))]

    removing = plan_json(world, remove_drift=True)
    assert [(s["action"], s["group"], s["rule"]) for s in removing["steps"]] == [
        ("remove_drift", "Partnership staff", "permission.not_nominated")
    ]
    assert not [e for e in world.audit() if e.action == "remove_drift"]
    plan_json(world, apply=True, remove_drift=True)
    assert group_grants(world) == []
    [entry] = [e for e in world.audit() if e.action == "remove_drift"]
    assert (entry.result.value, entry.email) == ("ok", None)
    assert json.loads(entry.before)["group"] == "Partnership staff"
    # The contacts' own grants are untouched, and nothing is left to do.
    assert world.direct_grants() == expected_grants()
    assert plan_json(world)["drift"] == []


def test_staff_access_is_neither_drift_nor_removed(world: World) -> None:
    plan_json(world, apply=True)
    staff = "sandy.testperson@careinspectorate.example"
    world.state.grant(world.drive_id, world.folder(FOLDERS[6]).id, staff, ["write"])
    plan = plan_json(world, remove_drift=True)
    assert plan["steps"] == []
    assert plan["drift"] == []
    plan_json(world, apply=True, remove_drift=True)
    assert any(g.email == staff for g in world.direct_grants())


class Killed(BaseException):
    """Stands for the process being killed: nothing after it runs, not even the audit write."""


class Writes:
    """Counts a real gateway's writes and dies at the ``kill_at``-th, before or after making it.

    The gateway's three write methods are wrapped in place, so everything else is the real
    gateway, whatever the Gateway interface grows.
    """

    def __init__(self, kill_at: int | None = None, after: bool = False) -> None:
        self.kill_at = kill_at
        self.after = after
        self.count = {"writes": 0, "folders": 0, "invites": 0, "deletes": 0}

    def wrap(self, gateway: Gateway) -> Gateway:
        for method, kind in (
            ("create_folder", "folders"),
            ("invite", "invites"),
            ("delete_permission", "deletes"),
        ):
            setattr(gateway, method, self._counted(kind, getattr(gateway, method)))
        return gateway

    def _counted(
        self, kind: str, real: Callable[..., Awaitable[Any]]
    ) -> Callable[..., Awaitable[Any]]:
        async def write(*args: Any, **kwargs: Any) -> Any:
            self.count["writes"] += 1
            dying = self.count["writes"] == self.kill_at
            if dying and not self.after:
                raise Killed
            result = await self.perform(kind, real, *args, **kwargs)
            self.count[kind] += 1
            if dying:
                raise Killed
            return result

        return write

    async def perform(
        self, kind: str, real: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any
    ) -> Any:
        return await real(*args, **kwargs)


def made_in_audit(world: World) -> dict[str, int]:
    """How many changes of each action the audit log records as made."""
    return dict(Counter(e.action for e in world.audit() if e.result is AuditResult.OK))


# Seeds picked so the kills fall on folders and on grants, before and after the write.
@pytest.mark.parametrize("seed", [1, 2, 7, 12, 13, 17])
def test_a_run_killed_at_a_random_step_converges_with_no_duplicate_grants(
    tmp_path: Path, seed: int
) -> None:
    world = make_world(tmp_path)
    rng = random.Random(seed)
    kill_at, after = rng.randint(1, 19), rng.random() < 0.5
    writes = Writes(kill_at, after)
    world.wrap = writes.wrap
    with pytest.raises(Killed):
        world.run(run_provision, INSPECTION, apply=True)
    interrupted = world.audit()
    assert len(interrupted) == kill_at - 1  # the step being made when it died left no entry

    writes.kill_at = None
    code, _, err = world.run(run_provision, INSPECTION, apply=True)
    made = "1 made, 0 not" if after else "0 made, 1 not"
    assert code == 0
    assert err.startswith(f"spcheck: {INSPECTION}: 1 change(s) left unrecorded")
    assert made in err
    # The audit accounts for every change the emulator made, each exactly once.
    assert made_in_audit(world) == {
        "create_folder": writes.count["folders"],
        "grant": writes.count["invites"],
    }
    assert sorted(world.folder_names()) == sorted(FOLDERS)
    assert world.direct_grants() == expected_grants()
    # Nothing was done twice: every folder made once, every invitation sent once.
    counter = writes.count
    assert counter["folders"] == 8
    assert counter["invites"] == 11
    assert counter["deletes"] == 0
    assert len(world.state.invitations_sent) == 11
    assert plan_json(world)["steps"] == []


@pytest.mark.parametrize(("kill_at", "after"), [(1, True), (6, False), (11, True)])
def test_an_offboarding_killed_half_way_converges_without_removing_twice(
    world: World, kill_at: int, after: bool
) -> None:
    world.run(run_provision, INSPECTION, apply=True)
    writes = Writes(kill_at, after)
    world.wrap = writes.wrap
    with pytest.raises(Killed):
        world.run(run_offboard, INSPECTION, apply=True)
    writes.kill_at = None
    code, _, err = world.run(run_offboard, INSPECTION, apply=True)
    assert code == 0
    assert "1 change(s) left unrecorded by an interrupted run were read back" in err
    assert world.direct_grants() == set()
    assert writes.count["deletes"] == 11
    assert writes.count["invites"] == 0
    assert made_in_audit(world)["revoke"] == 11


@pytest.mark.parametrize("fault_seed", [7, 8])
def test_provisioning_under_throttling_and_outages_ends_in_the_same_state(
    tmp_path: Path, fault_seed: int
) -> None:
    world = make_world(tmp_path)
    world.faults, world.fault_seed = "429:0.3,503:0.1", fault_seed
    plan_json(world, apply=True)
    plant_drift(world)
    result = plan_json(world, apply=True, remove_drift=True)
    assert result["exit_code"] == 0
    assert world.direct_grants() == expected_grants()
    assert world.links() == []
    assert len(world.state.invitations_sent) == 11
    assert world.state.stats.faults["429"] > 0
    assert world.state.stats.faults["503"] > 0
    assert not any(kind.endswith("createLink") for kind in world.state.stats.by_kind)
    world.faults = None
    assert plan_json(world)["steps"] == []


@pytest.mark.parametrize(
    ("email", "as_of", "rule"),
    [
        (OUTSIDER_EMAIL, None, "permission.external_domain"),
        (EWAN, None, "permission.not_nominated"),
        (IAIN, datetime.fromisoformat("2026-09-08T10:00:00+01:00"), "permission.outside_window"),
    ],
)
def test_grants_outside_domain_nomination_or_window_are_refused_with_nothing_changed(
    world: World, email: str, as_of: datetime | None, rule: str
) -> None:
    kwargs: dict[str, Any] = {"apply": True}
    if as_of is not None:
        kwargs["as_of"] = as_of
    document = plan_json(world, run_grant, [email], **kwargs)
    assert document["exit_code"] == 1
    assert [r["rule"] for r in document["refused"]] == [rule]
    assert document["steps"] == []
    assert document["applied"] is None
    assert world.folder_names() == []
    assert world.direct_grants() == set()
    assert world.audit() == []


def test_one_refused_email_refuses_the_whole_grant(world: World) -> None:
    plan_json(world, apply=True)
    before = world.direct_grants()
    data = world.definition()
    data["contacts"].append({"name": "Ewan Sample", "email": EWAN, "role": "viewer"})
    world.write_definition(data)
    audited = len(world.audit())
    document = plan_json(world, run_grant, [EWAN, OUTSIDER_EMAIL], apply=True)
    assert document["exit_code"] == 1
    assert world.direct_grants() == before
    assert len(world.audit()) == audited


def test_grant_for_a_newly_nominated_contact_shows_and_makes_exactly_their_grants(
    world: World,
) -> None:
    plan_json(world, apply=True)
    data = world.definition()
    data["contacts"].append(
        {"name": "Ewan Sample", "email": EWAN, "role": "uploader", "folders": ["records"]}
    )
    world.write_definition(data)
    plan = plan_json(world, run_grant, [EWAN], role="write")
    assert [(s["action"], s["folder"]) for s in plan["steps"]] == [("grant", FOLDERS[2])]
    wrong_role = plan_json(world, run_grant, [EWAN], role="read")
    assert wrong_role["exit_code"] == 1
    applied = plan_json(world, run_grant, [EWAN], apply=True)
    assert applied["exit_code"] == 0
    assert Grant(FOLDERS[2], EWAN, ("write",), ACCESS_UNTIL, True) in world.direct_grants()
    again = plan_json(world, run_grant, [EWAN])
    assert again["steps"] == []


def test_revoke_removes_one_persons_direct_access_and_says_they_are_still_nominated(
    world: World,
) -> None:
    plan_json(world, apply=True)
    plan = plan_json(world, run_revoke, [IAIN])
    assert sorted((s["action"], s["folder"]) for s in plan["steps"]) == [
        ("revoke", FOLDERS[2]),
        ("revoke", FOLDERS[3]),
    ]
    assert any("still a contact" in note for note in plan["notes"])
    plan_json(world, run_revoke, [IAIN], apply=True)
    assert world.direct_grants() == {g for g in expected_grants() if g.email != IAIN}


def test_offboard_removes_all_partnership_access_and_keeps_folders_and_content(
    world: World,
) -> None:
    plan_json(world, apply=True)
    world.state.upload(
        world.drive_id,
        f"Inspections/{INSPECTION}/{FOLDERS[0]}",
        "PIR.xlsx",
        b"not really a workbook",
        user=MORAG,
    )
    plant_drift(world)
    plan = plan_json(world, run_offboard)
    revoked = [s for s in plan["steps"] if s["action"] == "revoke"]
    assert len(revoked) == 12  # 11 contact grants and the un-nominated partnership user
    assert [d["rule"] for d in plan["drift"]] == [
        "permission.anonymous_link",
        "permission.external_domain",
    ]
    plan_json(world, run_offboard, apply=True, remove_drift=True)
    assert world.direct_grants() == set()
    assert world.links() == []
    assert sorted(world.folder_names()) == sorted(FOLDERS)
    pir = world.state.item_by_path(
        world.drive_id, f"Inspections/{INSPECTION}/{FOLDERS[0]}/PIR.xlsx"
    )
    assert pir is not None
    assert pir.content == b"not really a workbook"
    assert plan_json(world, run_offboard)["steps"] == []


def test_provision_before_the_window_makes_folders_but_no_grants(tmp_path: Path) -> None:
    world = make_world(tmp_path, datetime.fromisoformat("2026-09-08T10:00:00+01:00"))
    plan = plan_json(world, apply=True)
    assert plan["exit_code"] == 0
    assert {s["action"] for s in plan["steps"]} == {"create_folder"}
    assert any("window opens" in note for note in plan["notes"])
    assert sorted(world.folder_names()) == sorted(FOLDERS)
    assert world.direct_grants() == set()
