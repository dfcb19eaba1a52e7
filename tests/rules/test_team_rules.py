"""Team rules against the access of the people the definition names in its team.

On ``CLEAN_AS_OF`` (Tue 10 Nov 2026, week 8) records reading (Mon 9 Nov to Fri 11 Dec
23:59) and the local record readers' training (Mon 2 Nov to Fri 13 Nov 17:00) are open.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from spcheck.domain.inspection import TeamMember
from spcheck.domain.snapshot import Access
from spcheck.rules import InspectionResult
from tests.rules.builders import (
    LONDON,
    PIR,
    RESERVES,
    SAMPLE,
    SSO,
    TRAINING,
    clean_access,
    clean_snapshot,
    grant,
    only,
    run,
    with_inspection,
)

PARTNER = "alex.scrutineer@scrutiny-body.example"
READER = "ruth.readwell@glenmorven-council.example"
VOLUNTEER = "sam.youngvoice@careinspectorate.example"
LEAD = "fiona.leadperson@careinspectorate.example"
READING_UNTIL = dt.datetime(2026, 12, 11, 23, 59, tzinfo=LONDON)
TRAINING_UNTIL = dt.datetime(2026, 11, 13, 17, 0, tzinfo=LONDON)
TEAM = [
    TeamMember(name="Alex Scrutineer", email=PARTNER, role="scrutiny-partner"),
    TeamMember(name="Ruth Readwell", email=READER, role="local-record-reader"),
    TeamMember(name="Sam Youngvoice", email=VOLUNTEER, role="young-inspection-volunteer"),
    TeamMember(name="Fiona Leadperson", email=LEAD, role="inspection-lead"),
]
TEAM_ACCESS = [
    grant(SAMPLE, PARTNER, "read", expires=READING_UNTIL),
    grant(RESERVES, PARTNER, "read", expires=READING_UNTIL),
    grant(TRAINING, READER, "read", expires=TRAINING_UNTIL),
]


def team_rules(result: InspectionResult) -> list[str]:
    return sorted(f.rule for f in result.findings if f.rule.startswith(("team.", "permission.")))


def check(
    *extra: Access, as_of: dt.datetime | None = None, drop: str | None = None
) -> InspectionResult:
    access = [a for a in [*clean_access(), *TEAM_ACCESS] if drop is None or a.email != drop]
    kwargs = {"as_of": as_of} if as_of is not None else {}
    return run(
        clean_snapshot(access=[*access, *extra]), inspection=with_inspection(team=TEAM), **kwargs
    )


def test_a_team_with_exactly_its_access_is_clean_and_no_outsider() -> None:
    result = check()
    assert team_rules(result) == []
    # Without the team in the definition the scrutiny partner is an outsider, as before.
    plain = run(clean_snapshot(access=[*clean_access(), *TEAM_ACCESS]))
    assert sorted(f.rule for f in plain.findings) == [
        "permission.external_domain",
        "permission.external_domain",
        "permission.not_nominated",
    ]


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (grant(PIR, PARTNER, "read", expires=READING_UNTIL), "which their role does not give"),
        (grant("", PARTNER, "read", expires=READING_UNTIL), "reaches every folder"),
        (grant(SSO, PARTNER, "read", expires=READING_UNTIL), "closed to the partnership"),
        (grant(SAMPLE, VOLUNTEER, "read"), "a young inspection volunteer never has access"),
        (grant(TRAINING, VOLUNTEER, "read"), "a young inspection volunteer never has access"),
    ],
)
def test_a_folder_the_role_does_not_give(entry: Access, words: str) -> None:
    [found] = only(check(entry), "team.folder_not_allowed")
    assert words in found.message
    assert found.severity.value == "error"
    assert found.masked is not None
    assert "@" in found.masked
    assert entry.email is not None
    assert entry.email not in found.message


@pytest.mark.parametrize("role", ["write", "owner"])
def test_a_higher_role_than_the_role_gives(role: str) -> None:
    entry = grant(SAMPLE, PARTNER, role, expires=READING_UNTIL, pid="p-higher")
    result = check(entry, drop=None)
    [found] = only(result, "team.excess_role")
    assert f"has {role} on 03 Records sample, where their role gives read" in found.message


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (dt.datetime(2026, 11, 9, 0, 0, tzinfo=LONDON), []),
        (dt.datetime(2026, 11, 8, 23, 59, tzinfo=LONDON), ["team.outside_window"] * 2),
        (READING_UNTIL, []),
    ],
)
def test_the_window_s_boundaries(as_of: dt.datetime, expected: list[str]) -> None:
    # Before the reader's training ends and after it opens: only the partner can be early.
    without_expiry = [dataclasses.replace(a, expires_at=None) for a in TEAM_ACCESS[:2]]
    result = check(*without_expiry, as_of=as_of, drop=PARTNER)
    rules = [f.rule for f in result.findings if f.rule.startswith("team.")]
    assert sorted(r for r in rules if r != "team.missing") == expected


def test_access_after_the_window_or_expiring_after_it() -> None:
    after = dt.datetime(2026, 11, 16, 9, 0, tzinfo=LONDON)
    kept = grant(TRAINING, READER, "read", pid="p-kept")
    result = check(kept, as_of=after, drop=READER)
    [found] = only(result, "team.outside_window")
    assert "outside their window (Mon 02 Nov 2026 00:00 GMT to Fri 13 Nov 2026 17:00 GMT)" in (
        found.message
    )
    late = grant(SAMPLE, PARTNER, "read", expires=READING_UNTIL + dt.timedelta(days=7))
    [found] = only(check(late, drop=PARTNER), "team.outside_window")
    assert "expires after their window ends" in found.message
    # Its own expiry passed: no access, nothing to judge.
    assert only(check(as_of=after), "team.outside_window") == []


def test_a_member_without_what_their_role_gives_now() -> None:
    result = check(drop=PARTNER)
    [found] = only(result, "team.missing")
    assert found.severity.value == "warning"
    assert "lacks read on 03 Records sample; read on 04 Records reserves" in found.message
    # Before their window opens nothing is missing; staff are given access by the site.
    early = dt.datetime(2026, 10, 20, 12, 0, tzinfo=LONDON)
    assert only(check(drop=PARTNER, as_of=early), "team.missing") == []


def test_staff_members_are_left_to_the_site_except_where_no_policy_may_reach() -> None:
    lead_direct = grant(SSO, LEAD, "write")
    assert team_rules(check(lead_direct)) == []
    volunteer_direct = grant(PIR, VOLUNTEER, "read")
    assert team_rules(check(volunteer_direct)) == []


def test_access_that_may_not_have_existed_is_not_checked() -> None:
    doubt = "it was not there on Mon 02 Nov 2026 and was first seen on Mon 16 Nov 2026"
    doubtful = dataclasses.replace(grant(PIR, PARTNER, "write"), doubt=doubt)
    result = check(doubtful)
    assert team_rules(result) == []
    [gap] = only(result, "check.unverifiable")
    assert doubt in gap.message
    assert "which their role does not give" in gap.message
