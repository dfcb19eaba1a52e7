"""The inspection team through the provisioning plan and apply, on the in-process emulator.

Glenmorven under the shipped policy (12 Oct paused): records reading is Mon 9 Nov 00:00 to
Fri 11 Dec 23:59, local record readers' training Mon 2 Nov 00:00 to Fri 13 Nov 17:00.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from spcheck.commands.provision import run_grant, run_offboard, run_provision, run_revoke
from spcheck.store.records import AuditResult

from .conftest import FOLDERS, INSPECTION, LONDON, Grant, World, make_world
from .test_provision_emulator import Killed, Writes, expected_grants, plan_json

PARTNER = "alex.scrutineer@scrutiny-body.example"
ASSESSOR = "jo.assessor@assessors.example"
READER = "ruth.readwell@glenmorven-council.example"
VOLUNTEER = "sam.youngvoice@volunteers.example"
LEAD = "fiona.leadperson@careinspectorate.example"
TEAM = [
    {"name": "Alex Scrutineer", "email": PARTNER, "role": "scrutiny-partner"},
    {"name": "Jo Assessor", "email": ASSESSOR, "role": "associate-assessor"},
    {"name": "Ruth Readwell", "email": READER, "role": "local-record-reader"},
    {"name": "Sam Youngvoice", "email": VOLUNTEER, "role": "young-inspection-volunteer"},
    {"name": "Fiona Leadperson", "email": LEAD, "role": "inspection-lead"},
]
RECORDS, RESERVES, TRAINING, SSO = FOLDERS[2], FOLDERS[3], FOLDERS[4], FOLDERS[6]


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


READING_UNTIL = local("2026-12-11T23:59")
TRAINING_UNTIL = local("2026-11-13T17:00")
IN_BOTH = local("2026-11-10T12:00")  # week 8: records reading and reader training both open
CONTACTS_UNTIL = local("2026-12-18T23:59")


def team_world(tmp_path: Path, as_of: datetime = IN_BOTH, team: Any = None) -> World:
    world = make_world(tmp_path, as_of)
    data = world.definition()
    data["team"] = TEAM if team is None else team
    world.write_definition(data)
    # The administrator adds the external members as guests first: an app may share only
    # with existing guests.
    for member in data["team"]:
        if world.state.user(member["email"]) is None:
            world.state.add_user(member["email"], member["name"])
    return world


def team_grants() -> set[Grant]:
    grants = {
        Grant(f, who, ("read",), READING_UNTIL, True)
        for f in (RECORDS, RESERVES)
        for who in (PARTNER, ASSESSOR)
    }
    grants.add(Grant(TRAINING, READER, ("read",), TRAINING_UNTIL, True))
    return grants


def contact_grants() -> set[Grant]:
    return {Grant(g.folder, g.email, g.roles, CONTACTS_UNTIL, g.sign_in) for g in expected_grants()}


def steps(plan: Any) -> list[tuple[str, str, str | None, str | None]]:
    return sorted((s["action"], s["folder"], s["email"], s["rule"]) for s in plan["steps"])


def masked(email: str) -> str:
    local_part, _, domain = email.partition("@")
    return f"{local_part[:2]}{'*' * (len(local_part) - 4)}{local_part[-2:]}@{domain}"


def test_each_role_is_planned_and_applied_with_sign_in_no_links_and_its_window_end(
    tmp_path: Path,
) -> None:
    world = team_world(tmp_path)
    plan = plan_json(world)
    assert plan["exit_code"] == 0
    team_steps = [
        s for s in plan["steps"] if s["action"] == "grant" and s["rule"] == "team.missing"
    ]
    assert sorted((s["folder"], s["email"], s["role"], s["reason"]) for s in team_steps) == sorted(
        [
            (
                RECORDS,
                masked(PARTNER),
                "read",
                "scrutiny partner of the inspection team",
            ),
            (
                RESERVES,
                masked(PARTNER),
                "read",
                "scrutiny partner of the inspection team",
            ),
            (RECORDS, masked(ASSESSOR), "read", "associate assessor of the inspection team"),
            (RESERVES, masked(ASSESSOR), "read", "associate assessor of the inspection team"),
            (
                TRAINING,
                masked(READER),
                "read",
                "local record reader of the inspection team",
            ),
        ]
    )
    # Staff reach the folders through the site, and the plan says so; the volunteer gets none.
    assert any(
        note.startswith(
            f"{masked(LEAD)} (inspection lead of the inspection team): at a staff domain"
        )
        for note in plan["notes"]
    )
    assert not any(s["email"] in (masked(LEAD), masked(VOLUNTEER)) for s in plan["steps"])

    applied = plan_json(world, apply=True)
    assert applied["exit_code"] == 0
    assert applied["applied"]["verified"] is True
    assert world.direct_grants() == contact_grants() | team_grants()
    assert world.links() == []
    assert all(sent["requireSignIn"] for sent in world.state.invitations_sent)
    granted = [e for e in world.audit() if e.action == "grant" and e.email == PARTNER]
    assert len(granted) == 2
    assert all(e.result is AuditResult.OK for e in granted)
    assert plan_json(world)["steps"] == []


def test_before_their_windows_team_members_get_nothing_and_the_plan_says_when(
    tmp_path: Path,
) -> None:
    world = team_world(tmp_path, local("2026-09-28T10:00"))
    plan = plan_json(world, apply=True)
    assert plan["exit_code"] == 0
    assert not any(s["rule"] == "team.missing" for s in plan["steps"])
    assert (
        f"{masked(PARTNER)} (scrutiny partner of the inspection team): "
        "access opens Mon 09 Nov 2026 00:00 GMT; nothing is granted yet" in plan["notes"]
    )
    assert world.direct_grants() == contact_grants()


def test_a_window_closing_brings_revoke_steps(tmp_path: Path) -> None:
    world = team_world(tmp_path)
    plan_json(world, apply=True)
    # A tenant may keep no expiry on a grant: the reader's training access must still end.
    training = world.folder(TRAINING)
    for permission in training.own_permissions:
        if permission.invitation_email == READER or (
            permission.granted_to is not None and permission.granted_to.email == READER
        ):
            training.own_permissions.remove(permission)
            break
    world.state.grant(world.drive_id, training.id, READER, ["read"])
    assert plan_json(world)["steps"] == []

    after_training = plan_json(world, as_of=local("2026-11-16T09:00"))
    assert steps(after_training) == [("revoke", TRAINING, masked(READER), "team.outside_window")]
    # Records reading shortened for this inspection: the partners' access ends with it.
    data = world.definition()
    data["deadline_overrides"] = {"records-reading_until": "2026-11-20T17:00:00"}
    world.write_definition(data)
    during = plan_json(world, as_of=local("2026-11-16T09:00"))
    assert {s["action"] for s in during["steps"] if s["email"] == masked(PARTNER)} == {
        "change_role"
    }
    ended = plan_json(world, as_of=local("2026-11-23T09:00"), apply=True)
    assert sorted(s for s in steps(ended) if s[2] != masked(READER)) == sorted(
        ("revoke", f, masked(who), "team.outside_window")
        for f in (RECORDS, RESERVES)
        for who in (PARTNER, ASSESSOR)
    )
    assert world.direct_grants() == contact_grants()


def refusing_policy(tmp_path: Path, world: World, role: str, folders: list[str]) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    data = yaml.safe_load((world.policies / "children-at-risk-of-harm.yaml").read_text())
    data["team"]["roles"][role]["access"] = [
        {"folders": folders, "role": "read", "window": "inspection"}
    ]
    (policies / "children-at-risk-of-harm.yaml").write_text(yaml.safe_dump(data))
    world.policies = policies


@pytest.mark.parametrize(
    ("role", "folders", "email", "refused_folders"),
    [
        ("young-inspection-volunteer", ["records"], VOLUNTEER, ["records"]),
        ("young-inspection-volunteer", ["records-reserves"], VOLUNTEER, ["records-reserves"]),
        ("young-inspection-volunteer", ["training", "pir"], VOLUNTEER, ["training"]),
        ("scrutiny-partner", ["sso"], PARTNER, ["sso"]),
        ("local-record-reader", ["sso", "training"], READER, ["sso"]),
    ],
)
def test_a_combination_no_policy_may_give_refuses_the_plan_and_changes_nothing(
    tmp_path: Path, role: str, folders: list[str], email: str, refused_folders: list[str]
) -> None:
    world = team_world(tmp_path)
    refusing_policy(tmp_path, world, role, folders)
    document = plan_json(world, apply=True)
    assert document["exit_code"] == 1
    assert [(r["email"], r["rule"]) for r in document["refused"]] == [
        (masked(email), "team.folder_not_allowed")
    ] * len(refused_folders)
    assert document["steps"] == []
    assert document["applied"] is None
    assert world.folder_names() == []
    assert world.audit() == []
    # A grant for that person is refused too; one for someone else goes ahead.
    assert plan_json(world, run_grant, [email])["exit_code"] == 1


def test_an_inspection_lead_outside_the_staff_domains_is_refused_the_sso_folder(
    tmp_path: Path,
) -> None:
    outsider = "fiona.leadperson@elsewhere.example"
    team = [{"name": "Fiona Leadperson", "email": outsider, "role": "inspection-lead"}]
    world = team_world(tmp_path, team=team)
    document = plan_json(world, apply=True)
    assert document["exit_code"] == 1
    [refusal] = document["refused"]
    assert refusal["rule"] == "team.folder_not_allowed"
    assert refusal["reason"].startswith(
        f"{SSO} is closed to the partnership: only Care "
        "Inspectorate staff (careinspectorate.example)"
    )
    assert world.folder_names() == []


@pytest.mark.parametrize(
    ("email", "role", "as_of", "rule"),
    [
        (PARTNER, None, local("2026-11-02T09:00"), "team.outside_window"),
        (PARTNER, None, local("2026-12-14T09:00"), "team.outside_window"),
        (PARTNER, "write", IN_BOTH, "team.excess_role"),
        (READER, None, local("2026-11-16T09:00"), "team.outside_window"),
    ],
)
def test_a_grant_outside_a_member_s_window_or_role_is_refused(
    tmp_path: Path, email: str, role: str | None, as_of: datetime, rule: str
) -> None:
    world = team_world(tmp_path, as_of)
    document = plan_json(world, run_grant, [email], role=role, apply=True)
    assert document["exit_code"] == 1
    assert [r["rule"] for r in document["refused"]] == [rule]
    assert world.direct_grants() == set()
    assert world.audit() == []


def test_grant_revoke_and_offboard_on_request_cover_team_members(tmp_path: Path) -> None:
    world = team_world(tmp_path)
    granted = plan_json(world, run_grant, [PARTNER], role="read", apply=True)
    assert granted["exit_code"] == 0
    assert {g for g in world.direct_grants()} == {g for g in team_grants() if g.email == PARTNER}
    staff = plan_json(world, run_grant, [LEAD])
    assert staff["exit_code"] == 0
    assert staff["steps"] == []
    assert any("reaches the folders through the site" in n for n in staff["notes"])

    revoked = plan_json(world, run_revoke, [PARTNER], apply=True)
    assert [s["action"] for s in revoked["steps"]] == ["revoke", "revoke"]
    assert any(
        "still in the team in the definition; `spcheck provision` would grant access again" in n
        for n in revoked["notes"]
    )
    assert world.direct_grants() == set()

    plan_json(world, apply=True)
    assert world.direct_grants() == contact_grants() | team_grants()
    offboard = plan_json(world, run_offboard, apply=True)
    assert offboard["exit_code"] == 0
    assert world.direct_grants() == set()


def test_a_member_taken_out_of_the_team_loses_the_access_spcheck_gave(tmp_path: Path) -> None:
    world = team_world(tmp_path)
    plan_json(world, apply=True)
    data = world.definition()
    data["team"] = [m for m in data["team"] if m["email"] != ASSESSOR]
    world.write_definition(data)
    plan = plan_json(world, apply=True)
    assert steps(plan) == [
        ("revoke", f, masked(ASSESSOR), "permission.not_nominated") for f in (RECORDS, RESERVES)
    ]
    assert world.direct_grants() == contact_grants() | {
        g for g in team_grants() if g.email != ASSESSOR
    }


def test_a_higher_role_or_a_folder_not_theirs_is_taken_back(tmp_path: Path) -> None:
    world = team_world(tmp_path)
    plan_json(world, apply=True)
    world.state.grant(world.drive_id, world.folder(FOLDERS[0]).id, PARTNER, ["read"])
    records = world.folder(RECORDS)
    records.own_permissions[:] = [
        p
        for p in records.own_permissions
        if p.invitation_email != ASSESSOR
        and (p.granted_to is None or p.granted_to.email != ASSESSOR)
    ]
    world.state.grant(world.drive_id, records.id, ASSESSOR, ["write"])
    plan = plan_json(world)
    assert steps(plan) == [
        ("change_role", RECORDS, masked(ASSESSOR), "team.excess_role"),
        ("revoke", FOLDERS[0], masked(PARTNER), "team.folder_not_allowed"),
    ]
    plan_json(world, apply=True)
    assert world.direct_grants() == contact_grants() | team_grants()


# Seeds picked so the kills fall on folders, on contacts' and on team members' grants.
@pytest.mark.parametrize("seed", [3, 5, 11])
def test_a_run_with_team_members_killed_at_a_random_step_converges(
    tmp_path: Path, seed: int
) -> None:
    world = team_world(tmp_path)
    rng = random.Random(seed)
    kill_at, after = rng.randint(1, 24), rng.random() < 0.5
    writes = Writes(kill_at, after)
    world.wrap = writes.wrap
    with pytest.raises(Killed):
        world.run(run_provision, INSPECTION, apply=True)
    writes.kill_at = None
    code, _, err = world.run(run_provision, INSPECTION, apply=True)
    assert code == 0
    assert "1 change(s) left unrecorded" in err
    assert world.direct_grants() == contact_grants() | team_grants()
    assert writes.count["folders"] == 8
    assert writes.count["invites"] == 16
    assert len(world.state.invitations_sent) == 16
    made = [e for e in world.audit() if e.result is AuditResult.OK and e.action == "grant"]
    assert len(made) == 16
    assert plan_json(world)["steps"] == []


def test_a_scrutiny_partner_the_tenant_will_not_invite_is_a_failed_step(tmp_path: Path) -> None:
    world = team_world(tmp_path)
    plan_json(world, apply=True)
    newcomer = "kim.newpartner@another-body.example"
    data = world.definition()
    data["team"].append({"name": "Kim Newpartner", "email": newcomer, "role": "scrutiny-partner"})
    world.write_definition(data)
    # Not a guest of the tenant yet: the app cannot invite them, nothing is made for them.
    code, out, err = world.run(run_provision, INSPECTION, apply=True)
    assert code == 2
    assert "runbooks/provision-inspection.md#an-invitation-is-refused" in err
    assert newcomer not in out + err
    failed = [e for e in world.audit() if e.result is AuditResult.FAILED]
    assert {(e.action, e.email) for e in failed} == {("grant", newcomer)}
    assert len(failed) == 2
    assert world.direct_grants() == contact_grants() | team_grants()
