"""Deadline rules: each milestone's state against its due date (``deadline.*``).

An overdue milestone that another family names more precisely (a PIR not uploaded or
not a workbook, each missing record) is left to that family: one fact, one finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from spcheck.domain.findings import Finding
from spcheck.domain.timeline import MilestoneState
from spcheck.rules.derive import derived
from spcheck.rules.interface import MilestoneResult, RuleContext
from spcheck.rules.registry import rule


def when(moment: dt.datetime, zone: ZoneInfo) -> str:
    """A date and time as the SSO reads it: local, with the day named."""
    local = moment.astimezone(zone)
    return local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or "")


def _with_state(ctx: RuleContext, state: MilestoneState) -> Iterator[MilestoneResult]:
    return (m for m in derived(ctx).milestones if m.state is state)


@rule("deadline.due_soon", runbook="runbooks/deadlines.md#deadlinedue_soon")
def due_soon(ctx: RuleContext) -> Iterator[Finding]:
    zone = ctx.timeline.zone
    for m in _with_state(ctx, MilestoneState.DUE_SOON):
        yield ctx.finding(
            "deadline.due_soon",
            f"{m.title}: due {when(m.due, zone)}",
            milestone=m.id,
        )


@rule("deadline.overdue", runbook="runbooks/deadlines.md#deadlineoverdue")
def overdue(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    covered = set()
    if shared.pir_problem is not None and shared.pir_milestone is not None:
        covered.add(shared.pir_milestone.id)
    if shared.records_missing_reported and shared.records_milestone is not None:
        covered.add(shared.records_milestone)
    if shared.sample_milestone is not None:
        # sample.missing (no list) or sample.counts (which count is wrong) says it.
        covered.add(shared.sample_milestone)
    zone = ctx.timeline.zone
    for m in _with_state(ctx, MilestoneState.OVERDUE):
        if m.id in covered:
            continue
        why = f": waiting for {'; '.join(m.waiting_for)}" if m.waiting_for else ""
        yield ctx.finding(
            "deadline.overdue",
            f"{m.title}: was due {when(m.due, zone)} and is not met{why}",
            milestone=m.id,
        )


@rule("deadline.met_late", runbook="runbooks/deadlines.md#deadlinemet_late")
def met_late(ctx: RuleContext) -> Iterator[Finding]:
    zone = ctx.timeline.zone
    for m in _with_state(ctx, MilestoneState.MET_LATE):
        arrived = when(m.met_at, zone) if m.met_at else "after the deadline"
        yield ctx.finding(
            "deadline.met_late",
            f"{m.title}: due {when(m.due, zone)}, met {arrived}",
            milestone=m.id,
        )
