"""Replays (`check --as-of` a past date) judge the access that existed on that date.

Glenmorven is provisioned on Tuesday of week 2 (its grants expire at the end of week
13, Fri 18 Dec 2026 23:59); cycles read the permissions at chosen times, and later
cycles replay earlier dates. Weeks: 1 from 14 Sep, 3 from 28 Sep, 5 from 19 Oct (12 Oct
is paused), 13 from 14 Dec, 14 from 21 Dec.
"""

from __future__ import annotations

from typing import Any

from spcheck.commands.provision import run_revoke
from spcheck.emulator.seeds import OUTSIDER_EMAIL
from tests.cycle.conftest import EILIDH, IAIN, World, inspection_of, local

WEEK_1 = local("2026-09-16T17:00")
WEEK_3 = local("2026-09-28T17:00")
WEEK_5 = local("2026-10-20T17:00")
WEEK_14 = local("2026-12-21T17:00")
LATER = local("2027-01-11T09:00")  # when the replays run


def access_findings(outcome: Any) -> list[tuple[str, str | None, str]]:
    """The findings about access (and what could not be told about it)."""
    return [
        (f["rule"], f["path"], f["message"])
        for f in inspection_of(outcome)["findings"]
        if f["rule"].startswith("permission.") or f["rule"] == "check.unverifiable"
    ]


def test_replays_before_inside_and_after_the_window_judge_the_access_of_that_day(
    world: World,
) -> None:
    assert access_findings(world.cycle(WEEK_3)) == []
    # Before the week-2 apply the folders and grants did not exist: nothing to judge.
    assert access_findings(world.cycle(WEEK_1, now=LATER)) == []
    # Inside the window every contact had their access: nothing missing.
    assert access_findings(world.cycle(WEEK_5, now=LATER)) == []
    # After the window the grants had expired (Graph still lists them): no access, so
    # nothing outside the window, replayed or checked on the day itself.
    assert access_findings(world.cycle(WEEK_14, now=LATER)) == []
    assert access_findings(world.cycle(WEEK_14)) == []
    assert access_findings(world.cycle(LATER)) == []


def test_a_grant_without_expiry_is_still_judged_after_the_window(world: World) -> None:
    folder = world.state.item_by_path(world.drive_id, world.folder_path("position-statement"))
    assert folder is not None
    world.cycle(WEEK_3)
    # Week 9: someone re-shares the folder with the contact from SharePoint, no expiry.
    world.clock.moment = local("2026-11-16T12:00")
    world.state.grant(world.drive_id, folder.id, EILIDH, ["write"])
    assert access_findings(world.cycle(local("2026-11-16T17:00"))) == []
    [(rule, path, message)] = access_findings(world.cycle(WEEK_14, now=LATER))
    assert (rule, path) == ("permission.outside_window", "02 Position statement and evidence")
    assert "ei**************er@glenmorven-council.example" in message
    # Before it was given, the same date range shows nothing of it.
    assert access_findings(world.cycle(local("2026-11-13T17:00"), now=LATER)) == []


def test_a_revoked_grant_existed_until_the_audit_log_says_it_was_removed(world: World) -> None:
    world.cycle(WEEK_5)
    world.apply(run_revoke, local("2026-10-27T10:00"), [IAIN])
    world.cycle(local("2026-11-03T17:00"))
    # The day before the revoke Iain had his access: nothing missing then.
    assert access_findings(world.cycle(local("2026-10-26T17:00"), now=LATER)) == []
    # The day after, he is a contact without it: that is true then, and said.
    [(rule, _, message)] = access_findings(world.cycle(local("2026-10-28T17:00"), now=LATER))
    assert rule == "permission.missing"
    assert "ia**********on@nhs-glenmorven.example" in message


def test_access_given_by_hand_between_two_reads_is_unknown_between_them(world: World) -> None:
    records = world.state.item_by_path(world.drive_id, world.folder_path("records"))
    assert records is not None
    world.cycle(WEEK_3)
    world.clock.moment = local("2026-10-06T12:00")  # week 4, between two cycles
    world.state.grant(world.drive_id, records.id, OUTSIDER_EMAIL, ["write"])
    found = access_findings(world.cycle(local("2026-10-19T17:00")))
    assert [(r, p) for r, p, _ in found] == [("permission.external_domain", "03 Records sample")]

    # At the read that did not show it, it was not there.
    assert access_findings(world.cycle(WEEK_3, now=LATER)) == []
    # Between the reads nobody knows: not checked, never a pass and never an error about it.
    [(rule, path, message)] = access_findings(world.cycle(local("2026-10-07T17:00"), now=LATER))
    assert (rule, path) == ("check.unverifiable", "03 Records sample")
    assert message.startswith(
        "whether this access existed on Wed 07 Oct 2026 17:00 BST is not known (it was not "
        "there on Mon 28 Sep 2026 17:00 BST and was first seen on Mon 19 Oct 2026 17:00 BST); "
        "if it did: a person (ro*********er@outsider.example) outside the partnership's "
        "domains has write on 03 Records sample"
    )
    # From the read that showed it on, it is an error as on the day.
    found = access_findings(world.cycle(local("2026-10-20T17:00"), now=LATER))
    assert [(r, p) for r, p, _ in found] == [("permission.external_domain", "03 Records sample")]
