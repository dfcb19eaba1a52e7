"""Settling the intents that runs left open: read back, audit what happened, say so."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from spcheck.graph.interface import Gateway
from spcheck.store.records import AuditEntry, AuditResult, Intent, Store
from spcheck.writeahead.journal import in_flight
from spcheck.writeahead.registry import reconciler


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Settled:
    """What ``settle_open`` did: entries written, intents left to live runs or unknown kinds."""

    entries: tuple[AuditEntry, ...] = ()
    in_flight: tuple[Intent, ...] = ()
    unknown: tuple[Intent, ...] = ()

    def line(self) -> str | None:
        """One line for the operator, or None when there was nothing open."""
        parts: list[str] = []
        if self.entries:
            made = sum(1 for e in self.entries if e.result is AuditResult.OK)
            ids = ", ".join(dict.fromkeys(e.inspection_id for e in self.entries))
            parts.append(
                f"{ids}: {len(self.entries)} change(s) left unrecorded by an interrupted run "
                f"were read back and audited ({made} made, {len(self.entries) - made} not); "
                "`spcheck audit` shows them"
            )
        if self.in_flight:
            parts.append(
                f"{len(self.in_flight)} change(s) still being made by another run, left to it"
            )
        if self.unknown:
            kinds = ", ".join(sorted({i.kind for i in self.unknown}))
            parts.append(
                f"{len(self.unknown)} open change(s) of a kind this spcheck cannot read back "
                f"({kinds}), left open for a newer spcheck"
            )
        return "; ".join(parts) or None


async def settle_open(
    store: Store,
    gateway: Gateway | None,
    inspection_ids: Iterable[str] | None = None,
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> Settled:
    """Settle every open intent of these inspections (all when None) whose run is gone.

    Without a gateway (a command that does not reach Graph) only the kinds read back
    from the store are settled; the others wait, silently, for a run that reads Graph.
    """
    wanted = None if inspection_ids is None else set(inspection_ids)
    if wanted is not None and len(wanted) == 1:
        candidates = store.open_intents(next(iter(wanted)))
    else:
        candidates = [
            i for i in store.open_intents() if wanted is None or i.inspection_id in wanted
        ]
    written: list[AuditEntry] = []
    live: list[Intent] = []
    unknown: list[Intent] = []
    for intent in candidates:
        if in_flight(intent, clock()):
            live.append(intent)
            continue
        found = reconciler(intent.kind)
        if found is None:
            unknown.append(intent)
            continue
        if gateway is None and found.needs_graph:
            continue
        settlement = await found.settle(intent, gateway, store)
        draft = intent.entry
        detail = (
            f"read back after an interrupted run: {settlement.detail} "
            f"(the run stopped before recording the outcome; read at "
            f"{clock().astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC)"
        )
        if draft.detail:
            detail = f"{detail}; {draft.detail}"
        entry = replace(draft, result=settlement.result, detail=detail, after=settlement.after)
        written.append(store.close_intent(intent, entry))
    return Settled(tuple(written), tuple(live), tuple(unknown))


def settle_in_store(store: Store, inspection_id: str) -> str | None:
    """For a command that does not reach Graph: settle what the store alone can tell
    (decisions), and return the line to say, if any."""
    return asyncio.run(settle_open(store, None, [inspection_id])).line()
