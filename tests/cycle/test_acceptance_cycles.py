"""History and accepted findings through real check cycles on the emulator, with the state
in SQLite: new, open, resolved and back; an acceptance made with `spcheck accept` and each
way it lapses (new content, new sharing, its date, a higher severity), what can never be
accepted, the exit code and the alert mail, and attested milestones recorded and withdrawn."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from spcheck.commands.accept import run_accept, run_unaccept
from spcheck.commands.attest import run_attest, run_unattest
from spcheck.commands.check import run_check
from spcheck.store.sqlite import SqliteStore
from tests.conftest import POLICIES
from tests.cycle.conftest import EILIDH, INSPECTION, SSO, World, inspection_of, local, report_json
from tests.cycle.test_check_command import options
from tests.cycle.test_scenarios import upload_records

# In the staff survey folder, which lets identifiers be (so only its type is a finding).
ODT = "06 Staff survey/Results.odt"
STATEMENT_ODT = "02 Position statement and evidence/Plan.odt"
MAIL = {
    "alert_to": "sso.testperson@careinspectorate.example",
    "alert_from": "spcheck@careinspectorate.example",
}


def upload_odt(world: World, text: bytes, at: str) -> None:
    world.upload("staff-survey", "Results.odt", text, EILIDH, local(at))


def finding(outcome: object, rule: str, path: str | None = None) -> dict[str, object]:
    found = [
        f
        for f in inspection_of(outcome)["findings"]
        if f["rule"] == rule and (path is None or f["path"] == path)
    ]
    assert len(found) == 1, found
    return found[0]


def accept(world: World, at: str, *extra: str, **options: str | None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    values: dict[str, str | None] = {"reason": "agreed with the inspection lead", "by": SSO}
    values.update(options)
    rule = extra[0] if extra else "file.type_not_allowed"
    code = run_accept(
        INSPECTION,
        rule,
        settings=world.settings(),
        now=lambda: local(at),
        out=out,
        err=err,
        **values,  # type: ignore[arg-type]
    )
    return code, out.getvalue(), err.getvalue()


def audit_actions(world: World) -> list[str]:
    """What the SSO's decisions wrote to the audit log, oldest first (provisioning left out)."""
    with SqliteStore(world.tmp / "state.db") as store:
        entries = reversed(store.entries(INSPECTION))
        return [e.action for e in entries if e.plan_id.startswith(("acceptance-", "attestation-"))]


# -- history -------------------------------------------------------------------------------------


def test_a_finding_is_new_then_open_then_resolved_then_back(world: World) -> None:
    upload_odt(world, b"v1", "2026-09-28T09:00")
    first = world.cycle(local("2026-09-28T10:00"))
    odt = finding(first, "file.type_not_allowed")
    assert (odt["state"], odt["first_seen"], odt["cycles"]) == (
        "new",
        "2026-09-28T10:00:00+01:00",
        1,
    )
    second = world.cycle(local("2026-09-30T10:00"))
    odt = finding(second, "file.type_not_allowed")
    assert (odt["state"], odt["first_seen"], odt["last_seen"], odt["cycles"]) == (
        "open",
        "2026-09-28T10:00:00+01:00",
        "2026-09-30T10:00:00+01:00",
        2,
    )
    assert "open for 2 days" in world_markdown(second)
    item = world.state.item_by_path(
        world.drive_id, world.folder_path("staff-survey") + "/Results.odt"
    )
    assert item is not None
    world.state.delete_item(world.drive_id, item.id)
    third = world.cycle(local("2026-10-01T10:00"))
    inspection = inspection_of(third)
    assert not [f for f in inspection["findings"] if f["rule"] == "file.type_not_allowed"]
    [gone] = inspection["resolved"]
    assert (gone["rule"], gone["path"], gone["last_seen"], gone["resolved_at"]) == (
        "file.type_not_allowed",
        ODT,
        "2026-09-30T10:00:00+01:00",
        "2026-10-01T10:00:00+01:00",
    )
    assert report_json(third)["summary"]["resolved"] == 1
    upload_odt(world, b"v1 again", "2026-10-01T12:00")
    fourth = world.cycle(local("2026-10-01T13:00"))
    back = finding(fourth, "file.type_not_allowed")
    assert (back["state"], back["first_seen"], back["reopened"]) == (
        "new",
        "2026-10-01T13:00:00+01:00",
        True,
    )
    assert inspection_of(fourth)["resolved"] == []
    assert inspection_of(fourth)["trend"] == [1, 1, 0, 1]


