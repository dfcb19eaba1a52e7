"""The inspection's week grid, its deadlines and the state of each milestone.

Week 0 is the notification week; week N starts on the Monday N counted weeks
later, where paused weeks (school holidays) are not counted. A deadline is a
weekday and time in a counted week, in the policy's time zone, moved off
weekends and holidays by the policy's rule; a per-inspection override wins.
Pure: every function takes ``as_of`` and never reads the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo

from spcheck.domain.inspection import Inspection
from spcheck.domain.policy import Calendar, Due, HolidayShift, Milestone, Policy

ONE_DAY = dt.timedelta(days=1)
ONE_WEEK = dt.timedelta(weeks=1)


@dataclass(frozen=True)
class WorkingCalendar:
    """Weekends and holidays, in the zone where deadlines are set."""

    zone: ZoneInfo
    holidays: frozenset[dt.date]
    shift: HolidayShift

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def move_off_holiday(self, day: dt.date) -> dt.date:
        if self.shift is HolidayShift.KEEP:
            return day
        step = ONE_DAY if self.shift is HolidayShift.NEXT_WORKING_DAY else -ONE_DAY
        while not self.is_working_day(day):
            day += step
        return day

    def working_days_after(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: 0 when end is start or earlier."""
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count


def working_calendar(calendar: Calendar, extra: list[dt.date], years: range) -> WorkingCalendar:
    import holidays  # heavy-ish import kept off the CLI's start path

    official = holidays.country_holidays(
        calendar.holidays_country, subdiv=calendar.holidays_subdivision, years=list(years)
    )
    days = frozenset(official) | frozenset(calendar.extra_holidays) | frozenset(extra)
    return WorkingCalendar(
        zone=ZoneInfo(calendar.timezone), holidays=days, shift=calendar.on_holiday
    )


class MilestoneState(StrEnum):
    PENDING = "pending"
    DUE_SOON = "due_soon"
    MET = "met"
    MET_LATE = "met_late"
    OVERDUE = "overdue"
    WAIVED = "waived"


@dataclass(frozen=True, slots=True)
class MilestoneDate:
    milestone: Milestone
    week: int
    due: dt.datetime
    overridden: bool
    moved_from: dt.date | None  # the grid date when a holiday moved the deadline


