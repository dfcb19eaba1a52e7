"""Retention after publication, and what the cycle itself could not check."""

from __future__ import annotations

import datetime as dt

from spcheck.domain.findings import Finding
from spcheck.domain.snapshot import Unverified
from spcheck.rules import InspectionResult
from tests.rules.builders import (
    LONDON,
    PIR,
    RESERVES,
    SAMPLE,
    TRAINING,
    clean_snapshot,
    clean_uploads,
    only,
    rules_of,
    run,
    with_inspection,
)

PUBLISHED = with_inspection(published_on=dt.date(2027, 3, 1))
DESTROY_BY = dt.date(2028, 2, 29)  # 1 March 2027 + 365 days (2028 is a leap year)


def at_local(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=LONDON)


def retention(result: InspectionResult) -> list[Finding]:
    return only(result, "retention.overdue")


def test_nothing_overdue_on_the_destroy_by_date() -> None:
    result = run(
        clean_snapshot(access=None), as_of=at_local(DESTROY_BY, 23, 59, 59), inspection=PUBLISHED
    )
    assert retention(result) == []


def test_overdue_from_the_next_day_one_finding_per_folder() -> None:
    result = run(
        clean_snapshot(access=None),
        as_of=at_local(DESTROY_BY + dt.timedelta(days=1), 0, 0, 1),
        inspection=PUBLISHED,
    )
    found = retention(result)
    assert [(f.path, f.message.split(" ")[0]) for f in found] == [
        (SAMPLE, "60"),
        (RESERVES, "15"),
        (TRAINING, "1"),
    ]
    assert "29 February 2028" in found[0].message


def test_no_finding_for_empty_folders_or_without_a_publication_date() -> None:
    later = at_local(dt.date(2029, 1, 1), 12)
    kept = [u for u in clean_uploads() if u.path.startswith(PIR)]
    assert (
        retention(run(clean_snapshot(uploads=kept, access=None), as_of=later, inspection=PUBLISHED))
        == []
    )
    assert retention(run(clean_snapshot(access=None), as_of=later)) == []


def test_each_unverified_item_is_reported_with_its_reason() -> None:
    gaps = [
        Unverified(f"{SAMPLE}/GM-2999.pdf", "could not be downloaded (HTTP 503 after retries)"),
        Unverified("", "the delta read stopped before its last page"),
    ]
    result = run(clean_snapshot(unverified=gaps))
    found = only(result, "check.unverifiable")
    assert {(f.path, f.message) for f in found} == {
        (None, gaps[1].reason),
        (gaps[0].path, gaps[0].reason),
    }
    assert result.status == "error"


def test_an_inspection_not_provisioned() -> None:
    result = run(clean_snapshot(uploads=[], access=None, provisioned=False))
    found = only(result, "check.unverifiable")
    assert len(found) == 1
    assert "spcheck provision" in found[0].message
    assert found[0].path == "Inspections/glenmorven-2026"
    # The deadlines are still true: nothing arrived.
    assert "pir.missing" in rules_of(result)
