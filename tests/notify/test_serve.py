"""Change notifications end to end, in process: the emulator notifies, the receiver wakes the
worker, the worker's cycle finds what the upload or the link did; every lifecycle event; a
refusal; dropped notifications caught by the schedule."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spcheck.emulator.seeds import ROOT_FOLDER
from spcheck.notify.clientstate import client_state
from spcheck.notify.upkeep import RENEW_BEFORE
from spcheck.service import CycleOutcome
from tests.cycle.conftest import IAIN, INSPECTION, World

from .conftest import SECRET, Harness, running

UNEXPECTED = "GM-0001 chronology.txt"


def findings(outcome: CycleOutcome) -> set[tuple[str, str | None]]:
    return {(f.rule, f.path) for result in outcome.report.inspections for f in result.findings}


def notified(harness: Harness) -> list[tuple[str, CycleOutcome]]:
    return [(source, outcome) for source, outcome in harness.cycles if source.startswith("notif")]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_an_upload_becomes_a_finding_through_one_notified_run(world: World) -> None:
    async def scenario() -> None:
        async with running(world) as harness:
            with harness.store() as store:
                (record,) = store.drive_subscriptions()
            assert record.live(record.checked_at)
            assert record.security  # permission changes are asked for too
            assert record.state_digest
            assert record.url_digest
            assert world.state.subscriptions[record.subscription_id or ""].client_state == (
                client_state(SECRET)
            )
            harness.cycles.clear()
            stats = world.state.stats
            before = stats.requests + stats.subrequests
            # Several changes in a burst: a folder, two files, a rename.
            world.upload("records", UNEXPECTED, b"case file", IAIN, world.state.now())
            world.upload("records", "GM-2999.txt", b"case file", IAIN, world.state.now())
            world.state.create_folder(world.drive_id, world.folder_path("pir"), "drafts")
            await harness.settle()
            runs = notified(harness)
            assert len(runs) == 1, harness.lines
            source, outcome = runs[0]
            assert source == "notified (changed)"
            assert ("records.unexpected", f"03 Records sample/{UNEXPECTED}") in findings(outcome)
            assert not outcome.sync.full
            # The notified run does not resolve the site again: delta, then the new files.
            made = stats.requests + stats.subrequests - before
            kinds = [r.kind for r in list(stats.log)[-made:] if not r.in_batch]
            assert "GET site" not in kinds
            assert kinds[0] == "GET delta"

    run(scenario())


def test_an_anonymous_link_is_notified_as_a_permission_change(world: World) -> None:
    async def scenario() -> None:
        async with running(world) as harness:
            harness.cycles.clear()
            folder = world.state.item_by_path(
                world.drive_id, f"{ROOT_FOLDER}/{INSPECTION}/03 Records sample"
            )
            assert folder is not None
            world.state.create_link(world.drive_id, folder.id, "view", "anonymous")
            await harness.settle()
            ((_, outcome),) = notified(harness)
            rules = {rule for rule, _ in findings(outcome)}
            assert "permission.anonymous_link" in rules

    run(scenario())


def test_nothing_changed_costs_one_request(world: World) -> None:
    async def scenario() -> None:
        async with running(world) as harness:
            harness.cycles.clear()
            before = world.state.stats.requests
            world.state.notify_drive(world.drive_id)  # Graph notifies with nothing changed
            await harness.settle()
            assert len(notified(harness)) == 1
            assert world.state.stats.requests - before == 1  # the delta page, empty

    run(scenario())


def test_missed_means_a_full_listing_and_every_permission_read_again(world: World) -> None:
    async def scenario() -> None:
        async with running(world) as harness:
            harness.cycles.clear()
            with harness.store() as store:
                (record,) = store.drive_subscriptions()
            # A change Graph never notified (as if the notification was lost).
            world.state.subscriptions[record.subscription_id or ""].paused = True
            world.upload("records", UNEXPECTED, b"case file", IAIN, world.state.now())
            world.state.subscriptions[record.subscription_id or ""].paused = False
            await harness.settle()
            assert notified(harness) == []
            world.state.report_missed(record.subscription_id or "")
            await harness.settle()
            ((source, outcome),) = notified(harness)
            assert source == "notified (missed)"
            assert outcome.sync.full
            assert outcome.stats.swept == (INSPECTION,)
            assert ("records.unexpected", f"03 Records sample/{UNEXPECTED}") in findings(outcome)

    run(scenario())


def test_subscription_removed_is_recreated_and_followed_by_a_run(world: World) -> None:
    async def scenario() -> None:
        async with running(world) as harness:
            harness.cycles.clear()
            with harness.store() as store:
                (old,) = store.drive_subscriptions()
            world.state.remove_subscription(old.subscription_id or "")
            await harness.settle()
            with harness.store() as store:
                (new,) = store.drive_subscriptions()
            assert new.subscription_id != old.subscription_id
            assert list(world.state.subscriptions) == [new.subscription_id]
            assert [source for source, _ in notified(harness)] == [
                "notified (subscriptionRemoved)"
            ]
            assert any("recreated (Graph removed it)" in line for line in harness.lines)
            # The new subscription notifies; a notification naming the old one is stale.
            harness.cycles.clear()
            world.upload("records", "GM-2999.txt", b"case file", IAIN, world.state.now())
            await harness.settle()
            assert len(notified(harness)) == 1

    run(scenario())


def test_reauthorization_required_is_answered(world: World) -> None:
    async def scenario() -> None:
        async with running(world) as harness:
            harness.cycles.clear()
            with harness.store() as store:
                (record,) = store.drive_subscriptions()
            ident = record.subscription_id or ""
            world.state.require_reauthorization(ident)
            await harness.settle()
            assert world.state.subscriptions[ident].reauthorize_since is None
            assert [source for source, _ in notified(harness)] == [
                "notified (reauthorizationRequired)"
            ]
            assert any("reauthorized" in line for line in harness.lines)

    run(scenario())


def test_a_lifecycle_event_of_a_stale_subscription_does_nothing(world: World) -> None:
    async def scenario() -> None:
        async with running(world) as harness:
            with harness.store() as store:
                (record,) = store.drive_subscriptions()
            harness.cycles.clear()
            # A second subscription on the same drive, not spcheck's current one.
            stray = world.state.create_subscription(
                resource=f"drives/{world.drive_id}/root",
                change_type="updated",
                notification_url="http://127.0.0.1:8080/api/notify",
                lifecycle_url="http://127.0.0.1:8080/api/notify",
                client_state=client_state(SECRET),
                expires=world.state.now() + timedelta(days=2),
            )
            world.state.report_missed(stray.id)
            world.state.remove_subscription(stray.id)
            await harness.settle()
            assert notified(harness) == []
            with harness.store() as store:
                assert store.drive_subscriptions() == [record]

    run(scenario())


def test_dropped_notifications_are_caught_by_the_safety_net(world: World) -> None:
    shift = [timedelta(0)]

    def now() -> datetime:
        return datetime.now(UTC) + shift[0]

    async def scenario() -> None:
        async with running(
            world, faults="notify-drop:1", schedule_every=0.1, now=now
        ) as harness:
            assert harness.service.settings.safety_net_minutes == 120
            harness.cycles.clear()
            world.upload("records", UNEXPECTED, b"case file", IAIN, world.state.now())
            await harness.settle()
            await asyncio.sleep(0.3)  # the schedule looks, and leaves it to notifications
            assert harness.cycles == []
            assert world.state.notifications.dropped >= 1
            shift[0] = timedelta(minutes=121)  # the last check is now two hours old
            await harness.until(lambda: bool(harness.cycles))
            (source, outcome), *_ = harness.cycles
            assert source == "scheduled (safety net)"
            assert ("records.unexpected", f"03 Records sample/{UNEXPECTED}") in findings(outcome)


def test_refused_subscriptions_say_so_once_and_the_schedule_checks_every_time(
    world: World,
) -> None:
    async def scenario() -> None:
        async with running(world, faults="subscriptions:refused", schedule_every=0.2) as harness:
            refusals = [line for line in harness.lines if "refused" in line]
            assert len(refusals) == 1
            assert refusals[0].startswith("drive b!******")
            assert "HTTP 403 ExtensionError" in refusals[0]
            assert "keeps checking on its schedule" in refusals[0]
            with harness.store() as store:
                (record,) = store.drive_subscriptions()
            assert record.subscription_id is None
            assert record.refused == "HTTP 403 ExtensionError"
            # Not live: every scheduled look is a check.
            await harness.until(
                lambda: sum(s == "scheduled" for s, _ in harness.cycles) >= 3
            )

    run(scenario())


def test_renewal_before_expiry_and_recreation_after_it(world: World) -> None:
    async def scenario() -> None:
        async with running(world) as harness:
            service = harness.service
            with harness.store() as store:
                (first,) = store.drive_subscriptions()
            assert first.expires_at is not None
            from spcheck.notify.upkeep import keep_subscriptions

            gateway = service._running.gateway if service._running else None
            assert gateway is not None
            with harness.store() as store:
                kept = await keep_subscriptions(gateway, store, service.config, first.checked_at)
                assert [o.action for o in kept] == ["kept"]
                # Fewer than three days left: renewed, same subscription, later expiry.
                near = first.expires_at - RENEW_BEFORE + timedelta(minutes=1)
                world.state.clock = lambda: near
                renewed = await keep_subscriptions(gateway, store, service.config, near)
                assert [o.action for o in renewed] == ["renewed"]
                (record,) = store.drive_subscriptions()
                assert record.subscription_id == first.subscription_id
                assert record.expires_at is not None
                assert record.expires_at > first.expires_at
                # Past its expiry Graph has deleted it: a new one is made.
                gone = record.expires_at + timedelta(seconds=1)
                world.state.clock = lambda: gone
                again = await keep_subscriptions(gateway, store, service.config, gone)
                assert [(o.action, o.reason) for o in again] == [("recreated", "it had expired")]
                (last,) = store.drive_subscriptions()
                assert last.subscription_id != first.subscription_id
                world.state.tick()
                assert list(world.state.subscriptions) == [last.subscription_id]

    run(scenario())


def test_definitions_that_do_not_load_at_start_end_serve_with_their_line(world: World) -> None:
    from spcheck.errors import InputError
    from spcheck.notify.serve import NotifyService, ServeOptions

    from .conftest import notify_settings

    def broken() -> list[Any]:
        raise InputError("SPCHECK_INSPECTIONS: no inspection definitions under /nowhere")

    service = NotifyService(
        notify_settings(world),
        ServeOptions(listen=False),
        gateway_factory=lambda settings: world.gateway(settings),
        store_factory=lambda _s: harness_store(world),
        inspections=broken,
        say=lambda line: None,
    )
    with pytest.raises(InputError, match="no inspection definitions"):
        run(service.run())


def harness_store(world: World) -> Any:
    from spcheck.store.sqlite import SqliteStore

    return SqliteStore(world.tmp / "state.db")
