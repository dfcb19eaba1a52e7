"""The demo's synthetic documents, built with the standard library, through the content checks.

Each is scanned with the rules of the folder it is uploaded to: the clean ones pass, the
failed redaction fails with content.bad_redaction and never repeats what it found.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from spcheck.content.api import FileScan, extract_segments, scan_bytes
from spcheck.demo.documents import (
    ADDRESS,
    CHILD,
    TEST_CHI,
    Document,
    build,
    case_record,
)
from spcheck.demo.writers import Box, Text, pdf, text_width
from spcheck.domain.findings import mask
from spcheck.domain.policy import Policy
from spcheck.loader import load_policies, packaged_policies

PARTNERSHIP = "Glenmorven Community Planning Partnership"
CASES = ["GM-1234", "GM-2345", "GM-3456", "GM-4567"]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policies(packaged_policies())["children-at-risk-of-harm"]


def scan(policy: Policy, data: bytes, name: str, folder: str) -> FileScan:
    return scan_bytes(data, name, policy.folder(folder).content, policy.files)


def rules(result: FileScan) -> list[str]:
    return sorted(f.rule for f in result.findings)


@pytest.mark.parametrize(
    ("kind", "name", "folder"),
    [
        (Document.PIR, "PIR.xlsx", "pir"),
        (Document.POSITION_STATEMENT, "Position statement.docx", "position-statement"),
        (Document.TRAINING_PLAN, "Training plan.docx", "training"),
        (Document.ASSESSMENT_REDACTED, "Assessment (redacted).pdf", "training"),
    ],
)
def test_clean_documents_pass_their_folders_checks(
    policy: Policy, kind: Document, name: str, folder: str
) -> None:
    result = scan(policy, build(kind, PARTNERSHIP, CASES), name, folder)
    assert result.status == "pass", [(f.rule, f.kind, f.location) for f in result.findings]
    assert result.findings == ()
    assert result.words is not None
    assert result.words > 0


def test_a_case_record_passes_the_records_folders_checks(policy: Policy) -> None:
    result = scan(policy, case_record("GM-1234", PARTNERSHIP), "GM-1234.txt", "records")
    assert result.status == "pass"
    assert result.type == "txt"


def test_the_failed_redaction_is_caught_and_nothing_it_hides_is_repeated(policy: Policy) -> None:
    data = build(Document.ASSESSMENT_BOXED, PARTNERSHIP, CASES)
    result = scan(policy, data, "Assessment and plan (training copy).pdf", "training")
    assert result.status == "fail"
    boxed = [f for f in result.findings if f.rule == "content.bad_redaction"]
    # One finding per covered line: the child's name, the CHI number, the address.
    assert sorted(f.location or "" for f in boxed) == [
        "page 1 line 3",
        "page 1 line 4",
        "page 1 line 5",
    ]
    assert {f.masked for f in boxed} == {mask(CHILD), mask(TEST_CHI), mask(ADDRESS)}
    assert all(f.severity.value == "error" for f in boxed)
    # The training folder forbids identifiers, and the CHI under the box is still there.
    chi = [f for f in result.findings if f.kind == "chi"]
    assert [(f.rule, f.masked) for f in chi] == [("content.personal_identifier", mask(TEST_CHI))]
    for finding in result.findings:
        shown = f"{finding.message} {finding.masked} {finding.location}"
        assert TEST_CHI not in shown
        assert CHILD not in shown
        assert ADDRESS not in shown


def test_the_proper_redaction_has_no_text_under_its_boxes() -> None:
    data = build(Document.ASSESSMENT_REDACTED, PARTNERSHIP, [])
    text = " ".join(segment.text for segment in extract_segments(data, "a.pdf"))
    assert "[REDACTED]" in text
    for hidden in (CHILD, TEST_CHI, ADDRESS):
        assert hidden not in text


def test_a_box_over_text_drawn_after_it_is_found_and_one_beside_it_is_not(
    policy: Policy,
) -> None:
    line = Text(72, 700, "Case GM-1234 closed")
    covered = Box(72 + text_width("Case ", 11) - 1, 696, text_width("GM-1234", 11) + 2, 14)
    beside = Box(400, 696, 60, 14)
    found = scan(policy, pdf([line, covered]), "a.pdf", "training")
    clear = scan(policy, pdf([line, beside]), "b.pdf", "training")
    assert [f.masked for f in found.findings if f.rule == "content.bad_redaction"] == [
        mask("GM-1234")
    ]
    assert clear.status == "pass"


def test_documents_are_deterministic_and_carry_no_document_properties() -> None:
    for kind in Document:
        first, second = build(kind, PARTNERSHIP, CASES), build(kind, PARTNERSHIP, CASES)
        assert first == second, kind
        if first.startswith(b"PK"):
            names = zipfile.ZipFile(io.BytesIO(first)).namelist()
            assert not any(name.startswith("docProps/") for name in names)
        else:
            assert first.startswith(b"%PDF-1.4")
            assert first.count(b"%%EOF") == 1
            assert b"/Info" not in first


def test_office_files_open_in_the_usual_libraries() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    docx = pytest.importorskip("docx")
    pdfplumber = pytest.importorskip("pdfplumber")

    workbook = openpyxl.load_workbook(io.BytesIO(build(Document.PIR, PARTNERSHIP, CASES)))
    rows = list(workbook.active.values)
    assert rows[0][0] == "Case reference"
    assert [row[0] for row in rows[1 : 1 + len(CASES)]] == CASES
    assert all(isinstance(row[4], int) for row in rows[1 : 1 + len(CASES)])

    document = docx.Document(io.BytesIO(build(Document.POSITION_STATEMENT, PARTNERSHIP, [])))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == f"Position statement of the {PARTNERSHIP}"
    assert sum(t.startswith("Statement ") for t in texts) == 4

    with pdfplumber.open(io.BytesIO(build(Document.ASSESSMENT_BOXED, PARTNERSHIP, []))) as doc:
        page = doc.pages[0]
        assert TEST_CHI in page.extract_text()  # the failure: the text is still there
        assert len(page.rects) == 3
