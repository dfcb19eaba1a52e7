"""Milestone states and the deadline rules at their boundaries: one second either side of
a deadline, a deadline moved off a holiday, and deadlines on both sides of the change
from BST to GMT."""

from __future__ import annotations

import datetime as dt

import pytest

from spcheck.domain.inspection import Contact, ContactRole
from spcheck.domain.snapshot import Upload
from tests.rules.builders import (
    ATTESTED_ON,
    ONE_SECOND,
    PIR,
    PIR_DUE,
    POSITION_DUE,
    RECORDS_DUE,
    SAMPLE,
    TRAINING,
    UTC,
    at,
    attestation,
    clean_attested,
    clean_snapshot,
    clean_uploads,
    file,
    only,
    rules_of,
    run,
    state,
    with_inspection,
)


def without(prefix: str) -> list[Upload]:
    return [u for u in clean_uploads() if not u.path.startswith(prefix)]


def test_every_milestone_pending_early_on() -> None:
    result = run(clean_snapshot(uploads=[]), as_of=at(2026, 9, 14))
    states = {m.id: m.state.value for m in result.milestones}
    assert states == {
        "contacts": "met",  # the definition already names uploaders
        "pir": "pending",
        "survey-distribution": "pending",
        "pd1": "pending",
        "sample": "met",  # the example's sample list is loaded, with the policy's counts
        "survey-closed": "pending",
        "records": "pending",
        "training": "pending",
        "reader-training": "pending",
        "position-statement": "pending",
    }
    assert not [r for r in rules_of(result) if r.startswith(("deadline.", "pir.", "records."))]


def test_due_soon_is_information_only() -> None:
    # Wednesday 30 Sep: two working days before the PIR's Friday deadline.
    result = run(clean_snapshot(uploads=[]), as_of=at(2026, 9, 30))
    assert state(result, "pir") == "due_soon"
    # The survey count is due the same Friday, and not attested yet on Wednesday.
    assert state(result, "survey-distribution") == "due_soon"
    [finding] = [f for f in only(result, "deadline.due_soon") if f.milestone == "pir"]
    assert "Fri 02 Oct 2026 23:59 BST" in finding.message
    assert finding.severity.value == "info"
    assert result.status == "ok"


def test_pir_one_second_before_and_after_its_deadline() -> None:
    before = run(clean_snapshot(uploads=[]), as_of=PIR_DUE - ONE_SECOND)
    assert state(before, "pir") == "due_soon"
    assert not only(before, "pir.missing")
    after = run(clean_snapshot(uploads=[]), as_of=PIR_DUE + ONE_SECOND)
    assert state(after, "pir") == "overdue"
    [missing] = only(after, "pir.missing")
    assert missing.path == PIR
    # One fact, one finding: the overdue PIR is pir.missing, not also deadline.overdue.
    assert [f.milestone for f in only(after, "deadline.overdue")] == []


def test_pir_uploaded_one_second_late_is_met_late() -> None:
    uploads = [*without(PIR), file(f"{PIR}/PIR.xlsx", created=PIR_DUE + ONE_SECOND)]
    result = run(clean_snapshot(uploads=uploads))
    assert state(result, "pir") == "met_late"
    [late] = only(result, "deadline.met_late")
    assert late.milestone == "pir"
    on_time = [*without(PIR), file(f"{PIR}/PIR.xlsx", created=PIR_DUE - ONE_SECOND)]
    assert state(run(clean_snapshot(uploads=on_time)), "pir") == "met"


def test_bst_deadline_compares_instants_not_wall_clocks() -> None:
    # 23:30 UTC on 2 Oct is 00:30 BST on 3 Oct: late, though 23:30 < 23:59.
    late = dt.datetime(2026, 10, 2, 23, 30, tzinfo=UTC)
    uploads = [*without(PIR), file(f"{PIR}/PIR.xlsx", created=late)]
    result = run(clean_snapshot(uploads=uploads))
    assert state(result, "pir") == "met_late"
    in_time = dt.datetime(2026, 10, 2, 22, 58, 59, tzinfo=UTC)
    uploads = [*without(PIR), file(f"{PIR}/PIR.xlsx", created=in_time)]
    assert state(run(clean_snapshot(uploads=uploads)), "pir") == "met"