def world_markdown(outcome: object) -> str:
    from spcheck.report.registry import renderer

    return renderer("md").render(outcome.report)  # type: ignore[attr-defined]


# -- accepting -----------------------------------------------------------------------------------


def test_an_accepted_finding_is_listed_but_not_counted(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    upload_odt(world, b"v1", "2026-09-28T09:00")
    world.cycle(local("2026-09-28T10:00"))
    code, out, err = accept(world, "2026-09-28T11:00", path=ODT, until="2026-10-09")
    assert (code, err) == (0, "")
    assert f"accepted file.type_not_allowed {ODT} until Fri 09 Oct 2026 23:59 BST" in out
    outcome = world.cycle(local("2026-09-29T10:00"))
    odt = finding(outcome, "file.type_not_allowed")
    assert odt["accepted"] == {
        "by": SSO,
        "at": "2026-09-28T11:00:00+01:00",
        "reason": "agreed with the inspection lead",
        "until": "2026-10-09T23:59:59+01:00",
    }
    inspection = inspection_of(outcome)
    assert inspection["status"] != "error"
    assert inspection["errors"] == {"new": 0, "open": 0, "accepted": 1}
    assert report_json(outcome)["summary"]["errors"] == 0
    # `spcheck check` exits 0: the only error is accepted.
    capsys.readouterr()
    code = run_check(
        [],
        as_of="2026-09-29",
        fmt="json",
        out=None,
        gateway_options=options(world),
        settings=world.settings(),
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["summary"]["accepted"] == 1
    assert audit_actions(world)[-1:] == ["accept"]
    # Withdrawn, it counts again.
    out_, err_ = io.StringIO(), io.StringIO()
    assert (
        run_unaccept(
            INSPECTION,
            "file.type_not_allowed",
            path=ODT,
            by=SSO,
            settings=world.settings(),
            now=lambda: local("2026-09-29T11:00"),
            out=out_,
            err=err_,
        )
        == 0
    )
    again = world.cycle(local("2026-09-29T12:00"))
    assert finding(again, "file.type_not_allowed")["accepted"] is None
    assert inspection_of(again)["status"] == "error"
    assert audit_actions(world)[-2:] == ["accept", "unaccept"]


def test_the_default_end_is_the_milestones_next_change_of_state(world: World) -> None:
    world.upload("pir", "PIR.odt", b"v1", EILIDH, local("2026-09-21T09:00"))
    upload_odt(world, b"v1", "2026-09-21T09:00")
    world.upload("position-statement", "Plan.odt", b"v1", EILIDH, local("2026-09-21T09:00"))
    world.cycle(local("2026-09-21T10:00"))
    code, out, _ = accept(world, "2026-09-21T11:00", path="01 Pre-inspection return/PIR.odt")
    assert code == 0
    # The PIR milestone is pending and becomes due soon at midnight on Tuesday 29 September.
    assert "until Tue 29 Sep 2026 00:00 BST" in out
    # The position statement is due in week 9: nothing changes within 30 days.
    assert (
        accept(world, "2026-09-21T11:00", path=STATEMENT_ODT)[1].count(
            "until Wed 21 Oct 2026 11:00 BST"
        )
        == 1
    )
    # No milestone at all (the staff survey folder): 30 days.
    assert "until Wed 21 Oct 2026 11:00 BST" in accept(world, "2026-09-21T11:00", path=ODT)[1]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("content", "the item changed (new content)"),
        ("sharing", "its sharing changed"),
        ("date", "its date passed"),
    ],
)
def test_an_acceptance_lapses_and_the_finding_counts_again(
    world: World, change: str, reason: str
) -> None:
    upload_odt(world, b"v1", "2026-09-28T09:00")
    world.cycle(local("2026-09-28T10:00"))
    assert accept(world, "2026-09-28T11:00", path=ODT, until="2026-09-29")[0] == 0
    held = world.cycle(local("2026-09-29T10:00"))
    assert finding(held, "file.type_not_allowed")["accepted"] is not None
    if change == "content":
        upload_odt(world, b"v2, changed", "2026-09-29T15:00")
        at = "2026-09-29T16:00"
    elif change == "sharing":
        item = world.state.item_by_path(
            world.drive_id, world.folder_path("staff-survey") + "/Results.odt"
        )
        assert item is not None
        world.state.grant(world.drive_id, item.id, EILIDH, ["read"])
        at = "2026-09-29T16:00"
    else:
        at = "2026-09-30T10:00"
    lapsed = world.cycle(local(at))
    odt = finding(lapsed, "file.type_not_allowed")
    assert odt["accepted"] is None
    assert inspection_of(lapsed)["status"] == "error"
    with SqliteStore(world.tmp / "state.db") as store:
        [ended] = store.acceptances(INSPECTION, live=False)
        [entry] = [e for e in store.entries(INSPECTION) if e.action == "acceptance_ended"]
    assert ended.end_reason is not None
    assert ended.end_reason.startswith(reason)
    assert entry.actor == "spcheck (check cycle)"
    assert reason in entry.detail
    # Ended for good: the next cycle does not bring it back.
    assert (
        finding(world.cycle(local("2026-09-30T12:00")), "file.type_not_allowed")["accepted"] is None
    )


