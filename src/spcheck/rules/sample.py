"""The sample list (``sample.*``): chosen by the Intelligence Team in week 4, with the
policy's counts (60 sample records, 15 reserves, 12 of the 60 for network of support
meetings under the shipped policy).

The list is a CSV beside the definition; its lines are checked when it is loaded,
its counts here, so the report says which count is wrong. Until a list with the
right counts is loaded, the ``sample_list`` milestone is not met, and neither is
the records milestone, whose records are matched against it.
"""

from __future__ import annotations

from collections.abc import Iterator

from spcheck.domain.findings import Finding
from spcheck.domain.timeline import MilestoneState
from spcheck.rules.deadlines import when
from spcheck.rules.derive import derived
from spcheck.rules.interface import RuleContext
from spcheck.rules.registry import rule


@rule("sample.missing", runbook="runbooks/records.md#samplemissing")
def missing(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    milestone_id = shared.sample_milestone
    result = shared.milestone(milestone_id) if milestone_id else None
    if result is None or result.state is not MilestoneState.OVERDUE:
        return
    if ctx.loaded.sample is not None:
        return  # loaded with other counts: sample.counts says which
    yield ctx.finding(
        "sample.missing",
        f"no sample list is loaded, and the sample was due {when(result.due, ctx.timeline.zone)}: "
        "save the Intelligence Team's list beside the definition and name it with `sample:`",
        milestone=milestone_id,
    )


@rule("sample.counts", runbook="runbooks/records.md#samplecounts")
def counts(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    name = ctx.inspection.sample or "the sample list"
    for count in shared.wrong_counts:
        yield ctx.finding(
            "sample.counts",
            f"the sample list {name} has {count.describe()}: ask the Intelligence Team for "
            "the corrected list",
            milestone=shared.sample_milestone or shared.records_milestone,
            location=count.name,
        )
