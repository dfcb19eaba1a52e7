"""CHI numbers (Scotland's Community Health Index).

Reporting (see ``REPORT_THRESHOLD`` in the registry, 0.5):
- ten digits (plain, ``DDMMYY NNNN`` or 3-3-4 spaced), a real date and a valid check digit:
  0.75, or 0.97 with a cue word (CHI, Community Health Index, NHS, patient) nearby;
  0.40 (not reported) when labelled as something else ("Invoice no.", "Tel") without a cue;
- nine digits (Excel dropped the leading zero) that pass both tests once left-padded:
  0.60 in a numeric spreadsheet cell, 0.90 there with a cue, 0.85 in text with a cue,
  0.30 (not reported) in text without one: about one 9-digit number in 150 passes by chance.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spcheck.content.detectors.checksums import chi_valid
from spcheck.content.detectors.context import cue_near, label_before
from spcheck.content.detectors.cues import CHI_CUE, NINE_DIGITS, NOT_A_PERSON_LABEL, SIX_DIGITS
from spcheck.content.detectors.interface import Detection, Detector, SegmentContext, TextSegment
from spcheck.domain.findings import mask

# Never part of a longer digit run or a decimal; the spaced forms not part of a longer
# spaced run either ("123 456 789 0123" is not a CHI).
# The look-behinds sit after the first digit so the pattern starts with a character class
# (the engine then skips to the next digit instead of trying every position).
_TEN = re.compile(
    r"[0-9](?<![0-9][0-9])(?<![0-9][.,][0-9])"
    r"(?:"
    r"(?P<plain>[0-9]{9})"
    r"|(?<![0-9][ -][0-9])(?P<dated>[0-9]{5}[ -][0-9]{4})(?![ -][0-9])"
    r"|(?<![0-9][ -][0-9])(?P<spaced>[0-9]{2}([ -])[0-9]{3}\4[0-9]{4})(?![ -][0-9])"
    r")"
    r"(?![0-9])(?![.,][0-9])"
)
_NUMERIC_CELL = re.compile(r"\s*([0-9]{9})(?:\.0*)?\s*")


class ChiDetector(Detector):
    kind = "chi"
    trigger = SIX_DIGITS

    def detect(self, segment: TextSegment, context: SegmentContext) -> Iterator[Detection]:
        text = segment.text
        for match in _TEN.finditer(text):
            raw = match.group()
            digits = raw.replace(" ", "").replace("-", "")
            if not chi_valid(digits):
                continue
            start, end = match.span()
            if cue_near(CHI_CUE, text, start, end, context):
                confidence = 0.97
            elif label_before(NOT_A_PERSON_LABEL, text, start):
                confidence = 0.40
            else:
                confidence = 0.70 if match.group("spaced") else 0.75
            yield Detection(self.kind, segment.location, mask(digits), confidence, start, end)

        cell = _NUMERIC_CELL.fullmatch(text) if segment.numeric_cell else None
        if cell is not None:
            padded = "0" + cell.group(1)
            if chi_valid(padded):
                cued = bool(context.header) and CHI_CUE.search(context.header) is not None
                start, end = cell.span(1)
                confidence = 0.90 if cued else 0.60
                yield Detection(self.kind, segment.location, mask(padded), confidence, start, end)
            return

        for match in NINE_DIGITS.finditer(text):
            padded = "0" + match.group()
            if not chi_valid(padded):
                continue
            start, end = match.span()
            confidence = 0.85 if cue_near(CHI_CUE, text, start, end, context) else 0.30
            yield Detection(self.kind, segment.location, mask(padded), confidence, start, end)