def test_an_acceptance_lapses_when_the_severity_rises(world: World, tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(POLICIES, policies)
    path = policies / "children-at-risk-of-harm.yaml"
    data = yaml.safe_load(path.read_text())
    data["rules"]["file.type_not_allowed"] = "warning"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    world.policies = policies
    upload_odt(world, b"v1", "2026-09-28T09:00")
    first = world.cycle(local("2026-09-28T10:00"))
    assert finding(first, "file.type_not_allowed")["severity"] == "warning"
    assert accept(world, "2026-09-28T11:00", path=ODT)[0] == 0
    assert finding(world.cycle(local("2026-09-28T12:00")), "file.type_not_allowed")["accepted"]
    data["rules"]["file.type_not_allowed"] = "error"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    graver = world.cycle(local("2026-09-28T13:00"))
    odt = finding(graver, "file.type_not_allowed")
    assert (odt["severity"], odt["accepted"]) == ("error", None)
    with SqliteStore(world.tmp / "state.db") as store:
        [ended] = store.acceptances(INSPECTION, live=False)
    assert ended.end_reason == "the finding's severity rose from warning to error"


@pytest.mark.parametrize(
    ("rule", "plant", "path"),
    [
        ("records.unexpected", "stray", "03 Records sample/GM-0001.txt"),
        ("permission.anonymous_link", "link", "03 Records sample"),
    ],
)
def test_what_can_never_be_accepted_is_refused_with_exit_1_and_audited(
    world: World, rule: str, plant: str, path: str
) -> None:
    if plant == "stray":
        upload_records(world, ["GM-0001"], "records", local("2026-09-28T09:00"))
    else:
        folder = world.state.item_by_path(world.drive_id, world.folder_path("records"))
        assert folder is not None
        world.state.create_link(world.drive_id, folder.id, "view", "anonymous")
    world.cycle(local("2026-09-28T10:00"))
    code, out, err = accept(world, "2026-09-28T11:00", rule, path=path)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert f"{rule} can never be accepted (policy acceptance.refused)" in err
    with SqliteStore(world.tmp / "state.db") as store:
        assert store.acceptances(INSPECTION, live=False) == []
        [entry] = [e for e in store.entries(INSPECTION) if e.action == "accept_refused"]
    assert entry.result.value == "skipped"
    assert entry.actor == SSO
    still = world.cycle(local("2026-09-28T12:00"))
    assert inspection_of(still)["status"] == "error"


def test_an_identifier_in_a_folder_that_forbids_them_is_refused(world: World) -> None:
    from tests.content.builders import docx_clean

    world.upload(
        "training",
        "Plan.docx",
        docx_clean(["Child's name: Fergus Madeup"]),
        EILIDH,
        local("2026-09-28T09:00"),
    )
    world.cycle(local("2026-09-28T10:00"))
    code, _, err = accept(
        world,
        "2026-09-28T11:00",
        "content.personal_identifier",
        path="05 Training materials (redacted)/Plan.docx",
    )
    assert code == 1
    assert "a folder that forbids identifiers, can never be accepted" in err


BAD_ACCEPTANCES: list[tuple[dict[str, str | None], str]] = [
    ({"path": "02 Position statement and evidence/Other.odt"}, "no such finding is open"),
    ({"path": ODT, "until": "2026-12-31"}, "--until: at most 30 days ahead"),
    ({"path": ODT, "until": "2026-09-01"}, "--until: the date has already passed"),
    ({"path": ODT, "until": "someday"}, "--until: 'someday' is not a date"),
    ({"path": ODT, "reason": "  "}, "--reason: must not be empty"),
    ({"path": ODT, "reason": "two\nlines"}, "--reason: one line of printable text"),
    ({"path": ODT, "by": None}, "--by: say who you are (or set SPCHECK_OPERATOR)"),
]


def test_a_bad_request_is_one_line_exit_2_and_changes_nothing(world: World) -> None:
    upload_odt(world, b"v1", "2026-09-28T09:00")
    world.cycle(local("2026-09-28T10:00"))
    for options_, message in BAD_ACCEPTANCES:
        code, out, err = accept(world, "2026-09-28T11:00", **options_)
        assert (code, out) == (2, ""), options_
        assert err.count("\n") == 1, err
        assert message in err, (options_, err)
    with SqliteStore(world.tmp / "state.db") as store:
        assert store.acceptances(INSPECTION, live=False) == []
        assert not [e for e in store.entries(INSPECTION) if e.action.startswith("accept")]


def test_the_operator_setting_names_who_accepts(world: World) -> None:
    upload_odt(world, b"v1", "2026-09-28T09:00")
    world.cycle(local("2026-09-28T10:00"))
    named = world.settings().model_copy(update={"operator": "Duty SSO"})
    out = io.StringIO()
    code = run_accept(
        INSPECTION,
        "file.type_not_allowed",
        path=ODT,
        reason="agreed",
        settings=named,
        now=lambda: local("2026-09-28T11:00"),
        out=out,
        err=out,
    )
    assert code == 0, out.getvalue()
    with SqliteStore(world.tmp / "state.db") as store:
        [acceptance] = store.acceptances(INSPECTION)
    assert acceptance.by == "Duty SSO"


def test_an_acceptance_covers_only_the_findings_open_when_it_was_made(world: World) -> None:
    upload_odt(world, b"v1", "2026-09-28T09:00")
    world.cycle(local("2026-09-28T10:00"))
    assert accept(world, "2026-09-28T11:00")[0] == 0  # every open file.type_not_allowed
    world.upload("position-statement", "Annex.odt", b"x", EILIDH, local("2026-09-28T12:00"))
    outcome = world.cycle(local("2026-09-28T13:00"))
    assert finding(outcome, "file.type_not_allowed", ODT)["accepted"] is not None
    later = finding(
        outcome, "file.type_not_allowed", "02 Position statement and evidence/Annex.odt"
    )
    assert later["accepted"] is None
    assert inspection_of(outcome)["status"] == "error"


# -- the alert mail ------------------------------------------------------------------------------


def test_the_mail_says_new_accepted_and_lapsed(world: World) -> None:
    upload_odt(world, b"v1", "2026-09-28T09:00")
    world.cycle(local("2026-09-28T10:00"), alerts=True, **MAIL)
    [first] = world.state.sent_mail
    assert f"NEW file.type_not_allowed [{ODT}]" in str(first)
    assert "(new)" in str(first)
    assert accept(world, "2026-09-28T11:00", path=ODT)[0] == 0
    world.cycle(local("2026-09-28T12:00"), alerts=True, **MAIL)
    second = str(world.state.sent_mail[1])
    assert f"ACCEPTED file.type_not_allowed {ODT} by {SSO}" in second
    assert "1 accepted" in second
    world.cycle(local("2026-09-28T13:00"), alerts=True, **MAIL)
    assert len(world.state.sent_mail) == 2  # nothing new: no mail
    upload_odt(world, b"v2", "2026-09-28T14:00")
    world.cycle(local("2026-09-28T15:00"), alerts=True, **MAIL)
    third = str(world.state.sent_mail[2])
    assert f"NEW file.type_not_allowed [{ODT}]" in third
    assert "(its acceptance lapsed: the item changed (new content))" in third


# -- attested milestones -------------------------------------------------------------------------


def test_an_attested_milestone_is_recorded_audited_and_withdrawn(world: World) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run_attest(
        INSPECTION,
        "pd1",
        note="held online",
        by=SSO,
        settings=world.settings(),
        now=lambda: local("2026-10-08T15:00"),
        out=out,
        err=err,
    )
    assert (code, err.getvalue()) == (0, "")
    assert "attested pd1 (First partnership discussion (PD1) held) for Thu 08 Oct 2026" in (
        out.getvalue()
    )
    met = inspection_of(world.cycle(local("2026-10-09T10:00")))
    pd1 = next(m for m in met["milestones"] if m["id"] == "pd1")
    assert (pd1["state"], pd1["met_at"]) == ("met", "2026-10-08T15:00:00+01:00")
    assert pd1["evidence"] == [f"held online; attested by {SSO} for Thu 08 Oct 2026"]
    code = run_unattest(
        INSPECTION,
        "pd1",
        by=SSO,
        settings=world.settings(),
        now=lambda: local("2026-10-09T11:00"),
        out=out,
        err=err,
    )
    assert code == 0
    again = inspection_of(world.cycle(local("2026-10-12T10:00")))
    assert next(m for m in again["milestones"] if m["id"] == "pd1")["state"] == "overdue"
    assert audit_actions(world)[-2:] == ["attest", "unattest"]


BAD_ATTESTATIONS: list[tuple[str, dict[str, str | None], str]] = [
    ("pir", {}, "MILESTONE: pir is met by file, not attested"),
    ("pd2", {}, "MILESTONE: no milestone 'pd2' in the policy"),
    ("survey-distribution", {}, "--value: survey-distribution records a number"),
    ("pd1", {"on": "2026-12-01"}, "--on: that is in the future"),
    ("pd1", {"by": None}, "--by: say who you are"),
]


def test_a_bad_attestation_is_one_line_exit_2(world: World) -> None:
    for milestone, options_, message in BAD_ATTESTATIONS:
        out, err = io.StringIO(), io.StringIO()
        values: dict[str, str | None] = {"by": SSO}
        values.update(options_)
        code = run_attest(
            INSPECTION,
            milestone,
            settings=world.settings(),
            now=lambda: local("2026-10-08T15:00"),
            out=out,
            err=err,
            **values,  # type: ignore[arg-type]
        )
        assert code == 2, (milestone, options_)
        assert err.getvalue().count("\n") == 1
        assert message in err.getvalue()
    with SqliteStore(world.tmp / "state.db") as store:
        assert store.attestations(INSPECTION) == []
