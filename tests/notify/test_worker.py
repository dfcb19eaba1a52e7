"""A wake for a drive spcheck does not watch, or a lifecycle event of a subscription that is
no longer current, does nothing: no Graph call, no cycle; its marker is cleared."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

from spcheck.graph.interface import Gateway
from spcheck.notify.interface import Wake, WakeKind
from spcheck.notify.worker import handle_wake
from spcheck.settings import Settings
from spcheck.store.memory_store import MemoryStore
from spcheck.store.records import DriveSubscription

NOW = datetime(2026, 9, 28, 9, 0, tzinfo=UTC)


class NoGraph:
    """A gateway that must not be used."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"Graph was called ({name})")


@pytest.mark.parametrize(
    ("wake", "stale"),
    [
        (Wake("b!other-drive", WakeKind.CHANGED, "s-1", NOW), "the drive is not watched"),
        (
            Wake("b!watched", WakeKind.MISSED, "an-old-subscription", NOW),
            "the subscription is no longer the drive's current one",
        ),
        (
            Wake("b!watched", WakeKind.REMOVED, "an-old-subscription", NOW),
            "the subscription is no longer the drive's current one",
        ),
    ],
)
def test_a_stale_wake_does_nothing(wake: Wake, stale: str) -> None:
    store = MemoryStore()
    store.put_drive_subscription(
        DriveSubscription("b!watched", "site", "s-1", NOW + timedelta(days=9), checked_at=NOW)
    )
    assert store.mark_pending(wake.marker, NOW, stale_before=NOW)
    outcome = asyncio.run(
        handle_wake(
            wake,
            gateway=cast(Gateway, NoGraph()),
            store=store,
            settings=Settings(_env_file=None),  # type: ignore[call-arg]
            inspections=[],
            config=None,
        )
    )
    assert (outcome.stale, outcome.cycle, outcome.upkeep) == (stale, None, None)
    assert store.mark_pending(wake.marker, NOW, stale_before=NOW)  # the marker was cleared
