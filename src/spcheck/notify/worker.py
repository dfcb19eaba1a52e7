"""What a wake does: the cycle for the inspections under the drive, after any lifecycle work.

- ``changed``: the incremental cycle (delta, new content, changed sharing, every
  rule, history, alerts), the drive taken from the subscription record so that the
  site is not resolved again: with nothing else changed, one delta request;
- ``reauthorizationRequired``: reauthorize (recreate if Graph lost it), then the
  cycle, which catches any change made while delivery was paused;
- ``subscriptionRemoved``: a new subscription, then the cycle (Graph's advice: sync
  after recreating, since nothing was notified in between);
- ``missed``: the cycle with a full listing of the drive and every permission read
  again (``CycleOptions.full_sync``): what Graph did not notify is found anyway.

The pending marker is cleared before anything else, so a notification that arrives
during the run asks for another. A lifecycle wake for a subscription that is no
longer the drive's current one is stale and does nothing; a ``changed`` wake for
a drive that is no longer watched does nothing either.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from spcheck.errors import ConfigError
from spcheck.graph.interface import Gateway, SiteDrive
from spcheck.loader import LoadedInspection
from spcheck.notify.clientstate import shown_id
from spcheck.notify.interface import Wake, WakeKind
from spcheck.notify.upkeep import NotifyConfig, UpkeepOutcome, reauthorize, recreate
from spcheck.service import CycleOptions, CycleOutcome, run_cycle
from spcheck.settings import Settings
from spcheck.store.records import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WakeOutcome:
    wake: Wake
    cycle: CycleOutcome | None = None
    upkeep: UpkeepOutcome | None = None
    stale: str | None = None  # why nothing was done


async def handle_wake(
    wake: Wake,
    *,
    gateway: Gateway,
    store: Store,
    settings: Settings,
    inspections: Sequence[LoadedInspection],
    config: NotifyConfig | None,
    options: CycleOptions | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> WakeOutcome:
    store.clear_pending(wake.marker)
    record = next((r for r in store.drive_subscriptions() if r.drive_id == wake.drive_id), None)
    if record is None:
        return WakeOutcome(wake, stale="the drive is not watched")
    if wake.kind is not WakeKind.CHANGED and record.subscription_id != wake.subscription_id:
        return WakeOutcome(wake, stale="the subscription is no longer the drive's current one")
    upkeep: UpkeepOutcome | None = None
    try:
        if wake.kind is WakeKind.REAUTHORIZE:
            upkeep = await reauthorize(gateway, store, record, config, now())
        elif wake.kind is WakeKind.REMOVED:
            upkeep = await recreate(gateway, store, record, config, now(), "Graph removed it")
    except ConfigError as wrong:
        # The check below still runs: a lost subscription must not cost the check.
        log.error("the subscription could not be kept: %s", wrong)
    if upkeep is not None:
        log.info("subscription %s", upkeep.line())
        if upkeep.refused:
            log.warning("change notifications refused: %s", upkeep.line())
    if not inspections:
        return WakeOutcome(wake, upkeep=upkeep, stale="no inspection to check")
    cycle = await run_cycle(
        gateway,
        store,
        inspections,
        settings,
        options=replace(options or CycleOptions(), full_sync=wake.kind is WakeKind.MISSED),
        now=now,
        site=SiteDrive(site_id=record.site_id, drive_id=record.drive_id),
    )
    log.info(
        "drive %s (%s): %d inspection(s) checked, %d changed item(s), %s",
        shown_id(wake.drive_id),
        wake.kind.value,
        len(inspections),
        len(cycle.sync.touched),
        "full listing" if cycle.sync.full else "incremental",
    )
    return WakeOutcome(wake, cycle=cycle, upkeep=upkeep)
