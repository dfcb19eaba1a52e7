"""PDFs: boxes over live text, proper redaction, redaction annotations, earlier
revisions, invisible text, passwords, truncation."""

from __future__ import annotations

import io

from pypdf import PdfReader

from spcheck.content.extract import extract
from spcheck.content.pipeline import scan_file
from spcheck.domain.findings import mask
from tests.content import builders
from tests.content.builders import CHI_ANNOTATED, CHI_BOXED, CHI_EARLIER, CHI_INVISIBLE, NAME
from tests.content.helpers import hidden_kinds, identifiers, of_rule


def test_black_boxes_over_live_text_are_bad_redactions(documents, strict, file_rules):
    scan = scan_file(documents["boxes.pdf"], "boxes.pdf", strict, file_rules)
    bad = {f.location: f.masked for f in of_rule(scan, "content.bad_redaction")}
    assert bad == {"page 1 line 2": mask(CHI_BOXED), "page 1 line 3": mask(NAME)}
    assert identifiers(scan)[mask(CHI_BOXED)] == "page 1 line 2"


def test_white_boxes_over_live_text_are_bad_redactions_but_highlights_are_not(strict, file_rules):
    data = builders.pdf_white_boxes()
    [page] = extract(data, "white.pdf").pages
    alphas = sorted(round(f.alpha, 2) for f in page.fills)
    assert alphas == [0.3, 0.35, 1.0, 1.0]  # q/Q restored the opacity; the form inherited it
    scan = scan_file(data, "white.pdf", strict, file_rules)
    bad = {f.location: f.masked for f in of_rule(scan, "content.bad_redaction")}
    assert bad == {"page 1 line 1": mask(CHI_BOXED), "page 1 line 2": mask(NAME)}


def test_boxes_with_the_text_removed_give_no_finding(documents, strict, file_rules):
    extraction = extract(documents["redacted.pdf"], "redacted.pdf")
    assert any(page.fills for page in extraction.pages)
    scan = scan_file(documents["redacted.pdf"], "redacted.pdf", strict, file_rules)
    assert scan.findings == ()
    assert scan.status == "pass"


def test_an_unapplied_redaction_annotation_keeps_its_text(documents, strict, file_rules):
    scan = scan_file(documents["annotated.pdf"], "annotated.pdf", strict, file_rules)
    (unapplied,) = [
        f for f in of_rule(scan, "content.hidden_data") if f.kind == "pdf_unapplied_redaction"
    ]
    assert unapplied.location == "page 1 redaction 1"
    assert unapplied.masked == mask(CHI_ANNOTATED)


def test_an_incremental_save_keeps_the_earlier_text(documents, strict, file_rules):
    data = documents["incremental.pdf"]
    current = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert CHI_EARLIER not in current
    scan = scan_file(data, "incremental.pdf", strict, file_rules)
    assert "pdf_incremental_update" in hidden_kinds(scan)
    location = identifiers(scan)[mask(CHI_EARLIER)]
    assert location.startswith("earlier revision 1 page 1")


def test_invisible_text_is_hidden_data_and_still_scanned(documents, strict, file_rules):
    scan = scan_file(documents["invisible.pdf"], "invisible.pdf", strict, file_rules)
    assert "pdf_invisible_text" in hidden_kinds(scan)
    assert identifiers(scan)[mask(CHI_INVISIBLE)].endswith("(invisible text)")


def test_text_drawn_where_no_reader_sees_it_is_invisible_text(strict, file_rules):
    data = builders.pdf_concealed_text()
    [page] = extract(data, "concealed.pdf").pages
    assert [(c.text, c.line) for c in page.chars][:1] == [("A", 1)]
    scan = scan_file(data, "concealed.pdf", strict, file_rules)
    [hidden] = [f for f in of_rule(scan, "content.hidden_data") if f.kind == "pdf_invisible_text"]
    # lines 3 to 5, white on a banner, a gradient and a picture, are seen
    assert "on 3 lines (2, 6, 7)" in hidden.message
    assert identifiers(scan)[mask(CHI_INVISIBLE)] == "page 1 line 2 (invisible text)"


def test_a_password_protected_pdf_is_refused(documents, strict, file_rules):
    scan = scan_file(documents["password.pdf"], "password.pdf", strict, file_rules)
    assert [f.rule for f in scan.findings] == ["file.encrypted"]
    assert scan.status == "error"


def test_a_truncated_pdf_is_unreadable(documents, strict, file_rules):
    scan = scan_file(documents["truncated.pdf"], "truncated.pdf", strict, file_rules)
    assert [f.rule for f in scan.findings] == ["file.unreadable"]
    assert scan.status == "error"


def test_the_author_in_metadata_is_hidden_data(documents, strict, file_rules):
    scan = scan_file(documents["boxes.pdf"], "boxes.pdf", strict, file_rules)
    (author,) = [f for f in of_rule(scan, "content.hidden_data") if f.kind == "document_property"]
    assert author.masked == mask("Training team")
