"""The inspection team in the definition and the policy: validation, windows, refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from spcheck.domain.inspection import Inspection
from spcheck.domain.parse import parse_inspection, parse_policy
from spcheck.domain.policy import Policy
from spcheck.domain.team import member_access, team_access
from spcheck.domain.timeline import Timeline
from spcheck.errors import InputError
from tests.conftest import DEFAULT_POLICY, EXAMPLES

LONDON = ZoneInfo("Europe/London")
POLICY_TEXT = DEFAULT_POLICY.read_text()
POLICY = parse_policy(POLICY_TEXT, "policy.yaml")
BASE = yaml.safe_load((EXAMPLES / "glenmorven-2026.yaml").read_text())

PARTNER = {
    "name": "Alex Scrutineer",
    "email": "alex.scrutineer@scrutiny-body.example",
    "role": "scrutiny-partner",
}
LEAD = {
    "name": "Fiona Leadperson",
    "email": "fiona.leadperson@careinspectorate.example",
    "role": "inspection-lead",
}
READER = {
    "name": "Ruth Readwell",
    "email": "ruth.readwell@glenmorven-council.example",
    "role": "local-record-reader",
}
VOLUNTEER = {
    "name": "Sam Youngvoice",
    "email": "sam.youngvoice@volunteers.example",
    "role": "young-inspection-volunteer",
}


class NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def definition(**changes: Any) -> str:
    return yaml.dump({**BASE, **changes}, Dumper=NoAliases)


def inspection(team: list[dict[str, Any]], policy: Policy = POLICY, **changes: Any) -> Inspection:
    return parse_inspection(definition(team=team, **changes), "def.yaml", policy)


def policy_with(team: dict[str, Any]) -> Policy:
    data = yaml.safe_load(POLICY_TEXT)
    data["team"] = team
    data["local_defaults"] = {
        k: v for k, v in data["local_defaults"].items() if not k.startswith("team.")
    }
    return parse_policy(yaml.dump(data, Dumper=NoAliases), "policy.yaml")


# --- validation: one line naming the entry, exit 2 ------------------------------------------


@pytest.mark.parametrize(
    ("team", "changes", "expected"),
    [
        ([PARTNER, PARTNER], {}, "def.yaml: team.1.email: duplicate team member"),
        (
            [{**PARTNER, "email": "morag.testperson@glenmorven-council.example"}],
            {},
            "def.yaml: team.0.email: morag.testperson@glenmorven-council.example is also "
            "contacts.0",
        ),
        ([{**PARTNER, "email": "not-an-address"}], {}, "def.yaml: team.0.email: not an email"),
        ([{**PARTNER, "role": "owner"}], {}, "def.yaml: team.0.role:"),
        (
            [{**PARTNER, "folders": ["pir"]}],
            {},
            "def.yaml: team.0.folders.0: the scrutiny-partner role gives no access to folder 'pir'",
        ),
        ([{**PARTNER, "nickname": "x"}], {}, "def.yaml: team.0.nickname:"),
        (
            [],
            {"deadline_overrides": {"reading_from": "2026-11-02"}},
            "def.yaml: deadline_overrides.reading_from: unknown milestone or window",
        ),
    ],
)
def test_a_bad_team_entry_is_one_line(
    team: list[dict[str, Any]], changes: dict[str, Any], expected: str
) -> None:
    with pytest.raises(InputError) as caught:
        inspection(team, **changes)
    message = str(caught.value)
    assert message.startswith(expected), message
    assert "\n" not in message
    assert caught.value.exit_code == 2


def test_a_role_the_policy_does_not_give_is_refused() -> None:
    policy = policy_with({"windows": {}, "roles": {}})
    with pytest.raises(InputError, match=r"team\.0\.role: the policy's team\.roles has no "):
        inspection([PARTNER], policy)


@pytest.mark.parametrize(
    ("team", "expected"),
    [
        (
            {
                "windows": {},
                "roles": {
                    "sso": {
                        "title": "SSO",
                        "access": [{"folders": ["sso"], "role": "owner", "window": "w"}],
                    }
                },
            },
            "team.roles.sso.access.0.role: nobody gets owner",
        ),
        (
            {
                "windows": {},
                "roles": {
                    "sso": {
                        "title": "SSO",
                        "access": [{"folders": ["sso"], "role": "read", "window": "w"}],
                    }
                },
            },
            "unknown window 'w' (known: none)",
        ),
        (
            {
                "windows": {
                    "w": {
                        "from": {"week": 2, "weekday": "monday", "time": "00:00"},
                        "until": {"week": 2, "weekday": "monday", "time": "00:00"},
                    }
                },
                "roles": {},
            },
            "the window must end after it opens",
        ),
        (
            {
                "windows": {
                    "w": {
                        "from": {"week": 2, "weekday": "monday", "time": "00:00"},
                        "until": {"week": 3, "weekday": "monday", "time": "00:00"},
                    }
                },
                "roles": {
                    "sso": {
                        "title": "SSO",
                        "access": [
                            {"folders": ["sso"], "role": "read", "window": "w"},
                            {"folders": ["sso"], "role": "write", "window": "w"},
                        ],
                    }
                },
            },
            "team.roles.sso.access.1.folders.0: folder 'sso' is given to the role twice",
        ),
        (
            {"windows": {}, "roles": {"chair": {"title": "Chair", "access": []}}},
            "team.roles.chair",
        ),
    ],
)
def test_a_bad_team_policy_is_one_line(team: dict[str, Any], expected: str) -> None:
    with pytest.raises(InputError) as caught:
        policy_with(team)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


# --- windows in inspection weeks -------------------------------------------------------------


def test_windows_count_weeks_past_the_paused_week() -> None:
    # Glenmorven: notified Mon 7 Sep 2026, 12 Oct paused, so week 8 starts Mon 9 Nov.
    timeline = Timeline(inspection([]), POLICY)
    assert timeline.team_window("records-reading") == (
        local("2026-11-09T00:00"),
        local("2026-12-11T23:59"),
    )
    assert timeline.team_window("reader-training") == (
        local("2026-11-02T00:00"),
        local("2026-11-13T17:00"),
    )
    unpaused = Timeline(inspection([], paused_weeks=[]), POLICY)
    assert unpaused.team_window("records-reading")[0] == local("2026-11-02T00:00")


def test_a_window_opens_on_a_holiday_and_its_end_moves_off_one() -> None:
    # Week 11 of Glenmorven starts on St Andrew's Day (Monday 30 November 2026).
    monday = {"week": 11, "weekday": "monday", "time": "09:00"}
    policy = policy_with(
        {
            "windows": {
                "opens-on-holiday": {"from": monday, "until": {**monday, "week": 12}},
                "ends-on-holiday": {"from": {**monday, "week": 10}, "until": monday},
            },
            "roles": {},
        }
    )
    timeline = Timeline(inspection([], policy), policy)
    assert timeline.team_window("opens-on-holiday")[0] == local("2026-11-30T09:00")
    assert timeline.team_window("ends-on-holiday")[1] == local("2026-12-01T09:00")


def test_an_override_moves_a_window_for_one_inspection() -> None:
    moved = inspection(
        [],
        deadline_overrides={
            "records-reading_from": "2026-11-16",
            "records-reading_until": "2026-12-04T12:00:00",
        },
    )
    timeline = Timeline(moved, POLICY)
    assert timeline.team_window("records-reading") == (
        local("2026-11-16T00:00"),
        local("2026-12-04T12:00"),
    )


# --- what each member may use, and the refusals no policy lifts ------------------------------


def test_each_shipped_role_gets_its_folders_in_its_window() -> None:
    team = [
        PARTNER,
        LEAD,
        READER,
        VOLUNTEER,
        {**PARTNER, "email": "aa@assessors.example", "role": "associate-assessor"},
    ]
    found = {
        m.email: m
        for m in team_access(inspection(team), POLICY, Timeline(inspection(team), POLICY))
    }
    partner = found[PARTNER["email"]]
    assert not partner.staff
    assert not partner.refused
    assert {(g.folder_key, g.role, g.window) for g in partner.grants} == {
        ("records", "read", "records-reading"),
        ("records-reserves", "read", "records-reading"),
    }
    assert partner.grants[0].open_at(local("2026-11-09T00:00"))
    assert not partner.grants[0].open_at(local("2026-11-08T23:59"))
    assert not partner.grants[0].open_at(local("2026-12-12T00:00"))
    assert found["aa@assessors.example"].grants == partner.grants
    lead = found[LEAD["email"]]
    assert lead.staff
    assert not lead.refused
    assert {g.folder_key for g in lead.grants} >= {"sso", "records"}
    assert {(g.folder_key, g.role) for g in found[READER["email"]].grants} == {("training", "read")}
    assert found[VOLUNTEER["email"]].grants == () == found[VOLUNTEER["email"]].refused


def test_narrowing_a_member_to_some_of_the_role_s_folders() -> None:
    team = [{**PARTNER, "folders": ["records"]}]
    loaded = inspection(team)
    member = member_access(loaded.team[0], POLICY, Timeline(loaded, POLICY))
    assert [g.folder_key for g in member.grants] == ["records"]


EVERYTHING = {
    "windows": {
        "all": {
            "from": {"week": 0, "weekday": "monday", "time": "00:00"},
            "until": {"week": 20, "weekday": "friday", "time": "23:59"},
        }
    },
    "roles": {
        role: {
            "title": role,
            "access": [
                {
                    "folders": ["pir", "records", "records-reserves", "training", "sso"],
                    "role": "write",
                    "window": "all",
                }
            ],
        }
        for role in ("young-inspection-volunteer", "scrutiny-partner", "inspection-lead")
    },
}


def test_no_policy_gives_a_volunteer_records_or_training_or_an_outsider_the_sso_folder() -> None:
    policy = policy_with(EVERYTHING)
    team = [
        VOLUNTEER,
        {**VOLUNTEER, "email": "yiv@careinspectorate.example"},
        PARTNER,
        {**LEAD, "email": "lead@elsewhere.example"},
        LEAD,
    ]
    loaded = inspection(team, policy)
    found = {m.email: m for m in team_access(loaded, policy, Timeline(loaded, policy))}

    def refused(email: str) -> set[str]:
        return {r.folder_key for r in found[email].refused}

    def granted(email: str) -> set[str]:
        return {g.folder_key for g in found[email].grants}

    assert refused(VOLUNTEER["email"]) == {"records", "records-reserves", "training", "sso"}
    assert granted(VOLUNTEER["email"]) == {"pir"}
    # At a staff domain a volunteer still never reaches records or training.
    assert refused("yiv@careinspectorate.example") == {"records", "records-reserves", "training"}
    assert refused(PARTNER["email"]) == {"sso"}
    assert refused("lead@elsewhere.example") == {"sso"}
    assert refused(LEAD["email"]) == set()
    reasons = [r.reason for r in found[VOLUNTEER["email"]].refused]
    assert "a young inspection volunteer never has access to 03 Records sample" in reasons[0]
    assert any("closed to the partnership" in r for r in reasons)


def test_team_findings_are_access_findings_to_acceptances() -> None:
    from spcheck.domain.acceptance import follows_content, subject_path

    # Accepted like a permission finding: about the inspection folder when it names no
    # path, and not ended by new content.
    assert subject_path("team.missing", None) == ""
    assert not follows_content("team.outside_window")
    assert follows_content("records.missing")
