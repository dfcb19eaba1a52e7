"""Text and CSV: encodings detected, lines and cells located."""

from __future__ import annotations

from spcheck.content.extract import extract
from spcheck.content.pipeline import scan_file
from spcheck.domain.findings import mask
from tests.content.builders import CHI_DOC_TEST, CHI_NUMERIC
from tests.content.helpers import identifiers


def test_utf16_text_with_a_bom(strict, file_rules):
    data = f"Notes\nCHI {CHI_DOC_TEST}\n".encode("utf-16")
    scan = scan_file(data, "notes.txt", strict, file_rules)
    assert identifiers(scan) == {mask(CHI_DOC_TEST): "line 2"}


def test_a_legacy_encoding_is_detected():
    text = "Budget £1,200 for the café's outreach work this year, as agreed by the board.\n"
    data = (text * 3 + f"CHI {CHI_DOC_TEST}\n").encode("cp1252")
    extraction = extract(data, "notes.txt")
    assert extraction.segments[0].text == text.strip()
    assert extraction.segments[-1].location == "line 4"


def test_csv_cells_are_located_and_digit_cells_flagged(strict, file_rules):
    data = f"case,CHI\nGM-0042,{CHI_NUMERIC.lstrip('0')}\n".encode()
    extraction = extract(data, "list.csv")
    cell = next(s for s in extraction.segments if s.location == "sheet 'csv' B2")
    assert cell.numeric_cell
    scan = scan_file(data, "list.csv", strict, file_rules)
    assert identifiers(scan)[mask(CHI_NUMERIC)] == "sheet 'csv' B2"


def test_binary_content_named_as_text_is_unreadable(strict, file_rules):
    scan = scan_file(bytes(range(256)) * 8, "notes.txt", strict, file_rules)
    assert [f.rule for f in scan.findings] == ["file.unreadable"]
