"""What could not be checked (``check.unverifiable``): never reported as a pass.

Gathered here: what the check cycle itself could not read (``snapshot.unverified``,
permissions not read, an inspection folder that does not exist), files that should have
been scanned but have no content verdict, and verdicts that stopped short. Other
families report their own gaps (no sample list, a size not read, a permission nobody
can identify); the evaluator adds one for any rule that fails.
"""

from __future__ import annotations

from collections.abc import Iterator

from spcheck.domain.findings import Finding
from spcheck.domain.snapshot import ContentStatus
from spcheck.rules.derive import UNREAD_RULES, derived
from spcheck.rules.interface import RuleContext
from spcheck.rules.registry import rule

RULE = "check.unverifiable"


@rule("check.unverifiable", runbook="runbooks/unverifiable.md#checkunverifiable")
def unverifiable(ctx: RuleContext) -> Iterator[Finding]:
    snapshot = ctx.snapshot
    if not snapshot.provisioned:
        yield ctx.finding(
            RULE,
            "the inspection folder does not exist on the site, so nothing in it could be "
            "checked: run `spcheck provision` for this inspection",
            path=snapshot.root_path,
        )
    for gap in snapshot.unverified:
        yield ctx.finding(RULE, gap.reason, path=gap.path or None)
    if snapshot.provisioned and snapshot.access is None:
        yield ctx.finding(
            RULE, "the folder permissions were not read, so access could not be checked"
        )
    yield from _content_gaps(ctx)


def _content_gaps(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    limit = ctx.policy.files.max_size_bytes
    yield from shared.passed_through(RULE)
    for upload in ctx.snapshot.files():
        milestone = shared.folder_milestone(upload.folder_key)
        check = shared.content(upload)
        if check is None:
            # Empty and oversized files are refused unread by their own findings.
            if upload.size == 0 or (upload.size is not None and upload.size > limit):
                continue
            yield ctx.finding(
                RULE,
                "the file has not been scanned (no content check), so what is inside it is unknown",
                path=upload.path,
                milestone=milestone,
            )
        elif check.status is ContentStatus.ERROR and not any(
            f.rule in UNREAD_RULES for f in check.findings
        ):
            yield ctx.finding(
                RULE,
                "the content check of this file stopped without saying why",
                path=upload.path,
                milestone=milestone,
            )
