"""PIR rules and the records against the sample list."""

from __future__ import annotations

import datetime as dt

from spcheck.domain.findings import Severity, finding_key
from spcheck.domain.snapshot import ContentStatus, Upload
from tests.rules.builders import (
    PIR,
    PIR_DUE,
    RECORDS_DUE,
    RESERVES,
    SAMPLE,
    at,
    clean_snapshot,
    clean_uploads,
    content_finding,
    file,
    folder,
    only,
    record_ids,
    replace_content,
    rules_of,
    run,
    state,
    without_sample,
)

BEFORE_RECORDS_DUE = at(2026, 11, 2)


def drop(*paths: str) -> list[Upload]:
    return [u for u in clean_uploads() if u.path not in paths]


def no_pir() -> list[Upload]:
    return [u for u in clean_uploads() if not u.path.startswith(PIR)]


# -- PIR -------------------------------------------------------------------------------


def test_pir_in_another_format_is_reported_before_the_deadline() -> None:
    uploads = [*no_pir(), file(f"{PIR}/PIR.pdf")]
    result = run(clean_snapshot(uploads=uploads), as_of=at(2026, 9, 29))
    [wrong] = only(result, "pir.format")
    assert wrong.path == f"{PIR}/PIR.pdf"
    assert wrong.milestone == "pir"
    assert ".xlsx" in wrong.message
    assert not only(result, "pir.missing")


def test_pir_in_another_format_after_the_deadline_is_one_finding() -> None:
    uploads = [*no_pir(), file(f"{PIR}/PIR.docx")]
    result = run(clean_snapshot(uploads=uploads), as_of=PIR_DUE + dt.timedelta(seconds=1))
    assert state(result, "pir") == "overdue"
    assert rules_of(result) == ["pir.format"]


def test_a_file_named_xlsx_that_is_not_a_workbook() -> None:
    uploads = [*no_pir(), file(f"{PIR}/PIR.xlsx")]
    checks = replace_content(
        uploads,
        f"{PIR}/PIR.xlsx",
        ContentStatus.ERROR,
        content_finding("file.unreadable", "not a valid xlsx (bad zip)"),
    )
    result = run(clean_snapshot(uploads=uploads, content=checks))
    assert state(result, "pir") == "overdue"
    assert sorted(rules_of(result)) == ["file.unreadable", "pir.format"]
    unreadable = only(result, "file.unreadable")[0]
    assert (unreadable.path, unreadable.milestone) == (f"{PIR}/PIR.xlsx", "pir")
    assert "not a workbook" in only(result, "pir.format")[0].message


def test_an_empty_workbook_is_not_the_pir() -> None:
    uploads = [*no_pir(), file(f"{PIR}/PIR.xlsx", size=0)]
    result = run(clean_snapshot(uploads=uploads))
    assert sorted(rules_of(result)) == ["file.empty", "pir.format"]
    assert "empty" in only(result, "pir.format")[0].message


def test_a_workbook_beside_other_files_meets_the_pir() -> None:
    uploads = [*clean_uploads(), file(f"{PIR}/covering letter.pdf")]
    result = run(clean_snapshot(uploads=uploads))
    assert state(result, "pir") == "met"
    assert not only(result, "pir.format")
    pir = next(m for m in result.milestones if m.id == "pir")
    assert pir.evidence == (f"{PIR}/PIR glenmorven.xlsx",)


def test_identifiers_in_the_pir_come_from_the_content_checks() -> None:
    uploads = clean_uploads()
    path = f"{PIR}/PIR glenmorven.xlsx"
    checks = replace_content(
        uploads,
        path,
        ContentStatus.FAIL,
        content_finding(
            "content.personal_identifier",
            "a CHI number (confidence 0.95)",
            kind="chi",
            location="sheet Cases cell B7",
            masked="01******37",
            severity=Severity.WARNING,  # the policy's severity wins
        ),
    )
    result = run(clean_snapshot(uploads=uploads, content=checks))
    [found] = result.findings
    assert found.rule == "content.personal_identifier"
    assert (found.path, found.milestone, found.kind) == (path, "pir", "chi")
    assert (found.location, found.masked) == ("sheet Cases cell B7", "01******37")
    assert found.severity == Severity.ERROR
    assert state(result, "pir") == "met"  # a PIR with identifiers is still there


