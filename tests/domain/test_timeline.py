"""The timeline engine against real calendar cases and properties."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from spcheck.domain.inspection import Inspection
from spcheck.domain.policy import Due, Policy
from spcheck.domain.timeline import MilestoneState, Timeline, milestone_state
from tests.conftest import DEFAULT_POLICY

LONDON = ZoneInfo("Europe/London")


def make_policy(data: dict[str, Any], **calendar: Any) -> Policy:
    data = {**data, "calendar": {**data["calendar"], **calendar}}
    return Policy.model_validate(data)


def make_inspection(notified: str, **fields: Any) -> Inspection:
    base = {
        "id": "test-insp",
        "partnership": "Test Partnership",
        "programme": "children-at-risk-of-harm",
        "notification_date": notified,
        "allowed_domains": ["test-council.example"],
    }
    return Inspection.model_validate({**base, **fields})


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


POLICY_DATA: dict[str, Any] = yaml.safe_load(DEFAULT_POLICY.read_text())
POLICY = Policy.model_validate(POLICY_DATA)
KEPT = make_policy(POLICY_DATA, on_holiday="keep")


@pytest.fixture
def policy() -> Policy:
    return POLICY


# (notified, paused weeks, due, expected local deadline, why)
CASES = [
    (
        "2026-11-25",
        [],
        Due(week=1, weekday="monday", time=dt.time(12)),
        "2026-12-01T12:00",
        "St Andrew's Day, Monday 30 November 2026, moves to Tuesday",
    ),
    (
        "2026-11-25",
        [],
        Due(week=0, weekday="friday"),
        "2026-11-27T23:59",
        "an ordinary Friday in the notification week",
    ),
    (
        "2026-11-25",
        [],
        Due(week=5, weekday="monday"),
        "2026-12-29T23:59",
        "Boxing Day substitute, Monday 28 December 2026",
    ),
    (
        "2026-11-25",
        [],
        Due(week=5, weekday="friday"),
        "2027-01-05T23:59",
        "New Year's Day Friday, 2 January substitute Monday 4 January 2027",
    ),
    (
        "2026-11-25",
        ["2026-12-21", "2026-12-28"],
        Due(week=4, weekday="monday"),
        "2027-01-05T23:59",
        "two paused holiday weeks, then the 4 January substitute day",
    ),
    (
        "2027-02-15",
        [],
        Due(week=5, weekday="friday", time=dt.time(17)),
        "2027-03-29T17:00",
        "Good Friday 26 March 2027 moves to Monday (Easter Monday is not a Scottish holiday)",
    ),
    (
        "2026-09-07",
        [],
        Due(week=6, weekday="friday"),
        "2026-10-23T23:59",
        "before the end of BST: 23:59 BST",
    ),
    (
        "2026-09-07",
        [],
        Due(week=7, weekday="monday", time=dt.time(9)),
        "2026-10-26T09:00",
        "the Monday after BST ends (25 October 2026): 09:00 GMT",
    ),
    (
        "2026-09-07",
        [],
        Due(week=7, weekday="friday"),
        "2026-10-30T23:59",
        "week 7 Friday without a pause",
    ),
    (
        "2026-09-07",
        ["2026-10-12"],
        Due(week=7, weekday="friday"),
        "2026-11-06T23:59",
        "a paused October week pushes week 7 back by seven days",
    ),
]


@pytest.mark.parametrize(("notified", "paused", "due", "expected", "why"), CASES)
def test_real_calendar_cases(
    policy: Policy, notified: str, paused: list[str], due: Due, expected: str, why: str
) -> None:
    timeline = Timeline(make_inspection(notified, paused_weeks=paused), policy)
    assert timeline.deadline(due) == local(expected), why


def test_bst_offsets_follow_the_date(policy: Policy) -> None:
    timeline = Timeline(make_inspection("2026-09-07"), policy)
    before = timeline.deadline(Due(week=6, weekday="friday"))
    after = timeline.deadline(Due(week=7, weekday="friday"))
    assert before.utcoffset() == dt.timedelta(hours=1)
    assert after.utcoffset() == dt.timedelta(0)
    # The clocks went back in between: seven days and one hour of real time.
    assert after.astimezone(dt.UTC) - before.astimezone(dt.UTC) == dt.timedelta(days=7, hours=1)


def test_override_wins_over_the_computed_date(policy: Policy) -> None:
    plain = Timeline(make_inspection("2026-11-25"), policy)
    moved = Timeline(
        make_inspection("2026-11-25", deadline_overrides={"pir": "2026-12-22"}), policy
    )
    assert plain.due("pir") == local("2026-12-18T23:59")
    assert moved.due("pir") == local("2026-12-22T23:59")
    dated = moved.milestone_date(policy.milestone("pir"))
    assert dated.overridden
    assert dated.moved_from is None


def test_override_with_a_time(policy: Policy) -> None:
    timeline = Timeline(
        make_inspection("2026-09-07", deadline_overrides={"pir": "2026-10-05T12:00:00"}), policy
    )
    assert timeline.due("pir") == local("2026-10-05T12:00")


def test_holiday_move_is_recorded(policy: Policy, policy_data: dict[str, Any]) -> None:
    data = {**policy_data}
    data["milestones"] = [
        {**policy_data["milestones"][1], "due": {"week": 1, "weekday": "monday", "time": "12:00"}}
    ]
    data["folders"] = [{**f, "milestone": None} for f in policy_data["folders"]]
    data["local_defaults"] = {}  # they name the milestones left out
    moved_policy = Policy.model_validate(data)
    item = Timeline(make_inspection("2026-11-25"), moved_policy).milestones[0]
    assert item.moved_from == dt.date(2026, 11, 30)
    assert item.due == local("2026-12-01T12:00")


def test_previous_working_day_and_keep(policy_data: dict[str, Any]) -> None:
    st_andrews = Due(week=1, weekday="monday")
    earlier = make_policy(policy_data, on_holiday="previous_working_day")
    kept = make_policy(policy_data, on_holiday="keep")
    inspection = make_inspection("2026-11-25")
    assert Timeline(inspection, earlier).deadline(st_andrews) == local("2026-11-27T23:59")
    assert Timeline(inspection, kept).deadline(st_andrews) == local("2026-11-30T23:59")


def test_local_holidays_from_the_inspection(policy: Policy) -> None:
    inspection = make_inspection("2026-09-07", extra_holidays=["2026-10-02"])
    assert Timeline(inspection, policy).due("pir") == local("2026-10-05T23:59")


def test_week_of_counts_and_pauses(policy: Policy) -> None:
    timeline = Timeline(make_inspection("2026-09-09", paused_weeks=["2026-10-12"]), policy)
    assert timeline.week_of(dt.date(2026, 9, 7)) == 0
    assert timeline.week_of(dt.date(2026, 9, 13)) == 0
    assert timeline.week_of(dt.date(2026, 10, 9)) == 4
    assert timeline.week_of(dt.date(2026, 10, 14)) is None
    assert timeline.week_of(dt.date(2026, 10, 19)) == 5
    assert timeline.week_of(dt.date(2026, 9, 6)) is None
    for week in range(12):
        assert timeline.week_of(timeline.week_start(week)) == week


def test_access_window(policy: Policy) -> None:
    timeline = Timeline(make_inspection("2026-09-07", paused_weeks=["2026-10-12"]), policy)
    assert timeline.access_from == local("2026-09-21T00:00")
    assert timeline.access_until == local("2026-12-18T23:59")
    assert not timeline.access_open(local("2026-09-20T23:59:59"))
    assert timeline.access_open(local("2026-09-21T00:00"))
    assert timeline.access_open(local("2026-12-18T23:59"))
    assert not timeline.access_open(local("2026-12-19T00:00"))


# --- milestone states at their boundaries -------------------------------------------------

PIR_DUE = "2026-10-02T23:59"  # glenmorven-style notification 2026-09-07, Friday of week 3


@pytest.mark.parametrize(
    ("as_of", "met_at", "waived", "expected"),
    [
        ("2026-09-20T10:00", None, False, MilestoneState.PENDING),
        ("2026-09-28T09:00", None, False, MilestoneState.PENDING),  # 4 working days before
        ("2026-09-29T09:00", None, False, MilestoneState.DUE_SOON),  # 3 working days before
        ("2026-10-02T23:58:59", None, False, MilestoneState.DUE_SOON),  # one second before
        ("2026-10-03T00:00:00", None, False, MilestoneState.OVERDUE),
        ("2026-10-02T23:59:01", None, False, MilestoneState.OVERDUE),  # one second after
        ("2026-10-05T09:00", "2026-10-02T23:59:00", False, MilestoneState.MET),  # on the second
        ("2026-10-05T09:00", "2026-10-02T23:59:01", False, MilestoneState.MET_LATE),
        ("2026-10-01T09:00", "2026-10-03T09:00", False, MilestoneState.DUE_SOON),  # not yet known
        ("2026-10-09T09:00", None, True, MilestoneState.WAIVED),
    ],
)
def test_milestone_states(
    policy: Policy, as_of: str, met_at: str | None, waived: bool, expected: MilestoneState
) -> None:
    inspection = make_inspection("2026-09-07", waived=["pir"] if waived else [])
    timeline = Timeline(inspection, policy)
    assert timeline.due("pir") == local(PIR_DUE)
    met = local(met_at) if met_at else None
    assert timeline.state("pir", local(as_of), met) is expected


def test_due_soon_counts_working_days_over_a_holiday(policy: Policy) -> None:
    # Due Tuesday 1 December 2026; Monday 30 November is St Andrew's Day, so on the
    # Wednesday before only Thu, Fri and Tue are working days: due soon.
    timeline = Timeline(make_inspection("2026-11-25"), policy)
    due = local("2026-12-01T12:00")
    state = milestone_state(
        due=due,
        as_of=local("2026-11-25T09:00"),
        met_at=None,
        waived=False,
        calendar=timeline.calendar,
        due_soon_working_days=3,
    )
    assert state is MilestoneState.DUE_SOON


def test_state_refuses_naive_times(policy: Policy) -> None:
    timeline = Timeline(make_inspection("2026-09-07"), policy)
    with pytest.raises(ValueError, match="timezone-aware"):
        timeline.state("pir", dt.datetime(2026, 10, 1), None)


# --- properties ----------------------------------------------------------------------------

notified_dates = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2029, 12, 31))
dues = st.builds(
    Due,
    week=st.integers(min_value=0, max_value=30),
    weekday=st.sampled_from(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    ),
    time=st.times(),
)


@settings(max_examples=150, deadline=None)
@given(notified=notified_dates, due=dues)
def test_deadline_never_on_a_weekend_or_holiday(notified: dt.date, due: Due) -> None:
    timeline = Timeline(make_inspection(notified.isoformat()), POLICY)
    deadline = timeline.deadline(due)
    assert deadline.weekday() < 5
    assert deadline.date() not in timeline.calendar.holidays


@settings(max_examples=100, deadline=None)
@given(
    notified=notified_dates,
    weekday=st.sampled_from(["monday", "tuesday", "wednesday", "thursday", "friday"]),
    pause=st.integers(min_value=1, max_value=20),
)
def test_deadlines_are_monotonic_in_week(notified: dt.date, weekday: str, pause: int) -> None:
    monday = notified - dt.timedelta(days=notified.weekday())
    paused = [(monday + dt.timedelta(weeks=pause)).isoformat()]
    timeline = Timeline(make_inspection(notified.isoformat(), paused_weeks=paused), POLICY)
    deadlines = [timeline.deadline(Due(week=w, weekday=weekday)) for w in range(25)]  # type: ignore[arg-type]
    assert all(a < b for a, b in itertools.pairwise(deadlines))


@settings(max_examples=100, deadline=None)
@given(notified=notified_dates, paused_after=st.integers(min_value=1, max_value=20), due=dues)
def test_pausing_a_week_moves_only_later_deadlines_by_seven_days(
    notified: dt.date, paused_after: int, due: Due
) -> None:
    # With `keep`, a deadline is exactly its grid date, so the shift is exact.
    kept = KEPT
    monday = notified - dt.timedelta(days=notified.weekday())
    paused_monday = monday + dt.timedelta(weeks=paused_after)
    plain = Timeline(make_inspection(notified.isoformat()), kept)
    paused = Timeline(
        make_inspection(notified.isoformat(), paused_weeks=[paused_monday.isoformat()]), kept
    )
    before, after = plain.deadline(due), paused.deadline(due)
    if due.week < paused_after:
        assert after == before
    else:
        # Seven calendar days at the same local time (an hour more or less across BST).
        assert after.replace(tzinfo=None) - before.replace(tzinfo=None) == dt.timedelta(days=7)
