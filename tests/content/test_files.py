"""File rules and the status of a scan."""

from __future__ import annotations

from spcheck.content.pipeline import scan_file, status_of
from spcheck.domain.findings import Finding, Severity
from spcheck.domain.policy import ContentRules, FileRules
from tests.content.builders import CHI_DOC_TEST
from tests.content.helpers import of_rule

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)  # a PNG signature, then nothing a PNG holds
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(64)


def test_a_type_the_policy_does_not_allow(strict, file_rules):
    scan = scan_file(b"plain words\n", "notes.md", strict, file_rules)
    assert scan.findings[0].rule == "file.type_not_allowed"
    assert scan.status != "pass"


def test_a_file_over_the_size_limit_is_not_parsed(strict):
    rules = FileRules(allowed_extensions=["txt"], max_size_mb=1)
    data = f"CHI {CHI_DOC_TEST}\n".encode() * 80_000
    scan = scan_file(data, "big.txt", strict, rules)
    assert [f.rule for f in scan.findings] == ["file.too_large"]
    assert scan.status == "fail"
    assert scan.text_chars == 0


def test_an_empty_file_is_never_a_pass(strict, file_rules):
    scan = scan_file(b"", "empty.docx", strict, file_rules)
    assert [f.rule for f in scan.findings] == ["file.empty"]
    assert scan.status == "fail"


def test_content_that_cannot_be_checked_is_unverifiable(strict, file_rules):
    scan = scan_file(MP3, "voice.mp3", strict, file_rules)
    assert [f.rule for f in scan.findings] == ["check.unverifiable"]
    assert scan.status == "error"


def test_a_damaged_picture_is_unreadable_not_a_pass(strict, file_rules):
    scan = scan_file(PNG, "scan.png", strict, file_rules)
    assert [f.rule for f in scan.findings] == ["file.unreadable"]
    assert scan.status == "error"


def test_a_file_type_without_content_rules_to_apply_passes(file_rules):
    records = ContentRules(identifiers="allow", hidden_data="allow")
    scan = scan_file(MP3, "voice.mp3", records, file_rules)
    assert (scan.type, scan.status, scan.findings) == ("other", "pass", ())


def test_policy_severities_decide_the_status(file_rules):
    data = f"CHI {CHI_DOC_TEST}\n".encode()
    rules = ContentRules(identifiers="forbid")
    default = scan_file(data, "a.txt", rules, file_rules)
    assert default.status == "fail"
    lowered = scan_file(
        data,
        "a.txt",
        rules,
        file_rules,
        severities={"content.personal_identifier": Severity.WARNING},
    )
    assert of_rule(lowered, "content.personal_identifier")[0].severity == Severity.WARNING
    assert lowered.status == "pass"


def test_an_identifier_in_the_file_name_is_found():
    rules = ContentRules(identifiers="forbid")
    scan = scan_file(
        b"nothing here\n", f"{CHI_DOC_TEST} notes.txt", rules, FileRules(allowed_extensions=["txt"])
    )
    (finding,) = of_rule(scan, "content.personal_identifier")
    assert finding.location == "file name"


def test_status_of():
    error = Finding("content.personal_identifier", Severity.ERROR, "m")
    warning = Finding("content.word_limit", Severity.WARNING, "m")
    unverifiable = Finding("check.unverifiable", Severity.ERROR, "m")
    assert status_of([]) == "pass"
    assert status_of([warning]) == "pass"
    assert status_of([warning, error]) == "fail"
    assert status_of([error, unverifiable]) == "error"