# -- records ---------------------------------------------------------------------------


def test_progress_before_the_deadline_without_missing_findings() -> None:
    gone = [f"{SAMPLE}/{record_ids('sample')[0]}.pdf", f"{SAMPLE}/{record_ids('sample')[1]}.pdf"]
    gone_reserve = f"{RESERVES}/{record_ids('reserve')[0]}.pdf"
    result = run(clean_snapshot(uploads=drop(*gone, gone_reserve)), as_of=BEFORE_RECORDS_DUE)
    records = result.records
    assert (records.sample_uploaded, records.sample_expected) == (58, 60)
    assert (records.reserves_uploaded, records.reserves_expected) == (14, 15)
    assert set(records.missing) == {*record_ids("sample")[:2], record_ids("reserve")[0]}
    assert not only(result, "records.missing")
    assert state(result, "records") == "pending"


def test_missing_records_after_the_deadline_one_finding_each() -> None:
    first, second = record_ids("sample")[:2]
    result = run(
        clean_snapshot(uploads=drop(f"{SAMPLE}/{first}.pdf", f"{SAMPLE}/{second}.pdf")),
        as_of=RECORDS_DUE + dt.timedelta(seconds=1),
    )
    missing = only(result, "records.missing")
    assert sorted(first in f.message or second in f.message for f in missing) == [True, True]
    assert all(f.milestone == "records" for f in missing)
    assert sorted(f.location or "" for f in missing) == sorted(
        f"record {r}" for r in (first, second)
    )
    # Each missing record is a finding of its own over time (its own key).
    assert len({finding_key(f) for f in missing}) == len(missing)
    assert not only(result, "deadline.overdue")


def test_unexpected_record_is_an_error_that_says_to_restrict() -> None:
    uploads = [*clean_uploads(), file(f"{SAMPLE}/GM-0001 assessment.pdf")]
    result = run(clean_snapshot(uploads=uploads))
    [unexpected] = result.findings
    assert unexpected.rule == "records.unexpected"
    assert unexpected.severity == Severity.ERROR
    assert unexpected.path == f"{SAMPLE}/GM-0001 assessment.pdf"
    assert "Restrict the folder" in unexpected.message
    assert result.records.unexpected == ("GM-0001",)
    assert result.records.sample_uploaded == 60


def test_a_record_named_with_a_chi_number_is_masked_everywhere() -> None:
    uploads = [*clean_uploads(), file(f"{SAMPLE}/0101011237.pdf")]
    result = run(clean_snapshot(uploads=uploads))
    [unexpected] = only(result, "records.unexpected")
    assert unexpected.path == f"{SAMPLE}/01******37.pdf"
    assert result.records.unexpected == ("01******37",)
    assert "0101011237" not in repr(result)


def test_case_insensitive_match_and_folder_records() -> None:
    rid = record_ids("sample")[0]
    uploads = [
        *drop(f"{SAMPLE}/{rid}.pdf"),
        folder(f"{SAMPLE}/{rid.lower()}"),
        file(f"{SAMPLE}/{rid.lower()}/assessment.pdf", created=at(2026, 11, 3)),
        file(f"{SAMPLE}/{rid.lower()}/plan.docx", created=at(2026, 11, 4)),
    ]
    result = run(clean_snapshot(uploads=uploads))
    assert result.findings == ()
    assert result.records.sample_uploaded == 60


def test_an_empty_record_folder_is_not_a_record() -> None:
    rid = record_ids("sample")[0]
    uploads = [*drop(f"{SAMPLE}/{rid}.pdf"), folder(f"{SAMPLE}/{rid}")]
    before = run(clean_snapshot(uploads=uploads), as_of=BEFORE_RECORDS_DUE)
    assert before.records.sample_uploaded == 59
    after = run(clean_snapshot(uploads=uploads))
    [missing] = only(after, "records.missing")
    assert "folder is there but empty" in missing.message


