"""File rules from the snapshot, content findings passed through, and files that were not
(fully) scanned."""

from __future__ import annotations

import pytest

from spcheck.domain.findings import Finding, Severity
from spcheck.domain.snapshot import ContentCheck, ContentStatus
from spcheck.rules import InspectionResult
from tests.rules.builders import (
    PIR,
    PS,
    SAMPLE,
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
    rules_of,
    run,
    with_policy,
)

MB = 1024 * 1024
LIMIT = loaded().policy.files.max_size_bytes


def test_type_not_allowed_anywhere_including_records() -> None:
    uploads = [*clean_uploads(), file(f"{PIR}/notes.exe"), file("readme")]
    result = run(clean_snapshot(uploads=uploads))
    found = only(result, "file.type_not_allowed")
    assert [(f.path, f.milestone) for f in found] == [
        (f"{PIR}/notes.exe", "pir"),
        ("readme", None),
    ]
    assert ".exe files are not allowed" in found[0].message
    assert "without an extension" in found[1].message


def test_type_reported_once_when_the_content_check_also_saw_it() -> None:
    uploads = [*clean_uploads(), file(f"{TRAINING}/plan.exe")]
    checks = replace_content(
        uploads,
        f"{TRAINING}/plan.exe",
        ContentStatus.FAIL,
        content_finding("file.type_not_allowed", ".exe files are not allowed here"),
    )
    result = run(clean_snapshot(uploads=uploads, content=checks))
    assert rules_of(result) == ["file.type_not_allowed"]


@pytest.mark.parametrize(
    ("size", "rules"),
    [
        (LIMIT, []),
        (LIMIT + 1, ["file.too_large"]),
        (0, ["file.empty"]),
        (1, []),
    ],
)
def test_size_limits(size: int, rules: list[str]) -> None:
    path = f"{PS}/statement.docx"
    uploads = [*clean_uploads(), file(path, size=size)]
    checks = passed(uploads)
    if size == 0 or size > LIMIT:
        del checks[path]  # refused unread: no content check, and none needed
    assert rules_of(run(clean_snapshot(uploads=uploads, content=checks))) == rules


def test_unknown_size_is_unverifiable() -> None:
    path = f"{PS}/statement.docx"
    uploads = [*clean_uploads(), file(path, size=None)]  # type: ignore[arg-type]
    [gap] = run(clean_snapshot(uploads=uploads)).findings
    assert (gap.rule, gap.path) == ("check.unverifiable", path)
    assert "size" in gap.message


@pytest.mark.parametrize("rule", ["file.macro_enabled", "file.encrypted", "file.unreadable"])
def test_container_verdicts_pass_through(rule: str) -> None:
    path = f"{SAMPLE}/GM-2999.pdf"
    uploads = clean_uploads()
    status = ContentStatus.FAIL if rule == "file.macro_enabled" else ContentStatus.ERROR
    checks = replace_content(uploads, path, status, content_finding(rule, "what it found"))
    [found] = run(clean_snapshot(uploads=uploads, content=checks)).findings
    assert (found.rule, found.path, found.milestone) == (rule, path, "records")
    assert found.message == "what it found"
    assert found.severity == Severity.ERROR


@pytest.mark.parametrize(
    ("rule", "kind", "location", "masked"),
    [
        ("content.hidden_data", "tracked_change", "word/document.xml paragraph 4", None),
        ("content.bad_redaction", None, "page 2", "Ja****th"),
        ("content.personal_identifier", "postcode", "page 1 line 3", "EH****AB"),
    ],
)
def test_content_findings_pass_through_with_their_detail(
    rule: str, kind: str | None, location: str, masked: str | None
) -> None:
    path = f"{TRAINING}/assessment and plan (redacted).pdf"
    uploads = clean_uploads()
    finding = content_finding(rule, "described", kind=kind, location=location, masked=masked)
    checks = replace_content(uploads, path, ContentStatus.FAIL, finding)
    [found, overdue] = training_open(run(clean_snapshot(uploads=uploads, content=checks)))
    assert (found.rule, found.path, found.milestone) == (rule, path, "training")
    assert (found.kind, found.location, found.masked) == (kind, location, masked)
    assert f"(redacted).pdf has error findings ({rule})" in overdue.message