def test_gmt_deadline_after_the_clocks_change() -> None:
    # The records are due 23:59 GMT on 6 Nov, which is 23:59 UTC.
    uploads = [u for u in clean_uploads() if not u.path.endswith("/GM-2999.pdf")]
    before = run(
        clean_snapshot(uploads=uploads), as_of=dt.datetime(2026, 11, 6, 23, 58, 59, tzinfo=UTC)
    )
    assert state(before, "records") == "due_soon"
    assert not only(before, "records.missing")
    after = run(
        clean_snapshot(uploads=uploads), as_of=dt.datetime(2026, 11, 6, 23, 59, 1, tzinfo=UTC)
    )
    assert state(after, "records") == "overdue"
    assert len(only(after, "records.missing")) == 1
    assert RECORDS_DUE.utcoffset() == dt.timedelta(0)


def test_deadline_on_a_holiday_moves_to_the_next_working_day() -> None:
    # Notified 1 March 2027: week 3's Friday is Good Friday (26 March, a Scottish bank
    # holiday), so the PIR is due Monday 29 March, the day after the clocks go forward.
    moved = with_inspection(notification_date=dt.date(2027, 3, 1), paused_weeks=[])
    snap = clean_snapshot(uploads=[], access=[])
    good_friday = dt.datetime(2027, 3, 26, 23, 59, tzinfo=at(2027, 3, 26).tzinfo)
    on_holiday = run(snap, as_of=good_friday + ONE_SECOND, inspection=moved)
    assert state(on_holiday, "pir") == "due_soon"
    assert not only(on_holiday, "pir.missing")
    due = next(m.due for m in on_holiday.milestones if m.id == "pir")
    assert (due.date(), due.utcoffset()) == (dt.date(2027, 3, 29), dt.timedelta(hours=1))
    assert state(run(snap, as_of=due - ONE_SECOND, inspection=moved), "pir") == "due_soon"
    late = run(snap, as_of=due + ONE_SECOND, inspection=moved)
    assert only(late, "pir.missing")


def test_overdue_milestone_without_a_finer_rule() -> None:
    uploads = without(TRAINING)
    result = run(clean_snapshot(uploads=uploads))
    assert state(result, "training") == "overdue"
    [overdue] = only(result, "deadline.overdue")
    assert overdue.milestone == "training"
    assert overdue.severity.value == "error"


def test_a_file_of_a_refused_type_does_not_meet_a_milestone() -> None:
    uploads = [*without(TRAINING), file(f"{TRAINING}/plan.exe", created=at(2026, 11, 2))]
    result = run(clean_snapshot(uploads=uploads))
    assert state(result, "training") == "overdue"
    assert {"deadline.overdue", "file.type_not_allowed"} <= set(rules_of(result))


def test_waived_milestone_reports_nothing() -> None:
    waived = with_inspection(waived=["training"])
    result = run(clean_snapshot(uploads=without(TRAINING)), inspection=waived)
    assert state(result, "training") == "waived"
    assert result.findings == ()


def test_contacts_milestone() -> None:
    nobody = with_inspection(contacts=[])
    due = dt.datetime(2026, 9, 25, 17, 0, tzinfo=PIR_DUE.tzinfo)
    snap = clean_snapshot(uploads=[], access=[])
    assert state(run(snap, as_of=due - ONE_SECOND, inspection=nobody), "contacts") == "due_soon"
    late = run(snap, as_of=due + ONE_SECOND, inspection=nobody)
    assert state(late, "contacts") == "overdue"
    assert [f.milestone for f in only(late, "deadline.overdue")] == ["contacts"]
    viewer = Contact(
        name="Viewer Only", email="viewer.only@glenmorven-council.example", role=ContactRole.VIEWER
    )
    viewers = with_inspection(contacts=[viewer])
    assert state(run(snap, as_of=due + ONE_SECOND, inspection=viewers), "contacts") == "overdue"


