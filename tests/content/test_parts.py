"""Less common places text hides: text boxes, cell notes, PDF layers and attachments."""

from __future__ import annotations

from spcheck.content.extract import extract
from spcheck.content.pipeline import scan_file
from spcheck.domain.findings import mask
from tests.content import builders
from tests.content.builders import CHI_COMMENT, CHI_DOC_TEST
from tests.content.helpers import hidden_kinds, identifiers


def test_a_text_box_is_read_once_despite_its_fallback_copy():
    extraction = extract(builders.docx_with_text_box(f"CHI {CHI_DOC_TEST}"), "box.docx")
    boxed = [s for s in extraction.segments if CHI_DOC_TEST in s.text]
    assert len(boxed) == 1
    anchor = next(s for s in extraction.segments if s.text == "Anchor paragraph")
    # The box's paragraph is numbered right after the paragraph that anchors it.
    assert int(boxed[0].location.rsplit(" ", 1)[1]) == int(anchor.location.rsplit(" ", 1)[1]) + 1


def test_an_excel_cell_note_is_read_and_reported(strict, file_rules):
    data = builders.xlsx_with_comment(f"CHI {CHI_COMMENT}")
    scan = scan_file(data, "notes.xlsx", strict, file_rules)
    assert identifiers(scan)[mask(CHI_COMMENT)] == "xl/comments/comment1.xml cell A1"
    assert "comment" in hidden_kinds(scan)


def test_a_pdf_layer_switched_off_and_an_attached_file(strict, file_rules):
    data = builders.pdf_with_hidden_layer_and_attachment()
    scan = scan_file(data, "layered.pdf", strict, file_rules)
    assert {"pdf_hidden_layer", "embedded_object"} <= hidden_kinds(scan)
