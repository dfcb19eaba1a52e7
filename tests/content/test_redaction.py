"""The x-ray rule on hand-made pages: which boxes hide which characters."""

from __future__ import annotations

from spcheck.content.extract.marks import real_text
from spcheck.content.interface import Box, Extraction, PdfChar, PdfFill, PdfPage
from spcheck.content.redaction import covered_chars, redaction_findings
from spcheck.domain.catalogue import default_severity
from spcheck.domain.findings import mask

BLACK = (0.0, 0.0, 0.0)
WHITE = (1.0, 1.0, 1.0)


def _chars(text: str, *, order: int, colour=BLACK, x: float = 100.0, line: int = 1):
    return [
        PdfChar(ch, Box(x + 6 * i, 100.0, x + 6 * i + 6, 112.0), colour, order + i, line)
        for i, ch in enumerate(text)
    ]


def _page(chars, fills) -> PdfPage:
    return PdfPage(1, 600.0, 800.0, tuple(chars), tuple(fills))


BOX = Box(98.0, 98.0, 170.0, 114.0)


def test_a_dark_box_painted_after_the_text_hides_it():
    page = _page(_chars("0101011237", order=1), [PdfFill(BOX, BLACK, order=100)])
    assert "".join(c.text for c in covered_chars(page)) == "0101011237"


def test_a_box_painted_before_the_text_is_a_background():
    page = _page(_chars("Heading", order=10, colour=WHITE), [PdfFill(BOX, BLACK, order=1)])
    assert covered_chars(page) == []


def test_text_of_the_box_colour_on_the_box_is_hidden():
    page = _page(_chars("Secret", order=10, colour=BLACK), [PdfFill(BOX, BLACK, order=1)])
    assert len(covered_chars(page)) == len("Secret")


def test_a_box_that_covers_too_little_of_a_character_does_not_count():
    underline = Box(98.0, 111.0, 170.0, 113.0)
    page = _page(_chars("Underlined", order=1), [PdfFill(underline, BLACK, order=50)])
    assert covered_chars(page) == []


def test_a_page_sized_fill_is_not_a_box():
    page = _page(_chars("Body", order=1), [PdfFill(Box(0, 0, 600, 800), BLACK, order=50)])
    assert covered_chars(page) == []


def test_redaction_marks_under_a_box_are_not_findings():
    assert real_text(["XXXX", "[REDACTED]", "████", "***"]) == ""
    assert real_text(["XXXX", "Morag"]) == "Morag"


def test_findings_are_per_line_and_masked():
    chars = _chars("CHI 0101011237", order=1)
    page = _page(chars, [PdfFill(Box(122.0, 98.0, 186.0, 114.0), BLACK, order=100)])
    extraction = Extraction(type="pdf", pages=(page,))
    (finding,) = redaction_findings(extraction, "x.pdf", default_severity)
    assert finding.location == "page 1 line 1"
    assert finding.masked == mask("0101011237")
    assert "0101011237" not in finding.message
