"""Content rules (``content.*``): what the content module found inside each file.

The content module already applied the folder's content rules (identifiers forbidden,
redaction verified, word limit) when it scanned the file; these rules place its
findings on the file and the milestone, with this inspection's severities.
"""

from __future__ import annotations

from collections.abc import Iterator

from spcheck.domain.findings import Finding
from spcheck.rules.derive import derived
from spcheck.rules.interface import RuleContext
from spcheck.rules.registry import rule


@rule("content.personal_identifier", runbook="runbooks/content.md#contentpersonal_identifier")
def personal_identifier(ctx: RuleContext) -> Iterator[Finding]:
    return derived(ctx).passed_through("content.personal_identifier")


@rule("content.hidden_data", runbook="runbooks/content.md#contenthidden_data")
def hidden_data(ctx: RuleContext) -> Iterator[Finding]:
    return derived(ctx).passed_through("content.hidden_data")


@rule("content.bad_redaction", runbook="runbooks/content.md#contentbad_redaction")
def bad_redaction(ctx: RuleContext) -> Iterator[Finding]:
    return derived(ctx).passed_through("content.bad_redaction")


@rule("content.word_limit", runbook="runbooks/content.md#contentword_limit")
def word_limit(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    yield from shared.passed_through("content.word_limit")
    # A count kept from a scan under an older limit is checked against today's policy.
    for upload in ctx.snapshot.files():
        folder = shared.folder(upload.folder_key)
        check = shared.content(upload)
        if folder is None or check is None or check.words is None:
            continue
        limit = folder.content.word_limit
        already = any(f.rule == "content.word_limit" for f in check.findings)
        if limit is not None and check.words > limit and not already:
            yield ctx.finding(
                "content.word_limit",
                f"{check.words:,} words, over the limit of {limit:,}",
                path=upload.path,
                milestone=shared.folder_milestone(upload.folder_key),
            )
