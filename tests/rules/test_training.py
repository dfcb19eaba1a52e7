"""The training milestone (week 7): a redacted assessment AND a plan, each a file that
passed its content checks; the report says what it still waits for."""

from __future__ import annotations

from spcheck.domain.findings import Severity
from spcheck.domain.snapshot import ContentStatus, Unverified, Upload
from spcheck.rules.interface import InspectionResult, MilestoneResult
from tests.rules.builders import (
    CLEAN_AS_OF,
    TRAINING,
    at,
    clean_snapshot,
    clean_uploads,
    content_finding,
    file,
    loaded,
    only,
    passed,
    replace_content,
    run,
    state,
    with_inspection,
    with_policy,
)

COMBINED = f"{TRAINING}/assessment and plan (redacted).pdf"
ASSESSMENT = f"{TRAINING}/Assessment (redacted).pdf"
PLAN = f"{TRAINING}/Child's plan.docx"
BEFORE_DUE = at(2026, 10, 20)  # week 6 (the October week is paused)


def with_training(*files: Upload) -> list[Upload]:
    return [u for u in clean_uploads() if not u.path.startswith(TRAINING)] + list(files)


def training(result: InspectionResult) -> MilestoneResult:
    return next(m for m in result.milestones if m.id == "training")


def test_an_assessment_and_a_plan_each_clean_meet_it_when_the_last_arrives() -> None:
    uploads = with_training(
        file(ASSESSMENT, created=at(2026, 11, 2, 9)), file(PLAN, created=at(2026, 11, 4, 16))
    )
    result = run(clean_snapshot(uploads=uploads))
    milestone = training(result)
    assert milestone.state.value == "met"
    assert milestone.met_at == at(2026, 11, 4, 16)
    assert milestone.evidence == (ASSESSMENT, PLAN)
    assert milestone.waiting_for == ()
    assert result.findings == ()


def test_one_file_named_for_both_counts_for_both() -> None:
    result = run(clean_snapshot())  # "assessment and plan (redacted).pdf", clean
    assert state(result, "training") == "met"
    assert training(result).evidence == (COMBINED,)


def test_the_plan_alone_does_not_meet_it_and_the_report_says_the_assessment_is_missing() -> None:
    uploads = with_training(file(PLAN, created=at(2026, 11, 4)))
    early = run(clean_snapshot(uploads=uploads), as_of=BEFORE_DUE)
    assert state(early, "training") == "pending"
    assert training(early).waiting_for == (
        "the redacted assessment: a file in 05 Training materials (redacted) named like "
        "*assessment*",
    )
    late = run(clean_snapshot(uploads=uploads))
    [overdue] = only(late, "deadline.overdue")
    assert overdue.milestone == "training"
    assert overdue.message == (
        "Redacted assessment and plan for training local record readers: was due Fri 06 Nov "
        "2026 23:59 GMT and is not met: waiting for the redacted assessment: a file in 05 "
        "Training materials (redacted) named like *assessment*"
    )


def test_a_file_with_error_findings_does_not_count_and_the_report_says_why() -> None:
    uploads = with_training(file(ASSESSMENT, created=at(2026, 11, 2)), file(PLAN))
    checks = replace_content(
        uploads,
        ASSESSMENT,
        ContentStatus.FAIL,
        content_finding("content.bad_redaction", location="page 1"),
        content_finding("content.personal_identifier", kind="chi", location="page 1"),
        content_finding("content.word_limit", severity=Severity.WARNING),
    )
    result = run(clean_snapshot(uploads=uploads, content=checks))
    assert state(result, "training") == "overdue"
    assert training(result).waiting_for == (
        "the redacted assessment: a file in 05 Training materials (redacted) named like "
        "*assessment* that passes its checks: Assessment (redacted).pdf has error findings "
        "(content.bad_redaction, content.personal_identifier)",
    )
    assert training(result).evidence == ()
    [overdue] = only(result, "deadline.overdue")
    assert "has error findings (content.bad_redaction, content.personal_identifier)" in (
        overdue.message
    )
    # The same finding at a lower severity in this policy does not hold the milestone up.
    policy = loaded().policy
    lenient = with_policy(
        rules={
            **policy.rules,
            "content.bad_redaction": Severity.WARNING,
            "content.personal_identifier": Severity.WARNING,
        }
    )
    assert (
        state(run(clean_snapshot(uploads=uploads, content=checks), inspection=lenient), "training")
        == "met"
    )


def test_a_clean_copy_beside_the_failed_one_meets_it() -> None:
    failed = f"{TRAINING}/Assessment (first try).pdf"
    uploads = with_training(file(failed), file(ASSESSMENT, created=at(2026, 11, 3)), file(PLAN))
    checks = replace_content(
        uploads, failed, ContentStatus.FAIL, content_finding("content.bad_redaction")
    )
    result = run(clean_snapshot(uploads=uploads, content=checks))
    assert state(result, "training") == "met"
    assert training(result).evidence == (ASSESSMENT, PLAN)
    assert [f.path for f in only(result, "content.bad_redaction")] == [failed]


def test_what_was_not_checked_does_not_count() -> None:
    uploads = with_training(file(ASSESSMENT), file(PLAN))
    checks = passed(uploads)
    del checks[PLAN]
    unread = Unverified(ASSESSMENT, "could not be downloaded: HTTP 503")
    result = run(clean_snapshot(uploads=uploads, content=checks, unverified=[unread]))
    assert state(result, "training") == "overdue"
    assert training(result).waiting_for == (
        "the redacted assessment: a file in 05 Training materials (redacted) named like "
        "*assessment* that passes its checks: Assessment (redacted).pdf could not be checked",
        "the plan: a file in 05 Training materials (redacted) named like *plan* that passes "
        "its checks: Child's plan.docx has not been checked",
    )


def test_a_met_or_waived_milestone_waits_for_nothing() -> None:
    uploads = with_training(file(PLAN))
    waived = with_inspection(waived=["training"])
    result = run(clean_snapshot(uploads=uploads), as_of=CLEAN_AS_OF, inspection=waived)
    assert state(result, "training") == "waived"
    assert training(result).waiting_for == ()
    assert all(m.waiting_for == () for m in result.milestones if m.state.value == "met")
