"""Embedded objects: a workbook inside a document is checked like a file of its own."""

from __future__ import annotations

from spcheck.content.extract import extract
from spcheck.content.pipeline import scan_file
from spcheck.domain.findings import mask
from tests.content import builders
from tests.content.builders import (
    CHI_ANNOTATED,
    CHI_BOXED,
    CHI_HIDDEN_SHEET,
    CHI_NUMERIC,
    CHI_VERY_HIDDEN,
    NAME,
)
from tests.content.helpers import hidden_kinds, identifiers, of_rule

SHEET = "Microsoft_Excel_Worksheet.xlsx"
PART = f"word/embeddings/{SHEET}"


def test_identifiers_in_a_workbook_embedded_in_a_document_are_found(strict, file_rules):
    data = builders.docx_embedding({SHEET: builders.xlsx_planted()})
    scan = scan_file(data, "training.docx", strict, file_rules)
    found = identifiers(scan)
    # the 9-digit number cell is read as a cell of that sheet, inside the embedding
    assert found[mask(CHI_NUMERIC.zfill(10))].startswith(f"{PART} › sheet 'Cases' C")
    assert found[mask(CHI_HIDDEN_SHEET)].startswith(f"{PART} › sheet 'Lookup'")
    assert found[mask(CHI_VERY_HIDDEN)].startswith(f"{PART} › sheet 'Audit'")
    kinds = hidden_kinds(scan)
    assert {"embedded_object", "hidden_sheet"} <= kinds
    [embedded] = [f for f in of_rule(scan, "content.hidden_data") if f.kind == "embedded_object"]
    assert "checked as part of this file" in embedded.message
    assert not of_rule(scan, "check.unverifiable")


def test_an_object_spcheck_cannot_open_makes_the_file_unverifiable(strict, file_rules):
    ole = builders.encrypted_office()[:512]  # an OLE container, as Word stores oleObject1.bin
    data = builders.docx_embedding({"oleObject1.bin": ole})
    scan = scan_file(data, "training.docx", strict, file_rules)
    [gap] = of_rule(scan, "check.unverifiable")
    assert "word/embeddings/oleObject1.bin" in gap.message
    assert scan.status == "error"


def test_an_encrypted_or_hostile_embedding_is_a_gap_and_the_rest_is_still_read(strict, file_rules):
    data = builders.docx_embedding(
        {
            "locked.docx": builders.encrypted_office(),
            "bomb.docx": builders.docx_zip_bomb(),
            SHEET: builders.xlsx_planted(),
        }
    )
    scan = scan_file(data, "training.docx", strict, file_rules)
    gaps = sorted(f.message for f in of_rule(scan, "check.unverifiable"))
    assert len(gaps) == 2
    assert "word/embeddings/bomb.docx" in gaps[0]
    assert "word/embeddings/locked.docx: encrypted" in gaps[1]
    assert mask(CHI_HIDDEN_SHEET) in identifiers(scan)


def test_nesting_is_followed_only_so_deep():
    deepest = builders.docx_embedding({SHEET: builders.xlsx_planted()})
    middle = builders.docx_embedding({"inner.docx": deepest})
    outer = builders.docx_embedding({"middle.docx": middle})
    shallow = extract(middle, "middle.docx")
    assert shallow.gaps == ()
    assert any(CHI_HIDDEN_SHEET in s.text for s in shallow.segments)
    deep = extract(outer, "outer.docx")
    assert not any(CHI_HIDDEN_SHEET in s.text for s in deep.segments)
    [gap] = deep.gaps
    assert gap == (
        "word/embeddings/middle.docx › word/embeddings/inner.docx › an embedded object "
        f"{PART}: inside other embedded objects, deeper than spcheck opens"
    )


def test_a_workbook_and_a_slide_deck_open_their_embeddings_too(strict, file_rules):
    inner = builders.docx_embedding({SHEET: builders.xlsx_planted()})
    for container, folder, name in (
        (builders.xlsx_clean([["Case reference"], ["GM-0042"]]), "xl", "book.xlsx"),
        (builders.pptx_planted(), "ppt", "deck.pptx"),
    ):
        data = builders.with_embedding(container, {"report.docx": inner}, folder)
        found = identifiers(scan_file(data, name, strict, file_rules))
        assert found[mask(CHI_HIDDEN_SHEET)].startswith(f"{folder}/embeddings/report.docx › ")


def test_no_output_quotes_what_an_embedding_holds(strict, file_rules):
    data = builders.docx_embedding({SHEET: builders.xlsx_planted()})
    scan = scan_file(data, "training.docx", strict, file_rules)
    text = repr(scan.findings)
    for value in (CHI_NUMERIC, CHI_HIDDEN_SHEET, CHI_VERY_HIDDEN):
        assert value not in text


def test_files_attached_to_a_pdf_are_checked_without_showing_their_names(strict, file_rules):
    data = builders.pdf_with_attachments(
        {"Lookup for Morag.xlsx": builders.xlsx_planted(), "photo.png": b"\x89PNG\r\n\x1a\n"},
        {"case notes.docx": builders.docx_embedding({SHEET: builders.xlsx_planted()})},
    )
    scan = scan_file(data, "training.pdf", strict, file_rules)
    where = sorted(
        f.location or ""
        for f in of_rule(scan, "content.personal_identifier")
        if f.masked == mask(CHI_HIDDEN_SHEET)
    )
    assert len(where) == 2
    assert where[0].startswith("attached file 1 › sheet 'Lookup'")
    assert where[1].startswith(f"page 1 annotation 1 › {PART} › sheet 'Lookup'")
    [gap] = of_rule(scan, "check.unverifiable")
    assert "attached file 2: a kind of file spcheck does not read" in gap.message
    text = repr(scan.findings)
    for name in ("Morag", "photo", "case notes"):
        assert name not in text


def test_failed_redactions_inside_an_embedding_are_found_where_they_are(strict, file_rules):
    data = builders.docx_embedding(
        {
            "assessment.pdf": builders.pdf_black_boxes(),
            "plan.docx": builders.docx_fake_redaction(),
            "notes.pdf": builders.pdf_unapplied_redaction(),
        }
    )
    scan = scan_file(data, "training.docx", strict, file_rules)
    bad = {f.location: f.masked for f in of_rule(scan, "content.bad_redaction")}
    boxed = "word/embeddings/assessment.pdf › "
    assert bad[f"{boxed}page 1 line 2"] == mask(CHI_BOXED)
    assert bad[f"{boxed}page 1 line 3"] == mask(NAME)
    assert any(where.startswith("word/embeddings/plan.docx › ") for where in bad)
    [unapplied] = [
        f for f in of_rule(scan, "content.hidden_data") if f.kind == "pdf_unapplied_redaction"
    ]
    assert unapplied.location == "word/embeddings/notes.pdf › page 1 redaction 1"
    assert unapplied.masked == mask(CHI_ANNOTATED)
