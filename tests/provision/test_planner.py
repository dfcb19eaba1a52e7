"""The desired state and the diff, as pure functions over plain values."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from spcheck.loader import LoadedInspection, load_inspection, load_policies
from spcheck.provision.actual import Access, ActualFolder, ActualState, direct_of
from spcheck.provision.desired import desired_state
from spcheck.provision.interface import Action, Mode, Request, show_email
from spcheck.provision.planner import make_plan
from tests.conftest import EXAMPLES, POLICIES

from .conftest import BEFORE_WINDOW, EILIDH, EWAN, IAIN, IN_WINDOW, INSPECTION, MORAG

ROOT = f"Inspections/{INSPECTION}"
PIR = f"{ROOT}/01 Pre-inspection return"
RECORDS = f"{ROOT}/03 Records sample"
SURVEY = f"{ROOT}/06 Staff survey"
SSO = f"{ROOT}/99 SSO only"


def load(tmp_path: Path, change: Any = None) -> LoadedInspection:
    data = yaml.safe_load((EXAMPLES / f"{INSPECTION}.yaml").read_text())
    if change is not None:
        change(data)
    (tmp_path / f"{INSPECTION}.yaml").write_text(yaml.safe_dump(data))
    (tmp_path / f"{INSPECTION}.sample.csv").write_text(
        (EXAMPLES / f"{INSPECTION}.sample.csv").read_text()
    )
    return load_inspection(tmp_path / f"{INSPECTION}.yaml", load_policies(POLICIES))


def person(
    email: str, role: str = "write", expires: datetime | None = None, pid: str = ""
) -> Access:
    return Access(pid or f"p-{email}", (role,), "person", email=email, expires_at=expires)


def state(folders: dict[str, list[Access]], missing: tuple[str, ...] = ()) -> ActualState:
    ids = {"inspections": "id-inspections"}
    found = {}
    for n, (path, direct) in enumerate(folders.items()):
        ids[path.casefold()] = f"id-{n}"
        found[path.casefold()] = ActualFolder(path, f"id-{n}", tuple(direct))
    for path in missing:
        ids.pop(path.casefold(), None)
    return ActualState("drive", MappingProxyType(ids), MappingProxyType(found))


def provisioned(desired: Any, extra: dict[str, list[Access]] | None = None) -> ActualState:
    """Every folder there and every desired grant made, plus ``extra`` access."""
    folders: dict[str, list[Access]] = {path: [] for path in desired.folder_paths()}
    for grant in desired.grants:
        folders[grant.path].append(person(grant.email, grant.role, grant.expires_at))
    for path, accesses in (extra or {}).items():
        folders[path].extend(accesses)
    return state(folders)


def plan_for(
    loaded: LoadedInspection, actual: ActualState | None, request: Request, **kw: Any
) -> Any:
    as_of = kw.pop("as_of", IN_WINDOW)
    desired = desired_state(loaded, "Inspections", as_of)
    return make_plan(
        desired, actual or provisioned(desired), request, plan_id="p", as_of=as_of, **kw
    )


def test_desired_grants_follow_contact_roles_folders_and_policy_access(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        lambda d: d["contacts"].append({"name": "Ewan Sample", "email": EWAN, "role": "viewer"}),
    )
    desired = desired_state(loaded, "/Inspections/", IN_WINDOW)
    assert desired.root_path == ROOT
    assert desired.ancestors == ("Inspections",)
    by_person: dict[str, set[tuple[str, str]]] = {}
    for grant in desired.grants:
        by_person.setdefault(grant.email, set()).add((grant.folder_key, grant.role))
        assert grant.expires_at == desired.access_until
    assert by_person[IAIN] == {("records", "write"), ("records-reserves", "write")}
    assert by_person[EILIDH] == {
        ("pir", "write"),
        ("position-statement", "write"),
        ("training", "write"),
    }
    assert ("staff-survey", "read") in by_person[MORAG]
    assert len(by_person[MORAG]) == 6
    # A viewer reads every open folder; nobody gets the SSO's folder or the inspection folder.
    assert by_person[EWAN] == {(key, "read") for key, _ in by_person[MORAG]}
    assert all(grant.path not in (SSO, ROOT) for grant in desired.grants)


def test_outside_the_window_nobody_is_entitled_to_anything_now(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    early = desired_state(loaded, "Inspections", BEFORE_WINDOW)
    late = desired_state(loaded, "Inspections", datetime.fromisoformat("2027-01-05T09:00:00+00:00"))
    for desired in (early, late):
        assert desired.grants == ()
        assert len(desired.entitled) == 11
        assert not desired.window_open
    assert "opens" in early.notes[0]
    assert "ended" in late.notes[0]


def test_a_policy_that_forbids_write_caps_contacts_at_read(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    policy = loaded.policy.model_copy(
        update={"sharing": loaded.policy.sharing.model_copy(update={"partnership_roles": ["read"]})}
    )
    capped = LoadedInspection(loaded.inspection, policy, loaded.sample, loaded.path)
    desired = desired_state(capped, "Inspections", IN_WINDOW)
    assert {grant.role for grant in desired.grants} == {"read"}


def test_direct_access_is_what_the_parent_does_not_also_have() -> None:
    group = Access("g1", ("write",), "group")
    copied = person(MORAG, "read", pid="same")
    own = person(MORAG, "write", pid="same")
    assert direct_of([group, copied], [group, copied]) == ()
    assert direct_of([group, own], [group, copied]) == (own,)


def test_a_fully_provisioned_inspection_has_an_empty_plan(tmp_path: Path) -> None:
    plan = plan_for(load(tmp_path), None, Request(Mode.PROVISION))
    assert plan.steps == ()
    assert plan.drift == ()


def test_steps_remove_before_they_change_and_change_before_they_grant(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    desired = desired_state(loaded, "Inspections", IN_WINDOW)
    actual = provisioned(desired)
    folders = {
        path: list(actual.folders[path.casefold()].direct) for path in desired.folder_paths()
    }
    folders[RECORDS] = [a for a in folders[RECORDS] if a.email != IAIN]  # Iain: missing grant
    folders[SURVEY] = [person(MORAG, "write", desired.access_until)]  # Morag: excess role
    folders[SSO] = [person(EILIDH, "read", desired.access_until)]  # Eilidh: closed folder
    plan = make_plan(desired, state(folders), Request(Mode.PROVISION), plan_id="p", as_of=IN_WINDOW)
    assert [(s.number, s.action, s.path, s.email) for s in plan.steps] == [
        (1, Action.REVOKE, SSO, EILIDH),
        (2, Action.CHANGE_ROLE, SURVEY, MORAG),
        (3, Action.GRANT, RECORDS, IAIN),
    ]
    assert plan.steps[0].rule == "permission.excess_role"
    assert plan.steps[1].rule == "permission.excess_role"
    assert plan.steps[1].permission_ids == (f"p-{MORAG}",)
    assert plan.steps[2].rule == "permission.missing"


def test_expiry_beyond_the_window_is_changed_and_a_missing_expiry_only_noted(
    tmp_path: Path,
) -> None:
    loaded = load(tmp_path)
    desired = desired_state(loaded, "Inspections", IN_WINDOW)
    actual = provisioned(desired)
    folders = {
        path: list(actual.folders[path.casefold()].direct) for path in desired.folder_paths()
    }
    folders[PIR] = [
        person(MORAG, "write", desired.access_until + timedelta(days=30)),
        person(EILIDH, "write", None),
    ]
    plan = make_plan(desired, state(folders), Request(Mode.PROVISION), plan_id="p", as_of=IN_WINDOW)
    assert [(s.action, s.email) for s in plan.steps] == [(Action.CHANGE_ROLE, MORAG)]
    assert "expiry" in plan.steps[0].reason
    assert any("no expiry" in note for note in plan.notes)


def test_drift_is_classified_and_removed_only_when_asked(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    desired = desired_state(loaded, "Inspections", IN_WINDOW)
    extra = {
        PIR: [
            Access("l1", ("write",), "link", link_scope="anonymous", link_type="edit"),
            Access("l2", ("read",), "link", link_scope="organization", link_type="view"),
            Access("l3", ("read",), "link", link_scope="users", link_type="view"),
        ],
        RECORDS: [
            person("rory.outsider@outsider.example"),
            person(EWAN, "read"),
            person("sandy.testperson@careinspectorate.example", "owner"),
            Access("g9", ("write",), "group", name="Partnership staff"),
        ],
    }
    actual = provisioned(desired, extra)
    plan = make_plan(desired, actual, Request(Mode.PROVISION), plan_id="p", as_of=IN_WINDOW)
    assert plan.steps == ()
    assert sorted((d.rule, d.who) for d in plan.drift) == [
        ("permission.anonymous_link", "anonymous link"),
        ("permission.external_domain", show_email("rory.outsider@outsider.example")),
        ("permission.not_nominated", show_email(EWAN)),
        ("permission.not_nominated", "group Partnership staff"),
        ("permission.organization_link", "organization link"),
    ]
    removing = make_plan(
        desired, actual, Request(Mode.PROVISION, remove_drift=True), plan_id="p", as_of=IN_WINDOW
    )
    assert sorted((s.action, s.permission_ids) for s in removing.steps) == [
        (Action.REMOVE_DRIFT, ("g9",)),
        (Action.REMOVE_DRIFT, (f"p-{EWAN}",)),
        (Action.REMOVE_DRIFT, ("p-rory.outsider@outsider.example",)),
        (Action.REMOVE_LINK, ("l1",)),
        (Action.REMOVE_LINK, ("l2",)),
    ]
    [group_step] = [s for s in removing.steps if s.permission_ids == ("g9",)]
    assert (group_step.who, group_step.rule) == (
        "group Partnership staff",
        "permission.not_nominated",
    )


def test_a_former_contact_granted_by_spcheck_is_revoked_not_reported_as_drift(
    tmp_path: Path,
) -> None:
    loaded = load(tmp_path)
    desired = desired_state(loaded, "Inspections", IN_WINDOW)
    actual = provisioned(desired, {RECORDS: [person(EWAN)]})
    unknown = make_plan(desired, actual, Request(Mode.PROVISION), plan_id="p", as_of=IN_WINDOW)
    assert [d.rule for d in unknown.drift] == ["permission.not_nominated"]
    known = make_plan(
        desired,
        actual,
        Request(Mode.PROVISION),
        plan_id="p",
        as_of=IN_WINDOW,
        managed=frozenset({EWAN}),
    )
    assert known.drift == ()
    assert [(s.action, s.email, s.path) for s in known.steps] == [(Action.REVOKE, EWAN, RECORDS)]


def test_missing_folders_are_created_outermost_first(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    plan = plan_for(loaded, state({}, missing=("Inspections",)), Request(Mode.PROVISION))
    creates = [s.path for s in plan.steps if s.action is Action.CREATE_FOLDER]
    assert creates[:2] == ["Inspections", ROOT]
    assert len(creates) == 9
    assert [s.action for s in plan.steps[9:]] == [Action.GRANT] * 11


@pytest.mark.parametrize(
    ("email", "role", "as_of", "rule"),
    [
        ("someone@elsewhere.example", None, IN_WINDOW, "permission.external_domain"),
        (EWAN, None, IN_WINDOW, "permission.not_nominated"),
        (IAIN, None, BEFORE_WINDOW, "permission.outside_window"),
        (IAIN, "read", IN_WINDOW, None),
    ],
)
def test_grant_requests_that_policy_refuses(
    tmp_path: Path, email: str, role: str | None, as_of: datetime, rule: str | None
) -> None:
    plan = plan_for(load(tmp_path), state({}), Request(Mode.GRANT, (email,), role), as_of=as_of)
    assert plan.is_refused
    assert plan.steps == ()
    assert [r.rule for r in plan.refused] == [rule]
    assert all(r.email is None or r.email == email for r in plan.refused)


def test_a_grant_request_only_touches_the_named_contacts(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    desired = desired_state(loaded, "Inspections", IN_WINDOW)
    plan = make_plan(
        desired,
        state({p: [] for p in desired.folder_paths()}),
        Request(Mode.GRANT, (IAIN,)),
        plan_id="p",
        as_of=IN_WINDOW,
    )
    assert {(s.action, s.email) for s in plan.steps} == {(Action.GRANT, IAIN)}
    assert len(plan.steps) == 2


def test_offboard_revokes_partnership_access_and_leaves_staff_and_folders(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    desired = desired_state(loaded, "Inspections", IN_WINDOW)
    staff = person("sandy.testperson@careinspectorate.example")
    actual = provisioned(desired, {RECORDS: [person(EWAN), staff, person("x.y@outsider.example")]})
    plan = make_plan(desired, actual, Request(Mode.OFFBOARD), plan_id="p", as_of=IN_WINDOW)
    assert {s.action for s in plan.steps} == {Action.REVOKE}
    assert len(plan.steps) == 12
    assert staff.email not in {s.email for s in plan.steps}
    assert [d.rule for d in plan.drift] == ["permission.external_domain"]
    assert any("early" in note for note in plan.notes)


@pytest.mark.parametrize(
    ("as_of", "says", "never"),
    [
        (BEFORE_WINDOW, "would grant access when the access window opens (Mon 21 Sep", "again"),
        (IN_WINDOW, "`spcheck provision` would grant access again", "ended"),
        (
            datetime(2027, 1, 11, 10, 0, tzinfo=IN_WINDOW.tzinfo),
            "the access window ended Fri 18 Dec 2026 23:59 GMT, so `spcheck provision` grants "
            "nothing more",
            "would grant",
        ),
    ],
)
def test_revoke_notes_say_what_provision_would_do_at_that_time(
    tmp_path: Path, as_of: datetime, says: str, never: str
) -> None:
    loaded = load(tmp_path)
    desired = desired_state(loaded, "Inspections", IN_WINDOW)
    # A grant with no expiry is access whatever the date: the revoke removes it.
    actual = state({**{path: [] for path in desired.folder_paths()}, RECORDS: [person(IAIN)]})
    plan = plan_for(loaded, actual, Request(Mode.REVOKE, (IAIN,)), as_of=as_of)
    assert {s.email for s in plan.steps} == {IAIN}
    [note] = [n for n in plan.notes if "still a contact" in n]
    assert note.startswith(f"{show_email(IAIN)}: still a contact in the definition; ")
    assert says in note
    assert never not in note
