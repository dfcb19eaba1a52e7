"""The rule registry and the evaluator that runs every rule over one inspection.

Rules register with a decorator, as Cloud Custodian registers filters:

    @rule("records.unexpected", runbook="runbooks/records.md#recordsunexpected")
    def unexpected(ctx: RuleContext) -> Iterable[Finding]: ...

Description and default severity come from the catalogue (domain/catalogue.py); the
severity a finding carries is the inspection's policy's. A rule may yield findings of
its own id and ``check.unverifiable`` (what it could not check); anything else, or an
exception, becomes a ``check.unverifiable`` naming the rule, so an evaluator bug can
never read as a pass.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable
from dataclasses import replace

from spcheck.domain.catalogue import RULE_IDS
from spcheck.domain.findings import Finding
from spcheck.domain.snapshot import InspectionSnapshot
from spcheck.loader import LoadedInspection
from spcheck.rules.derive import derived
from spcheck.rules.interface import (
    InspectionResult,
    MilestoneResult,
    RecordsSummary,
    RuleCheck,
    RuleContext,
    RuleError,
    RuleSpec,
    WeekMark,
    status_of,
)
from spcheck.rules.privacy import redact, redact_optional
from spcheck.rules.readers import records_readers

UNVERIFIABLE = "check.unverifiable"
FAMILIES = (
    "deadlines",
    "pir",
    "sample",
    "records",
    "files",
    "content",
    "permissions",
    "team",
    "retention",
    "unverifiable",
)
_RUNBOOK = re.compile(r"^runbooks/(?P<file>[a-z0-9-]+\.md)#(?P<anchor>[a-z0-9_-]+)$")

_REGISTRY: dict[str, RuleSpec] = {}


def rule(rule_id: str, *, runbook: str) -> Callable[[RuleCheck], RuleCheck]:
    """Register ``(ctx) -> Iterable[Finding]`` as the evaluator of ``rule_id``."""
    if rule_id not in RULE_IDS:
        raise RuleError(f"{rule_id!r} is not in the rule catalogue")
    if not _RUNBOOK.match(runbook):
        raise RuleError(f"{rule_id}: runbook {runbook!r} is not runbooks/<file>.md#<anchor>")

    def register(check: RuleCheck) -> RuleCheck:
        if rule_id in _REGISTRY:
            raise RuleError(f"{rule_id} is registered twice")
        severity, description = RULE_IDS[rule_id]
        family = check.__module__.rpartition(".")[2]
        _REGISTRY[rule_id] = RuleSpec(rule_id, severity, description, runbook, family, check)
        return check

    return register


def _load_families() -> None:
    for family in FAMILIES:
        importlib.import_module(f"spcheck.rules.{family}")


def all_rules() -> list[RuleSpec]:
    """Every registered rule, in catalogue order."""
    _load_families()
    order = {rule_id: index for index, rule_id in enumerate(RULE_IDS)}
    return sorted(_REGISTRY.values(), key=lambda spec: order[spec.id])


def get_rule(rule_id: str) -> RuleSpec:
    _load_families()
    try:
        return _REGISTRY[rule_id]
    except KeyError:
        raise RuleError(f"no rule {rule_id!r} is registered") from None


def runbook_for(rule_id: str) -> str | None:
    _load_families()
    spec = _REGISTRY.get(rule_id)
    return spec.runbook if spec else None


def _run(spec: RuleSpec, ctx: RuleContext) -> list[Finding]:
    try:
        found = list(spec.check(ctx))
    except Exception as error:  # one broken rule must not take the cycle down
        return [
            ctx.finding(
                UNVERIFIABLE,
                f"the rule {spec.id} failed ({type(error).__name__}), so what it checks is "
                "unknown; report this as a spcheck bug",
            )
        ]
    kept: list[Finding] = []
    for finding in found:
        if isinstance(finding, Finding) and finding.rule in (spec.id, UNVERIFIABLE):
            kept.append(finding)
        else:
            kept.append(
                ctx.finding(
                    UNVERIFIABLE,
                    f"the rule {spec.id} returned something other than its own findings; "
                    "report this as a spcheck bug",
                )
            )
    return kept


def _clean(ctx: RuleContext, finding: Finding) -> Finding:
    """The policy's severity, and no identifier left in a name, message or location."""
    return Finding(
        finding.rule,
        ctx.policy.severity(finding.rule),
        redact(finding.message),
        redact_optional(finding.path),
        finding.milestone,
        finding.kind,
        redact_optional(finding.location),
        finding.masked,
    )


