"""Workbooks: hidden and very hidden sheets, hidden rows, 9-digit CHIs, pivot caches."""

from __future__ import annotations

from spcheck.content.extract import extract
from spcheck.content.pipeline import scan_file
from spcheck.domain.findings import mask
from tests.content.builders import CHI_HIDDEN_SHEET, CHI_NUMERIC, CHI_PIVOT, CHI_VERY_HIDDEN
from tests.content.helpers import identifiers, of_rule


def test_every_sheet_is_read_with_cell_locations(documents):
    extraction = extract(documents["planted.xlsx"], "planted.xlsx")
    where = {s.location: s for s in extraction.segments}
    assert where["sheet 'Lookup' B1"].text == CHI_HIDDEN_SHEET
    assert where["sheet 'Audit' B1"].text == CHI_VERY_HIDDEN
    assert extraction.notes["sheet 'Lookup' B1"] == "hidden sheet"
    assert extraction.notes["sheet 'Audit' B1"] == "very hidden sheet"
    assert extraction.notes["sheet 'Cases' A5"] == "hidden row"


def test_a_chi_that_lost_its_leading_zero_is_a_number_cell(documents, strict, file_rules):
    extraction = extract(documents["planted.xlsx"], "planted.xlsx")
    cell = next(s for s in extraction.segments if s.location == "sheet 'Cases' C2")
    assert cell.numeric_cell
    assert cell.text == CHI_NUMERIC.lstrip("0")
    scan = scan_file(documents["planted.xlsx"], "planted.xlsx", strict, file_rules)
    assert identifiers(scan)[mask(CHI_NUMERIC)] == "sheet 'Cases' C2"


def test_identifiers_in_hidden_sheets_say_so(documents, strict, file_rules):
    scan = scan_file(documents["planted.xlsx"], "planted.xlsx", strict, file_rules)
    found = identifiers(scan)
    assert found[mask(CHI_HIDDEN_SHEET)] == "sheet 'Lookup' B1 (hidden sheet)"
    assert found[mask(CHI_VERY_HIDDEN)] == "sheet 'Audit' B1 (very hidden sheet)"


def test_the_pivot_cache_keeps_its_source_rows(documents, strict, file_rules):
    scan = scan_file(documents["planted.xlsx"], "planted.xlsx", strict, file_rules)
    assert identifiers(scan)[mask(CHI_PIVOT)].startswith("pivot cache 1 record 1")
    (cache,) = [f for f in of_rule(scan, "content.hidden_data") if f.kind == "pivot_cache"]
    assert cache.location == "xl/pivotCache/pivotCacheDefinition1.xml"
    assert "2 rows" in cache.message


def test_hidden_sheets_and_rows_are_hidden_data(documents, strict, file_rules):
    scan = scan_file(documents["planted.xlsx"], "planted.xlsx", strict, file_rules)
    hidden = {(f.kind, f.location) for f in of_rule(scan, "content.hidden_data")}
    assert ("hidden_sheet", "sheet 'Lookup'") in hidden
    assert ("hidden_sheet", "sheet 'Audit'") in hidden
    assert ("hidden_rowcol", "sheet 'Cases'") in hidden
    very = next(f for f in of_rule(scan, "content.hidden_data") if f.location == "sheet 'Audit'")
    assert "very hidden" in very.message


def test_an_identifier_in_a_sheet_name_is_found_and_masked_in_every_location(strict, file_rules):
    from openpyxl import Workbook

    from tests.content.builders import CHI_DOC_TEST, xlsx_bytes

    workbook = Workbook()
    workbook.active.title = CHI_DOC_TEST
    workbook.active.append(["Case GM-0042"])
    workbook.active.sheet_state = "hidden"
    workbook.create_sheet("Visible")
    scan = scan_file(xlsx_bytes(workbook), "named.xlsx", strict, file_rules)
    assert identifiers(scan)[mask(CHI_DOC_TEST)] == "sheet name 1"
    hidden = next(f for f in of_rule(scan, "content.hidden_data") if f.kind == "hidden_sheet")
    assert hidden.location == f"sheet '{mask(CHI_DOC_TEST)}'"
    for finding in scan.findings:
        assert CHI_DOC_TEST not in f"{finding.location} {finding.message} {finding.masked}"
