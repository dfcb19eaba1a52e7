"""Presentations: speaker notes and hidden slides."""

from __future__ import annotations

from spcheck.content.pipeline import scan_file
from spcheck.content.words import count_words
from spcheck.domain.findings import mask
from tests.content.builders import CHI_SLIDE_NOTES
from tests.content.helpers import identifiers, of_rule


def test_slide_notes_are_read_and_hidden_slides_reported(documents, strict, file_rules):
    scan = scan_file(documents["planted.pptx"], "deck.pptx", strict, file_rules)
    assert scan.type == "pptx"
    assert identifiers(scan)[mask(CHI_SLIDE_NOTES)] == "slide 1 notes line 1"
    (hidden,) = of_rule(scan, "content.hidden_data")
    assert (hidden.kind, hidden.location) == ("hidden_text", "slide 2")
    # The hidden slide's words are not part of what a reader sees.
    assert scan.words == count_words("Training: reading a record Case GM-0042")
