"""Failed redactions (``content.bad_redaction``).

PDF, after Free Law Project's x-ray (re-implemented on pdfplumber's layout, without
PyMuPDF): a filled box over characters that can still be extracted. A character counts
as hidden when an opaque box painted after it covers most of it (black, or white to
match the page: either way the text is still there), or when it is painted on a box of
its own colour. A see-through box (fill opacity below 0.9, or a blend mode that lets
the text show) painted over text is a highlight, not a redaction. Redaction marks
under a box (XXXX, ████, "[REDACTED]") are what a proper redaction leaves, so they are
not findings.

Word: text whose highlight, shading or colour makes it look redacted (recorded by the
extractor as ``FakeRedaction``).

Scans: a box burned into the pixels hides what is under it, and OCR reads nothing there.
An identifier OCR still reads where a box is drawn (a grey box, a box over half the
characters' height, a box a little off the line) is a failed redaction.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from spcheck.content.detectors.interface import Detection
from spcheck.content.extract import colours
from spcheck.content.extract.marks import real_text
from spcheck.content.interface import Box, Extraction, PdfChar, PdfFill, PdfPage
from spcheck.domain.findings import Finding, Severity, mask

RULE = "content.bad_redaction"
_COVERED_SHARE = 0.5  # of a character's box under the fill
_MAX_PAGE_SHARE = 0.8  # a fill this large is a page background, not a box
_SAME_COLOUR = 1.25  # WCAG contrast below which text cannot be told from its box
_MAX_CHAR_HEIGHT = 200.0
_OPAQUE = 0.9  # fill opacity from which text under a box cannot be read
_COVERING_BLENDS = frozenset({"Normal", "Compatible"})
_DARKENING_BLENDS = frozenset({"Multiply", "Darken"})  # hide text only when the box is dark
_WORD_GAP = 1.5


def _box_fills(page: PdfPage) -> list[PdfFill]:
    page_area = page.width * page.height
    return [
        fill
        for fill in page.fills
        if fill.colour is not None and fill.box.area < _MAX_PAGE_SHARE * page_area
    ]


def _hides_what_is_under(fill: PdfFill) -> bool:
    assert fill.colour is not None
    if fill.alpha < _OPAQUE:
        return False
    if fill.blend in _COVERING_BLENDS:
        return True
    return fill.blend in _DARKENING_BLENDS and colours.is_dark(fill.colour)


def _hidden_by(char: PdfChar, fill: PdfFill) -> bool:
    if char.box.overlap(fill.box) < _COVERED_SHARE * char.box.area:
        return False
    assert fill.colour is not None
    if fill.order > char.order and _hides_what_is_under(fill):
        return True
    return char.colour is not None and colours.contrast(char.colour, fill.colour) < _SAME_COLOUR


def covered_chars(page: PdfPage) -> list[PdfChar]:
    """Characters a box hides but extraction still returns."""
    fills = _box_fills(page)
    if not fills:
        return []
    chars = sorted(
        (c for c in page.chars if c.box.area > 0 and not c.text.isspace()),
        key=lambda c: c.box.top,
    )
    tops = [c.box.top for c in chars]
    hidden: dict[int, PdfChar] = {}
    for fill in fills:
        low = bisect.bisect_left(tops, fill.box.top - _MAX_CHAR_HEIGHT)
        high = bisect.bisect_right(tops, fill.box.bottom)
        for char in chars[low:high]:
            if id(char) not in hidden and _hidden_by(char, fill):
                hidden[id(char)] = char
    return list(hidden.values())


def _words(chars: list[PdfChar]) -> list[str]:
    chars = sorted(chars, key=lambda c: c.box.x0)
    words: list[str] = []
    previous: PdfChar | None = None
    for char in chars:
        if previous is None or char.box.x0 - previous.box.x1 > _WORD_GAP:
            words.append("")
        words[-1] += char.text
        previous = char
    return words


def _pdf_findings(page: PdfPage, path: str, level: Severity) -> list[Finding]:
    by_line: dict[int, list[PdfChar]] = {}
    for char in covered_chars(page):
        by_line.setdefault(char.line, []).append(char)
    findings = []
    for line in sorted(by_line):
        text = real_text(_words(by_line[line]))
        if not text:
            continue
        letters = len(text.replace(" ", ""))
        findings.append(
            Finding(
                RULE,
                level,
                f"{letters} characters under a drawn box can still be selected and copied",
                path=path,
                location=f"{page.label} line {line}",
                masked=mask(text),
            )
        )
    return findings


def redaction_findings(
    extraction: Extraction, path: str, severity: Callable[[str], Severity]
) -> list[Finding]:
    level = severity(RULE)
    findings = [
        Finding(
            RULE,
            level,
            f"text formatted to look redacted ({fake.reason}) is still in the document",
            path=path,
            location=fake.location,
            masked=fake.masked,
        )
        for fake in extraction.fake_redactions
    ]
    for page in extraction.pages:
        findings.extend(_pdf_findings(page, path, level))
    return findings


# An identifier read under a box: the box covers this share of the identifier's box, and
# is at most this many times as tall (a redaction bar is about a line high; a shaded panel
# or a photo behind text is not a box over it).
_SCAN_COVERED = 0.3
_SCAN_MAX_HEIGHTS = 4.0


def _under(box: Box, fill: Box) -> bool:
    height = max(1e-6, box.bottom - box.top)
    return (
        box.overlap(fill) >= _SCAN_COVERED * box.area
        and fill.bottom - fill.top <= _SCAN_MAX_HEIGHTS * height
    )


def scan_redaction_findings(
    extraction: Extraction,
    detections: list[tuple[Detection, str]],
    path: str,
    severity: Callable[[str], Severity],
) -> list[Finding]:
    """Identifiers read from a picture under a box drawn on it (``detections`` with their
    located names)."""
    findings = []
    for detection, location in detections:
        line = extraction.picture_lines.get(detection.location)
        if line is None:
            continue
        box = line.box(detection.start, detection.end)
        if any(_under(box, fill) for fill in extraction.picture_fills.get(line.picture, ())):
            findings.append(
                Finding(
                    RULE,
                    severity(RULE),
                    "an identifier can still be read under a box drawn over it on the "
                    "scanned page (a grey or partial box)",
                    path=path,
                    kind=detection.kind,
                    location=location,
                    masked=detection.masked,
                )
            )
    return findings
