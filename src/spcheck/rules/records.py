"""Records rules (``records.*``): the 60 sample and 15 reserves against the sample list.

A record is a direct child of the sample or reserves folder, a file or a folder of
files, named by its case reference (the ``record_id`` group of the policy's
``sample.file_name_pattern``), matched case-insensitively. The matching itself is in
``derive`` because the records milestone and the report's progress read it too.
"""

from __future__ import annotations

from collections.abc import Iterator

from spcheck.domain.findings import Finding
from spcheck.domain.timeline import MilestoneState
from spcheck.rules.derive import RecordItem, derived
from spcheck.rules.interface import RuleContext
from spcheck.rules.registry import rule

_WHERE = {"sample": "the sample folder", "reserve": "the reserves folder"}


def _what(item: RecordItem) -> str:
    return "folder" if item.upload.is_folder else "file"


@rule("records.unexpected", runbook="runbooks/records.md#recordsunexpected")
def unexpected(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    match = shared.records
    if not match.listed:
        if match.items:
            yield ctx.finding(
                "check.unverifiable",
                f"{len(match.items)} records uploaded but no sample list is loaded, so none "
                "could be checked against it (add `sample:` to the inspection definition)",
                milestone=shared.records_milestone,
            )
        return
    for item in match.items:
        if item.record_id is not None and item.listed is None:
            yield ctx.finding(
                "records.unexpected",
                f"a {_what(item)} named as record {item.record_id}, which is not on the "
                "sample list: possibly a data breach. Restrict the folder and follow the "
                "runbook",
                path=item.upload.path,
                milestone=shared.records_milestone,
            )


@rule("records.missing", runbook="runbooks/records.md#recordsmissing")
def missing(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    milestone_id = shared.records_milestone
    result = shared.milestone(milestone_id) if milestone_id else None
    # Before the deadline the report's progress shows what is still to come.
    if result is None or result.state is not MilestoneState.OVERDUE:
        return
    empty_folders = {
        item.key for item in shared.records.items if item.upload.is_folder and not item.present
    }
    for record in shared.records.missing:
        kind = "sample record" if record.kind == "sample" else "reserve"
        empty = record.record_id.casefold() in empty_folders
        extra = " (its folder is there but empty)" if empty else ""
        yield ctx.finding(
            "records.missing",
            f"{kind} {record.record_id} has not been uploaded{extra}",
            milestone=milestone_id,
            # Names the record, so each missing one is a finding of its own over time.
            location=f"record {record.record_id}",
        )


@rule("records.duplicate", runbook="runbooks/records.md#recordsduplicate")
def duplicate(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    match = shared.records
    for items in match.present.values():
        if len(items) < 2 or (match.listed and items[0].listed is None):
            continue
        first, *others = items
        for item in others:
            yield ctx.finding(
                "records.duplicate",
                f"record {item.record_id} is uploaded {len(items)} times; this copy repeats "
                f"{first.upload.path}",
                path=item.upload.path,
                milestone=shared.records_milestone,
            )


@rule("records.misfiled", runbook="runbooks/records.md#recordsmisfiled")
def misfiled(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    for item in shared.records.items:
        listed = item.listed
        if listed is None or listed.kind == item.held_in:
            continue
        should = _WHERE[listed.kind]
        yield ctx.finding(
            "records.misfiled",
            f"record {item.record_id} is a {listed.kind} record but sits in "
            f"{_WHERE[item.held_in]}; move it to {should} (it is counted as uploaded)",
            path=item.upload.path,
            milestone=shared.records_milestone,
        )


@rule("records.naming", runbook="runbooks/records.md#recordsnaming")
def naming(ctx: RuleContext) -> Iterator[Finding]:
    shared = derived(ctx)
    for item in shared.records.items:
        if item.record_id is None:
            yield ctx.finding(
                "records.naming",
                f"this {_what(item)} is not named by a case reference (expected a name that "
                "starts with the record's id, such as CR-1234.pdf or a folder CR-1234), so it "
                "cannot be matched to the sample list",
                path=item.upload.path,
                milestone=shared.records_milestone,
            )