def test_records_met_when_the_last_record_arrives() -> None:
    last = RECORDS_DUE + dt.timedelta(hours=5)
    uploads = [
        file(u.path, created=last) if u.path == f"{SAMPLE}/GM-2999.pdf" else u
        for u in clean_uploads()
    ]
    result = run(clean_snapshot(uploads=uploads))
    records = next(m for m in result.milestones if m.id == "records")
    assert records.state.value == "met_late"
    assert records.met_at == last
    assert len(records.evidence) == 75
    assert [f.milestone for f in only(result, "deadline.met_late")] == ["records"]


def test_evidence_after_as_of_is_not_yet_known() -> None:
    uploads = [*without(PIR), file(f"{PIR}/PIR.xlsx", created=at(2026, 10, 5))]
    result = run(clean_snapshot(uploads=uploads), as_of=at(2026, 10, 3))
    assert state(result, "pir") == "overdue"
    # A workbook is there, so neither pir.missing nor pir.format: the deadline says it.
    assert [f.milestone for f in only(result, "deadline.overdue")] == ["pir"]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (POSITION_DUE - dt.timedelta(days=10), "pending"),
        (POSITION_DUE - dt.timedelta(days=2), "due_soon"),
        (POSITION_DUE + ONE_SECOND, "overdue"),
    ],
)
def test_position_statement_states(as_of: dt.datetime, expected: str) -> None:
    assert state(run(clean_snapshot(), as_of=as_of), "position-statement") == expected


# -- attested milestones ---------------------------------------------------------------


def test_an_attested_milestone_is_met_when_attested_with_its_number() -> None:
    result = run(clean_snapshot())
    pd1 = next(m for m in result.milestones if m.id == "pd1")
    assert (pd1.state.value, pd1.kind, pd1.met_at) == ("met", "attested", ATTESTED_ON["pd1"])
    assert pd1.evidence == ("attested by Ailsa Placeholder (SSO) for Wed 07 Oct 2026",)
    count = next(m for m in result.milestones if m.id == "survey-distribution")
    assert count.evidence == (
        "143 staff the survey link was sent to; attested by Ailsa Placeholder (SSO) "
        "for Thu 01 Oct 2026",
    )
    assert not only(result, "deadline.overdue")


def test_an_attested_milestone_not_attested_by_its_date_is_overdue() -> None:
    result = run(clean_snapshot(attested=clean_attested(drop="pd1")))
    assert state(result, "pd1") == "overdue"
    [overdue] = only(result, "deadline.overdue")
    assert overdue.milestone == "pd1"
    assert "First partnership discussion (PD1) held: was due Fri 09 Oct 2026 23:59 BST" in (
        overdue.message
    )
    assert result.status == "error"


def test_an_attested_milestone_that_happened_late_is_met_late() -> None:
    late = {
        **clean_attested(),
        "survey-closed": attestation("survey-closed", PIR_DUE + dt.timedelta(days=31)),
    }
    result = run(clean_snapshot(attested=late))
    assert state(result, "survey-closed") == "met_late"
    [found] = only(result, "deadline.met_late")
    assert found.milestone == "survey-closed"


def test_the_attested_note_is_shown_masked() -> None:
    noted = {
        **clean_attested(),
        "pd1": attestation(
            "pd1",
            ATTESTED_ON["pd1"],
            note="minutes from morag.testperson@glenmorven-council.example",
        ),
    }
    result = run(clean_snapshot(attested=noted))
    pd1 = next(m for m in result.milestones if m.id == "pd1")
    assert "morag.testperson@" not in pd1.evidence[0]
    assert "minutes from mo************on@glenmorven-council.example;" in pd1.evidence[0]