def sort_key(finding: Finding) -> tuple[int, str, str, str, str]:
    return (
        -finding.severity.rank,
        finding.rule,
        finding.path or "",
        finding.message,
        finding.location or "",
    )


def _weeks(ctx: RuleContext, milestones: tuple[MilestoneResult, ...]) -> tuple[WeekMark, ...]:
    """Calendar weeks from notification to past the last date the strip shows."""
    timeline = ctx.timeline
    zone = timeline.zone
    start = ctx.inspection.notification_monday
    last = max(
        [m.due.astimezone(zone).date() for m in milestones]
        + [timeline.access_until.astimezone(zone).date(), ctx.as_of.astimezone(zone).date()]
    )
    paused = set(ctx.inspection.paused_weeks)
    marks: list[WeekMark] = []
    monday = start
    # A hard stop keeps a far-off as_of from drawing years of weeks.
    while monday <= last and len(marks) < 104:
        marks.append(WeekMark(timeline.week_of(monday), monday, monday in paused))
        monday += dt.timedelta(weeks=1)
    return tuple(marks)


def _milestones(ctx: RuleContext) -> tuple[MilestoneResult, ...]:
    return tuple(
        MilestoneResult(
            m.id,
            m.title,
            m.due,
            m.state,
            m.met_at,
            tuple(redact(path) for path in m.evidence),
            m.kind,
            tuple(redact(reason) for reason in m.waiting_for),
        )
        for m in derived(ctx).milestones
    )


def evaluate(ctx: RuleContext) -> InspectionResult:
    """Every registered rule over one inspection: the result the reports render."""
    findings: list[Finding] = []
    for spec in all_rules():
        findings.extend(_run(spec, ctx))
    try:
        milestones = _milestones(ctx)
    except Exception as error:  # shown as unknown, never as on track
        milestones = ()
        findings.append(
            ctx.finding(
                UNVERIFIABLE,
                f"milestone states could not be worked out ({type(error).__name__})",
            )
        )
    try:
        records = derived(ctx).records.summary
    except Exception as error:
        sample = ctx.policy.sample
        records = RecordsSummary(sample.sample, 0, sample.reserve, 0)
        findings.append(
            ctx.finding(
                UNVERIFIABLE,
                f"records progress could not be worked out ({type(error).__name__})",
            )
        )
    try:
        records = replace(records, readers=records_readers(ctx))
    except Exception as error:  # shown as not read, never as nobody
        findings.append(
            ctx.finding(
                UNVERIFIABLE,
                f"who can read the records could not be worked out ({type(error).__name__})",
            )
        )
    unique = sorted({_clean(ctx, f) for f in findings}, key=sort_key)
    local = ctx.as_of.astimezone(ctx.timeline.zone)
    return InspectionResult(
        id=ctx.inspection.id,
        partnership=ctx.inspection.partnership,
        week=ctx.timeline.week_of(local.date()),
        status=status_of(unique),
        milestones=milestones,
        records=records,
        findings=tuple(unique),
        weeks=_weeks(ctx, milestones),
        as_of=ctx.as_of,
        access_from=ctx.timeline.access_from,
        access_until=ctx.timeline.access_until,
    )


def check_inspection(
    snapshot: InspectionSnapshot, loaded: LoadedInspection, as_of: dt.datetime
) -> InspectionResult:
    """Build the context and evaluate: the one call the check cycle needs."""
    return evaluate(RuleContext.build(snapshot, loaded, as_of))


__all__ = [
    "all_rules",
    "check_inspection",
    "evaluate",
    "get_rule",
    "rule",
    "runbook_for",
    "status_of",
]
