"""Plan and apply for one inspection: read, diff, execute, verify.

``plan`` reads and diffs and changes nothing. ``apply`` executes a plan, then
plans again from a fresh read: when that finds more to do (access that only
showed once other access was removed, or someone changing access meanwhile)
it runs another round, up to ``max_rounds``; the last fresh plan is the
verification, and it must be empty.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from spcheck.domain.timeline import Timeline
from spcheck.graph.interface import Gateway
from spcheck.loader import LoadedInspection
from spcheck.provision.actual import ActualState, read_actual
from spcheck.provision.apply import Executor
from spcheck.provision.desired import aware, desired_state
from spcheck.provision.interface import (
    Action,
    ApplyReport,
    NotVerified,
    Plan,
    PlanRefused,
    Request,
    StepOutcome,
    StepsFailed,
)
from spcheck.provision.planner import make_plan
from spcheck.store.records import AuditLog, AuditResult

MAX_ROUNDS = 3
_GRANTING = frozenset({Action.GRANT.value, Action.CHANGE_ROLE.value})


def new_plan_id() -> str:
    return uuid.uuid4().hex[:12]


def managed_emails(audit: AuditLog | None, inspection_id: str) -> frozenset[str]:
    """People spcheck has given access to on this inspection (from the audit log)."""
    if audit is None:
        return frozenset()
    return frozenset(
        entry.email
        for entry in audit.entries(inspection_id)
        if entry.email and entry.action in _GRANTING and entry.result is AuditResult.OK
    )


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Provisioner:
    """One inspection on one gateway; ``audit`` may be None only for plans (nothing is written)."""

    gateway: Gateway
    loaded: LoadedInspection
    root_folder: str
    as_of: dt.datetime
    audit: AuditLog | None
    actor: str
    clock: Callable[[], dt.datetime] = field(default=_utc_now)
    requested_by: str | None = None  # the person who asked; audited beside ``actor``

    async def plan(self, request: Request) -> tuple[Plan, ActualState]:
        site = await self.gateway.resolve_site()
        timeline = Timeline(self.loaded.inspection, self.loaded.policy)
        desired = desired_state(self.loaded, self.root_folder, self.as_of, timeline)
        actual = await read_actual(self.gateway, site.drive_id, desired)
        plan = make_plan(
            desired,
            actual,
            request,
            plan_id=new_plan_id(),
            as_of=aware(self.as_of, timeline),
            managed=managed_emails(self.audit, self.loaded.inspection.id),
        )
        return plan, actual

    async def apply(
        self,
        request: Request,
        first: tuple[Plan, ActualState] | None = None,
        *,
        max_rounds: int = MAX_ROUNDS,
    ) -> ApplyReport:
        """Execute ``first`` (or a fresh plan) and verify; raises ``PlanRefused`` untouched,
        ``StepsFailed`` when Graph refused a step, ``NotVerified`` when a fresh read differs."""
        if self.audit is None:
            raise ValueError("applying a plan needs an audit log")
        plan, actual = first if first is not None else await self.plan(request)
        if plan.is_refused:
            raise PlanRefused(plan)
        site = await self.gateway.resolve_site()
        executor = Executor(
            self.gateway,
            site.drive_id,
            self.audit,
            actor=self.actor,
            send_invitation=self.loaded.policy.sharing.send_invitation,
            clock=self.clock,
            known_ids=actual.ids,
            requested_by=self.requested_by,
        )
        plans: list[Plan] = []
        outcomes: list[StepOutcome] = []
        for _ in range(max_rounds):
            plans.append(plan)
            done = await executor.run(plan)
            outcomes.extend(done)
            plan, actual = await self.plan(request)
            # A refused step would only be refused again: the fresh plan is the verification.
            if (
                plan.is_empty
                or plan.is_refused
                or any(o.result is AuditResult.FAILED for o in done)
            ):
                break
        report = ApplyReport(tuple(plans), tuple(outcomes), plan)
        if report.failed:
            raise StepsFailed(report)
        if not report.verified:
            raise NotVerified(report)
        return report
