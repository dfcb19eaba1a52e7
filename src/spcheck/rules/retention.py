"""Retention (``retention.overdue``): copies of personal records must be destroyed within
a year of publication (SSI 2011/183, regulation 9; runbooks/end-of-inspection.md).

The destroy-by date is ``published_on`` plus the policy's ``destroy_within_days``; files
still in a retention folder on any later day (in the policy's time zone) are overdue.
Without ``published_on`` nothing can be overdue yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from spcheck.domain.findings import Finding
from spcheck.rules.interface import RuleContext
from spcheck.rules.registry import rule


def destroy_by(ctx: RuleContext) -> dt.date | None:
    published = ctx.inspection.published_on
    if published is None:
        return None
    return published + dt.timedelta(days=ctx.policy.retention.destroy_within_days)


@rule("retention.overdue", runbook="runbooks/retention.md#retentionoverdue")
def overdue(ctx: RuleContext) -> Iterator[Finding]:
    deadline = destroy_by(ctx)
    if deadline is None:
        return
    today = ctx.as_of.astimezone(ctx.timeline.zone).date()
    if today <= deadline:
        return
    for key in ctx.policy.retention.folders:
        count = len(ctx.snapshot.files(key))
        if count:
            folder = ctx.policy.folder(key)
            files = "file is" if count == 1 else "files are"
            yield ctx.finding(
                "retention.overdue",
                f"{count} {files} still in {folder.name}; they were to be destroyed by "
                f"{deadline:%d %B %Y} (published {ctx.inspection.published_on:%d %B %Y} + "
                f"{ctx.policy.retention.destroy_within_days} days)",
                path=folder.name,
            )