def test_duplicate_record() -> None:
    rid = record_ids("sample")[3]
    uploads = [
        *clean_uploads(),
        folder(f"{SAMPLE}/{rid} copy", created=at(2026, 11, 5)),
        file(f"{SAMPLE}/{rid} copy/notes.pdf", created=at(2026, 11, 5)),
    ]
    result = run(clean_snapshot(uploads=uploads))
    [duplicate] = result.findings
    assert duplicate.rule == "records.duplicate"
    assert duplicate.path == f"{SAMPLE}/{rid} copy"
    assert f"{SAMPLE}/{rid}.pdf" in duplicate.message
    assert result.records.duplicates == (rid,)
    assert result.status == "warning"


def test_misfiled_records_count_as_uploaded() -> None:
    sample_id, reserve_id = record_ids("sample")[0], record_ids("reserve")[0]
    uploads = [
        *drop(f"{SAMPLE}/{sample_id}.pdf", f"{RESERVES}/{reserve_id}.pdf"),
        file(f"{RESERVES}/{sample_id}.pdf"),
        file(f"{SAMPLE}/{reserve_id}.pdf"),
    ]
    result = run(clean_snapshot(uploads=uploads))
    misfiled = only(result, "records.misfiled")
    assert sorted(f.path or "" for f in misfiled) == [
        f"{SAMPLE}/{reserve_id}.pdf",
        f"{RESERVES}/{sample_id}.pdf",
    ]
    assert rules_of(result) == ["records.misfiled", "records.misfiled"]
    assert (result.records.sample_uploaded, result.records.reserves_uploaded) == (60, 15)
    assert state(result, "records") == "met"


def test_naming_and_files_inside_a_record_folder() -> None:
    rid = record_ids("sample")[0]
    uploads = [
        *drop(f"{SAMPLE}/{rid}.pdf"),
        folder(f"{SAMPLE}/{rid}"),
        file(f"{SAMPLE}/{rid}/GM-0001 letter.pdf"),  # inside a record: not a record itself
        file(f"{SAMPLE}/~$lockfile.pdf"),
    ]
    result = run(clean_snapshot(uploads=uploads))
    [naming] = result.findings
    assert naming.rule == "records.naming"
    assert naming.path == f"{SAMPLE}/~$lockfile.pdf"


def test_without_a_sample_list_records_cannot_be_matched() -> None:
    result = run(clean_snapshot(), inspection=without_sample())
    assert sorted(rules_of(result)) == ["check.unverifiable", "deadline.overdue", "sample.missing"]
    [gap] = only(result, "check.unverifiable")
    assert "no sample list" in gap.message
    [overdue] = only(result, "deadline.overdue")
    assert overdue.milestone == "records"
    assert "waiting for a sample list to check the records against" in overdue.message
    [missing] = only(result, "sample.missing")
    assert missing.milestone == "sample"
    assert "Fri 09 Oct 2026 17:00 BST" in missing.message
    assert result.records.sample_uploaded == 60  # well-named records, counted per folder
    assert result.records.missing == ()
    assert not only(result, "records.unexpected")


def test_without_a_sample_list_and_no_records_nothing_is_unverifiable() -> None:
    uploads = [u for u in clean_uploads() if not u.path.startswith((SAMPLE, RESERVES))]
    result = run(
        clean_snapshot(uploads=uploads), as_of=BEFORE_RECORDS_DUE, inspection=without_sample()
    )
    # Only the sample list itself is late (week 4): no record waits to be matched.
    assert rules_of(result) == ["sample.missing"]
    assert (result.records.sample_uploaded, result.records.sample_expected) == (0, 60)


def test_a_name_without_a_case_reference_is_a_naming_problem_not_a_breach() -> None:
    uploads = [
        file(f"{SAMPLE}/scan 1.pdf"),
        file(f"{SAMPLE}/fergus.madeup@glenmorven-council.example.pdf"),
        file(f"{SAMPLE}/GM-0001 letter.pdf"),  # a case reference, not on the list
    ]
    result = run(clean_snapshot(uploads=uploads))
    found = sorted((f.rule, f.path) for f in result.findings if f.rule.startswith("records."))
    assert ("records.unexpected", f"{SAMPLE}/GM-0001 letter.pdf") in found
    naming = [path for rule, path in found if rule == "records.naming"]
    # The address in the file name is masked, as everywhere in reports.
    assert naming == [
        f"{SAMPLE}/fe*********up@glenmorven-council.example.pdf",
        f"{SAMPLE}/scan 1.pdf",
    ]
    assert result.records.unexpected == ("GM-0001",)
