"""File rules (``file.*``). Type, size and emptiness are read from the snapshot (Graph's
metadata needs no download); macros, encryption and unreadable files are what the
content checks found when they opened the file.
"""

from __future__ import annotations

from collections.abc import Iterator

from spcheck.domain.findings import Finding
from spcheck.rules.derive import derived, extension
from spcheck.rules.interface import RuleContext
from spcheck.rules.registry import rule

MIB = 1024 * 1024


@rule("file.type_not_allowed", runbook="runbooks/files.md#filetype_not_allowed")
def type_not_allowed(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    allowed = ", ".join(f".{ext}" for ext in ctx.policy.files.allowed_extensions)
    for upload in ctx.snapshot.files():
        if ctx.policy.files.allows(upload.name):
            continue
        ext = extension(upload.name)
        what = f".{ext} files are" if ext else "files without an extension are"
        yield ctx.finding(
            "file.type_not_allowed",
            f"{what} not allowed (allowed: {allowed})",
            path=upload.path,
            milestone=shared.folder_milestone(upload.folder_key),
        )


@rule("file.too_large", runbook="runbooks/files.md#filetoo_large")
def too_large(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    limit = ctx.policy.files.max_size_bytes
    for upload in ctx.snapshot.files():
        milestone = shared.folder_milestone(upload.folder_key)
        if upload.size is None:
            yield ctx.finding(
                "check.unverifiable",
                "the file's size was not read, so the size limit could not be checked",
                path=upload.path,
                milestone=milestone,
            )
        elif upload.size > limit:
            yield ctx.finding(
                "file.too_large",
                f"{upload.size / MIB:,.1f} MB, over the {ctx.policy.files.max_size_mb:,} MB limit",
                path=upload.path,
                milestone=milestone,
            )


@rule("file.empty", runbook="runbooks/files.md#fileempty")
def empty(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    for upload in ctx.snapshot.files():
        if upload.size == 0:
            yield ctx.finding(
                "file.empty",
                "the file is empty (0 bytes): the upload may have failed",
                path=upload.path,
                milestone=shared.folder_milestone(upload.folder_key),
            )


@rule("file.macro_enabled", runbook="runbooks/files.md#filemacro_enabled")
def macro_enabled(ctx: RuleContext) -> Iterator[Finding]:
    return derived(ctx).passed_through("file.macro_enabled")


@rule("file.encrypted", runbook="runbooks/files.md#fileencrypted")
def encrypted(ctx: RuleContext) -> Iterator[Finding]:
    return derived(ctx).passed_through("file.encrypted")


@rule("file.unreadable", runbook="runbooks/files.md#fileunreadable")
def unreadable(ctx: RuleContext) -> Iterator[Finding]:
    return derived(ctx).passed_through("file.unreadable")