def training_open(result: InspectionResult) -> list[Finding]:
    """The findings, the training milestone's deadline.overdue last: a training file that
    did not pass its checks does not meet it (the milestone wants both documents clean)."""
    overdue = [f for f in result.findings if f.rule == "deadline.overdue"]
    assert [f.milestone for f in overdue] == ["training"]
    return [f for f in result.findings if f.rule != "deadline.overdue"] + overdue


def test_policy_severity_applies_to_passed_through_findings() -> None:
    path = f"{TRAINING}/assessment and plan (redacted).pdf"
    uploads = clean_uploads()
    checks = replace_content(
        uploads, path, ContentStatus.FAIL, content_finding("content.hidden_data", kind="comment")
    )
    lenient = with_policy(rules={**loaded().policy.rules, "content.hidden_data": Severity.INFO})
    result = run(clean_snapshot(uploads=uploads, content=checks), inspection=lenient)
    assert [f.severity for f in result.findings] == [Severity.INFO]
    assert result.status == "ok"


def test_word_limit_from_the_content_check_and_from_a_kept_count() -> None:
    path = f"{PS}/position statement.docx"
    uploads = [*clean_uploads(), file(path, created=at(2026, 11, 9))]
    reported = replace_content(
        uploads,
        path,
        ContentStatus.PASS,
        content_finding("content.word_limit", "6,120 words, over the limit of 5,000"),
        words=6120,
    )
    assert rules_of(run(clean_snapshot(uploads=uploads, content=reported))) == [
        "content.word_limit"
    ]
    # A count kept from an older scan is checked against today's limit.
    counted = replace_content(uploads, path, ContentStatus.PASS, words=5001)
    [over] = run(clean_snapshot(uploads=uploads, content=counted)).findings
    assert over.rule == "content.word_limit"
    assert "5,001 words" in over.message
    exact = replace_content(uploads, path, ContentStatus.PASS, words=5000)
    assert run(clean_snapshot(uploads=uploads, content=exact)).findings == ()


def test_a_file_without_a_content_check_is_unverifiable() -> None:
    uploads = clean_uploads()
    checks = passed(uploads)
    path = f"{TRAINING}/assessment and plan (redacted).pdf"
    del checks[path]
    [gap, overdue] = training_open(run(clean_snapshot(uploads=uploads, content=checks)))
    assert (gap.rule, gap.path, gap.milestone) == ("check.unverifiable", path, "training")
    assert "(redacted).pdf has not been checked" in overdue.message


def test_an_error_verdict_without_a_reason_is_unverifiable() -> None:
    uploads = clean_uploads()
    path = f"{PIR}/PIR glenmorven.xlsx"
    checks = {**passed(uploads), path: ContentCheck(path, ContentStatus.ERROR)}
    [gap] = run(clean_snapshot(uploads=uploads, content=checks)).findings
    assert (gap.rule, gap.path) == ("check.unverifiable", path)


def test_content_unverifiable_findings_pass_through_once() -> None:
    uploads = clean_uploads()
    path = f"{TRAINING}/assessment and plan (redacted).pdf"
    checks = replace_content(
        uploads,
        path,
        ContentStatus.ERROR,
        content_finding("check.unverifiable", "could not check page 3 (over the cap)"),
    )
    [gap, _] = training_open(run(clean_snapshot(uploads=uploads, content=checks)))
    assert (gap.rule, gap.path, gap.message) == (
        "check.unverifiable",
        path,
        "could not check page 3 (over the cap)",
    )


def test_content_of_deleted_files_is_ignored() -> None:
    uploads = clean_uploads()
    checks = {
        **passed(uploads),
        "gone.docx": ContentCheck(
            "gone.docx", ContentStatus.FAIL, (content_finding("content.hidden_data"),)
        ),
    }
    assert run(clean_snapshot(uploads=uploads, content=checks)).findings == ()
