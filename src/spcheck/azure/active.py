"""Which inspections the timer checks: those in their active period.

An inspection is active from the Monday of its notification week (00:00 in the
policy's time zone) until ``weeks_after`` weeks after its access window ends
(default 4): late uploads and access left open after the window are still
caught. Before and after that the timer leaves it alone; ``spcheck check
--inspection ID`` checks it on demand. Pure: ``now`` is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from spcheck.domain.timeline import Timeline
from spcheck.loader import LoadedInspection


@dataclass(frozen=True, slots=True)
class ActivePeriod:
    starts: dt.datetime
    ends: dt.datetime

    def contains(self, moment: dt.datetime) -> bool:
        return self.starts <= moment <= self.ends


def active_period(loaded: LoadedInspection, weeks_after: int) -> ActivePeriod:
    timeline = Timeline(loaded.inspection, loaded.policy)
    starts = timeline.at(loaded.inspection.notification_monday, dt.time(0, 0))
    return ActivePeriod(starts, timeline.access_until + dt.timedelta(weeks=weeks_after))


def split_active(
    inspections: Iterable[LoadedInspection], now: dt.datetime, weeks_after: int
) -> tuple[list[LoadedInspection], list[LoadedInspection]]:
    """(active, inactive), each in the order given."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    active: list[LoadedInspection] = []
    inactive: list[LoadedInspection] = []
    for loaded in inspections:
        (active if active_period(loaded, weeks_after).contains(now) else inactive).append(loaded)
    return active, inactive
