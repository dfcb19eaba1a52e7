"""When the scheduled cycle still runs: the safety net under change notifications.

While notifications are live (a subscription that has not expired, for a drive
spcheck watches), each notification already brings a delta run, so the schedule
only has to catch what a notification could miss (one dropped by Graph, a
deadline passing with nothing uploaded): an inspection is checked by the
schedule when its last check of any kind is ``interval`` old (SPCHECK_SAFETY_NET_MINUTES,
default 120). Without live notifications (none set up, refused, expired) every
scheduled run checks, as before notifications existed. Pure: ``now`` is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from spcheck.store.records import DriveSubscription


def notifications_live(records: Iterable[DriveSubscription], now: datetime) -> bool:
    """Whether some watched drive has a live subscription."""
    return any(record.live(now) for record in records)


def safety_net_due(
    live: bool, last_check: datetime | None, now: datetime, interval: timedelta
) -> bool:
    """Whether the scheduled run should check an inspection last checked at ``last_check``."""
    if not live or last_check is None:
        return True
    # In UTC: two Europe/London times either side of a clock change differ by an hour more.
    return now.astimezone(UTC) - last_check.astimezone(UTC) >= interval