class Timeline:
    """The dates of one inspection under its policy."""

    def __init__(self, inspection: Inspection, policy: Policy) -> None:
        self.inspection = inspection
        self.policy = policy
        self._paused = frozenset(inspection.paused_weeks)
        first = inspection.notification_date.year
        self.calendar = working_calendar(
            policy.calendar, inspection.extra_holidays, range(first - 1, first + 4)
        )

    @property
    def zone(self) -> ZoneInfo:
        return self.calendar.zone

    def week_start(self, week: int) -> dt.date:
        if week < 0:
            raise ValueError("weeks are counted from 0, the notification week")
        monday = self.inspection.notification_monday
        counted = 0
        while counted < week:
            monday += ONE_WEEK
            if monday not in self._paused:
                counted += 1
        return monday

    def week_of(self, day: dt.date) -> int | None:
        """The counted week a day falls in; None before notification or in a paused week."""
        monday = day - dt.timedelta(days=day.weekday())
        start = self.inspection.notification_monday
        if monday < start or monday in self._paused:
            return None
        skipped = sum(1 for paused in self._paused if start < paused < monday)
        return (monday - start).days // 7 - skipped

    def grid_date(self, due: Due) -> dt.date:
        return self.week_start(due.week) + dt.timedelta(days=due.weekday_index)

    def at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.zone)

    def deadline(self, due: Due) -> dt.datetime:
        return self.at(self.calendar.move_off_holiday(self.grid_date(due)), due.time)

    def _override(self, key: str, time: dt.time) -> dt.datetime | None:
        value = self.inspection.deadline_overrides.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=self.zone)
        return self.at(value, time)

    def milestone_date(self, milestone: Milestone) -> MilestoneDate:
        grid = self.grid_date(milestone.due)
        override = self._override(milestone.id, milestone.due.time)
        due = override if override is not None else self.deadline(milestone.due)
        moved = grid if override is None and due.date() != grid else None
        return MilestoneDate(milestone, milestone.due.week, due, override is not None, moved)

    @cached_property
    def milestones(self) -> tuple[MilestoneDate, ...]:
        return tuple(self.milestone_date(m) for m in self.policy.milestones)

    def due(self, milestone_id: str) -> dt.datetime:
        return self.milestone_date(self.policy.milestone(milestone_id)).due

    @cached_property
    def access_from(self) -> dt.datetime:
        window = self.policy.access.grant_from
        override = self._override("access_from", window.time)
        # Access opens on the grid date even on a holiday: only deadlines move.
        return override if override is not None else self.at(self.grid_date(window), window.time)

    @cached_property
    def access_until(self) -> dt.datetime:
        window = self.policy.access.revoke_after
        override = self._override("access_until", window.time)
        return override if override is not None else self.deadline(window)

    def access_open(self, as_of: dt.datetime) -> bool:
        return self.access_from <= as_of <= self.access_until

    def team_window(self, name: str) -> tuple[dt.datetime, dt.datetime]:
        """When a team window (the policy's ``team.windows``) opens and ends. Like the
        partnership's window it opens on the grid date even on a holiday, and ends at a
        deadline (moved off a holiday); ``<name>_from`` and ``<name>_until`` in the
        definition's ``deadline_overrides`` move it for one inspection."""
        window = self.policy.team.windows[name]
        opens = self._override(f"{name}_from", window.opens.time)
        until = self._override(f"{name}_until", window.until.time)
        if opens is None:
            opens = self.at(self.grid_date(window.opens), window.opens.time)
        return opens, until if until is not None else self.deadline(window.until)

    def state(
        self, milestone_id: str, as_of: dt.datetime, met_at: dt.datetime | None
    ) -> MilestoneState:
        return milestone_state(
            due=self.due(milestone_id),
            as_of=as_of,
            met_at=met_at,
            waived=milestone_id in self.inspection.waived,
            calendar=self.calendar,
            due_soon_working_days=self.policy.calendar.due_soon_working_days,
        )

    def next_change(self, milestone_id: str, now: dt.datetime, *, met: bool) -> dt.datetime | None:
        """When the milestone's state next changes with time alone after ``now``: pending to
        due soon, or due soon to overdue. None when only evidence can change it (met,
        waived, or already overdue)."""
        if met or milestone_id in self.inspection.waived:
            return None
        due = self.due(milestone_id)
        if now >= due:
            return None
        window = self.policy.calendar.due_soon_working_days
        due_day = due.astimezone(self.zone).date()
        day = now.astimezone(self.zone).date()
        if self.calendar.working_days_after(day, due_day) <= window:
            return due
        while day < due_day:
            day += ONE_DAY
            if self.calendar.working_days_after(day, due_day) <= window:
                return self.at(day, dt.time(0, 0))
        return due


def milestone_state(
    *,
    due: dt.datetime,
    as_of: dt.datetime,
    met_at: dt.datetime | None,
    waived: bool,
    calendar: WorkingCalendar,
    due_soon_working_days: int,
) -> MilestoneState:
    """A milestone's state at ``as_of``; evidence dated after ``as_of`` is not yet known."""
    if as_of.tzinfo is None or due.tzinfo is None:
        raise ValueError("as_of and due must be timezone-aware")
    if waived:
        return MilestoneState.WAIVED
    if met_at is not None and met_at <= as_of:
        return MilestoneState.MET if met_at <= due else MilestoneState.MET_LATE
    if as_of > due:
        return MilestoneState.OVERDUE
    today = as_of.astimezone(calendar.zone).date()
    if (
        calendar.working_days_after(today, due.astimezone(calendar.zone).date())
        <= due_soon_working_days
    ):
        return MilestoneState.DUE_SOON
    return MilestoneState.PENDING
