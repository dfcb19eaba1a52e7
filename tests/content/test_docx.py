"""Word documents from their raw parts: deletions, comments, headers, hidden text, fake
redaction, word count."""

from __future__ import annotations

import io

from docx import Document

from spcheck.content.extract import extract
from spcheck.content.pipeline import scan_file
from spcheck.content.words import count_words
from spcheck.domain.findings import mask
from spcheck.domain.policy import ContentRules
from tests.content import builders
from tests.content.builders import (
    CHI_COMMENT,
    CHI_DELETED,
    CHI_HEADER,
    CHI_HIDDEN,
    CHI_HIGHLIGHT,
    EMAIL,
    NAME,
)
from tests.content.helpers import hidden_kinds, identifiers, of_rule


def test_a_tracked_deletion_is_read_although_python_docx_drops_it(documents):
    data = documents["planted.docx"]
    paragraphs = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert CHI_DELETED not in paragraphs

    extraction = extract(data, "planted.docx")
    deleted = [s for s in extraction.segments if CHI_DELETED in s.text]
    assert len(deleted) == 1
    assert deleted[0].location.startswith("word/document.xml line ")
    assert deleted[0].location.endswith(" (tracked deletion)")
    # The insertion beside it is visible text of the same line.
    line = deleted[0].location.removesuffix(" (tracked deletion)")
    visible = next(s for s in extraction.segments if s.location == line)
    assert "[case reference GM-0042]" in visible.text
    assert CHI_DELETED not in visible.text


def test_comment_header_and_hidden_text_are_read_where_they_are(documents):
    extraction = extract(documents["planted.docx"], "planted.docx")
    where = {s.location: s.text for s in extraction.segments}
    assert any(CHI_COMMENT in t for loc, t in where.items() if loc.startswith("word/comments.xml"))
    assert any(CHI_HEADER in t for loc, t in where.items() if loc.startswith("word/header"))
    hidden = [loc for loc, t in where.items() if CHI_HIDDEN in t]
    assert len(hidden) == 1
    assert hidden[0].endswith("(hidden text)")


def test_every_planted_identifier_is_reported_masked_with_its_place(documents, strict, file_rules):
    scan = scan_file(documents["planted.docx"], "planted.docx", strict, file_rules)
    found = identifiers(scan)
    assert found[mask(CHI_DELETED)].endswith("(tracked deletion)")
    assert found[mask(CHI_HIDDEN)].endswith("(hidden text)")
    assert found[mask(CHI_COMMENT)].startswith("word/comments.xml")
    assert found[mask(CHI_HEADER)].startswith("word/header")
    assert scan.status == "fail"


def test_hidden_data_kinds_of_the_planted_document(documents, strict, file_rules):
    scan = scan_file(documents["planted.docx"], "planted.docx", strict, file_rules)
    assert {"tracked_change", "comment", "hidden_text", "document_property"} <= hidden_kinds(scan)
    author = next(f for f in of_rule(scan, "content.hidden_data") if f.kind == "document_property")
    assert author.masked == mask(NAME)
    assert NAME not in author.message


def test_hidden_text_through_a_character_style(documents, strict, file_rules):
    scan = scan_file(documents["styled-hidden.docx"], "styled-hidden.docx", strict, file_rules)
    assert "hidden_text" in hidden_kinds(scan)
    assert identifiers(scan)[mask(EMAIL)].endswith("(hidden text)")


def test_allowed_hidden_data_and_identifiers_give_no_such_findings(documents, file_rules):
    relaxed = ContentRules(identifiers="allow", hidden_data="allow")
    scan = scan_file(documents["planted.docx"], "planted.docx", relaxed, file_rules)
    assert scan.findings == ()
    assert scan.status == "pass"


def test_word_count_is_the_visible_body_only(documents, strict, file_rules):
    scan = scan_file(documents["planted.docx"], "planted.docx", strict, file_rules)
    visible = [
        "Assessment and plan (training copy).",
        "The family were seen at home.",
        "Visible text.",
        "Child record [case reference GM-0042]",
    ]
    assert scan.words == count_words("\n".join(visible))


def test_word_limit(file_rules):
    data = builders.docx_clean(["one two three four five", "six seven eight nine ten eleven"])
    over = scan_file(data, "statement.docx", ContentRules(word_limit=10), file_rules)
    (finding,) = of_rule(over, "content.word_limit")
    assert finding.severity.value == "warning"
    assert "11 words" in finding.message
    assert over.status == "pass"
    within = scan_file(data, "statement.docx", ContentRules(word_limit=11), file_rules)
    assert of_rule(within, "content.word_limit") == []


def test_black_highlight_over_real_text_is_a_bad_redaction(documents, strict, file_rules):
    scan = scan_file(documents["fake-redaction.docx"], "fake.docx", strict, file_rules)
    bad = of_rule(scan, "content.bad_redaction")
    assert sorted(f.masked or "" for f in bad) == sorted([mask(NAME), mask(CHI_HIGHLIGHT)])
    assert all("black highlight" in f.message for f in bad)
    # XXXX under a highlight is a redaction mark; white text on black is meant to be read.
    assert {f.location for f in bad} == {"word/document.xml line 1", "word/document.xml line 2"}


def test_fake_redaction_is_not_checked_when_the_folder_does_not_ask(documents, file_rules):
    rules = ContentRules(identifiers="forbid", redaction="none")
    scan = scan_file(documents["fake-redaction.docx"], "fake.docx", rules, file_rules)
    assert of_rule(scan, "content.bad_redaction") == []


def test_text_coloured_like_the_page_is_a_bad_redaction(strict, file_rules):
    from docx.shared import RGBColor

    document = Document()
    paragraph = document.add_paragraph("Address: ")
    run = paragraph.add_run("4 Glen Road")
    run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    buffer = io.BytesIO()
    document.save(buffer)
    scan = scan_file(buffer.getvalue(), "white.docx", strict, file_rules)
    (bad,) = of_rule(scan, "content.bad_redaction")
    assert "coloured like its background" in bad.message
