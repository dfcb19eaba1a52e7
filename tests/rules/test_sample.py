"""The sample list as a milestone of its own (week 4), with the policy's counts each checked."""

from __future__ import annotations

import dataclasses

from spcheck.domain.inspection import SampleList
from spcheck.loader import LoadedInspection
from tests.rules.builders import (
    CLEAN_AS_OF,
    at,
    clean_snapshot,
    loaded,
    only,
    rules_of,
    run,
    state,
    without_sample,
)

SAMPLE_DUE = "Fri 09 Oct 2026 17:00 BST"  # week 4 of Glenmorven under the shipped policy


def with_records(keep: SampleList) -> LoadedInspection:
    return dataclasses.replace(loaded(), sample=keep)


def short_list() -> SampleList:
    """One sample record lost and one network of support flag dropped when copying."""
    records = list(loaded().sample.records)  # type: ignore[union-attr]
    first_flagged = next(i for i, r in enumerate(records) if r.network_of_support)
    records[first_flagged] = records[first_flagged].model_copy(update={"network_of_support": False})
    lost = next(i for i, r in enumerate(records) if r.kind == "sample" and i != first_flagged)
    del records[lost]
    return SampleList(records=tuple(records))


def test_before_week_4_the_sample_is_pending_and_says_what_it_waits_for() -> None:
    result = run(clean_snapshot(uploads=[]), as_of=at(2026, 9, 29), inspection=without_sample())
    assert state(result, "sample") == "pending"
    [sample] = [m for m in result.milestones if m.id == "sample"]
    assert sample.waiting_for == ("the sample list: none is loaded (`sample:` in the definition)",)
    assert not [r for r in rules_of(result) if r.startswith("sample.")]


def test_due_soon_then_its_own_finding_when_no_list_is_loaded_by_week_4() -> None:
    soon = run(clean_snapshot(uploads=[]), as_of=at(2026, 10, 7), inspection=without_sample())
    assert state(soon, "sample") == "due_soon"
    assert "sample" in {f.milestone for f in only(soon, "deadline.due_soon")}
    late = run(
        clean_snapshot(uploads=[]), as_of=at(2026, 10, 9, 17, 1), inspection=without_sample()
    )
    assert state(late, "sample") == "overdue"
    [missing] = only(late, "sample.missing")
    assert missing.severity.value == "error"
    assert missing.milestone == "sample"
    assert SAMPLE_DUE in missing.message
    # One fact, one finding: no deadline.overdue beside it.
    assert not [f for f in only(late, "deadline.overdue") if f.milestone == "sample"]


def test_a_list_with_the_policys_counts_meets_it_with_the_list_as_evidence() -> None:
    result = run(clean_snapshot(uploads=[]), as_of=at(2026, 9, 29))
    [sample] = [m for m in result.milestones if m.id == "sample"]
    assert sample.state.value == "met"
    assert sample.evidence == ("glenmorven-2026.sample.csv",)
    assert sample.waiting_for == ()


def test_each_wrong_count_is_its_own_finding_and_neither_milestone_is_met() -> None:
    # Every listed record uploaded in time: without the count check this would be met.
    result = run(clean_snapshot(), inspection=with_records(short_list()))
    counts = sorted(only(result, "sample.counts"), key=lambda f: f.location != "sample")
    assert [(f.location, f.severity.value) for f in counts] == [
        ("sample", "error"),
        ("network_of_support", "error"),
    ]
    assert "has 59 sample records where the policy expects 60" in counts[0].message
    assert (
        "has 11 sample records for network of support meetings where the policy expects 12"
        in counts[1].message
    )
    assert all(f.milestone == "sample" for f in counts)
    assert state(result, "sample") == "overdue"
    assert state(result, "records") == "overdue"
    [records] = [m for m in result.milestones if m.id == "records"]
    assert records.waiting_for == ("a sample list with the policy's counts (see sample.counts)",)
    [sample] = [m for m in result.milestones if m.id == "sample"]
    assert sample.waiting_for == (
        "a sample list with the policy's counts: it has 59 sample records where the policy "
        "expects 60",
        "a sample list with the policy's counts: it has 11 sample records for network of "
        "support meetings where the policy expects 12",
    )
    overdue = only(result, "deadline.overdue")
    assert [f.milestone for f in overdue] == ["records"]
    assert "waiting for a sample list with the policy's counts" in overdue[0].message
    assert result.status == "error"


def test_a_wrong_count_is_reported_before_the_sample_is_due_too() -> None:
    result = run(
        clean_snapshot(uploads=[]), as_of=at(2026, 9, 29), inspection=with_records(short_list())
    )
    assert {f.location for f in only(result, "sample.counts")} == {"sample", "network_of_support"}
    assert state(result, "sample") == "pending"


def test_a_waived_sample_milestone_reports_no_lateness() -> None:
    base = without_sample()
    waived = dataclasses.replace(
        base, inspection=base.inspection.model_copy(update={"waived": ["sample"]})
    )
    result = run(clean_snapshot(uploads=[]), as_of=CLEAN_AS_OF, inspection=waived)
    assert state(result, "sample") == "waived"
    assert not only(result, "sample.missing")
