"""Pre-inspection return rules (``pir.*``): present, and the expected workbook.

Identifiers in the PIR come from the content checks as ``content.personal_identifier``.
"""

from __future__ import annotations

from collections.abc import Iterator

from spcheck.domain.findings import Finding
from spcheck.rules.deadlines import when
from spcheck.rules.derive import derived, extension
from spcheck.rules.interface import RuleContext
from spcheck.rules.registry import rule


def _expected(ctx: RuleContext) -> list[str]:
    milestone = derived(ctx).pir_milestone
    return (milestone.satisfied_by.extensions if milestone else None) or ["xlsx"]


@rule("pir.missing", runbook="runbooks/pir.md#pirmissing")
def missing(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    milestone = shared.pir_milestone
    if milestone is None or milestone.folder is None or shared.pir_problem != "missing":
        return
    folder = ctx.policy.folder(milestone.folder)
    yield ctx.finding(
        "pir.missing",
        f"nothing has been uploaded to {folder.name}; the PIR was due "
        f"{when(ctx.timeline.due(milestone.id), ctx.timeline.zone)}",
        path=folder.name,
        milestone=milestone.id,
    )


@rule("pir.format", runbook="runbooks/pir.md#pirformat")
def wrong_format(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    milestone = shared.pir_milestone
    if milestone is None or milestone.folder is None or shared.pir_problem != "format":
        return
    folder = ctx.policy.folder(milestone.folder)
    expected = " or ".join(f".{ext}" for ext in _expected(ctx))
    uploads = shared.files_in(milestone.folder)
    for upload in sorted(uploads, key=lambda u: u.path):
        ext = extension(upload.name)
        if upload.size == 0:
            why = "empty"
        elif ext in _expected(ctx):
            why = "not a workbook that could be read (see its other findings)"
        else:
            why = f"a .{ext} file" if ext else "a file without an extension"
        yield ctx.finding(
            "pir.format",
            f"the PIR is expected as an {expected} workbook and no file in {folder.name} "
            f"is one: this file is {why}",
            path=upload.path,
            milestone=milestone.id,
        )
