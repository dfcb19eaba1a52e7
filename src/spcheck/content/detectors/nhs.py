"""NHS numbers (England, Wales, Isle of Man).

Ten digits in an issued range (first digit 4, 6 or 7) with a valid mod-11 check digit;
9xx test numbers and CHI's 0-3 range are not NHS numbers. Confidence: 0.80 in the usual
3-3-4 spacing, 0.60 as a plain run (about one random run in 37 passes the check), 0.97
with "NHS" or "patient" nearby, 0.40 (not reported) when labelled as something else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spcheck.content.detectors.checksums import nhs_valid
from spcheck.content.detectors.context import cue_near, label_before
from spcheck.content.detectors.cues import NHS_CUE, NOT_A_PERSON_LABEL
from spcheck.content.detectors.interface import Detection, Detector, SegmentContext, TextSegment
from spcheck.domain.findings import mask

_CANDIDATE = re.compile(
    r"[467](?<![0-9][467])(?<![0-9][.,][467])"
    r"(?:"
    r"(?P<plain>[0-9]{9})"
    r"|(?<![0-9][ -][467])(?P<spaced>[0-9]{2}([ -])[0-9]{3}\3[0-9]{4})(?![ -][0-9])"
    r")"
    r"(?![0-9])(?![.,][0-9])"
)
_TRIGGER = re.compile(r"[467][0-9]{2}[ -]?[0-9]{3}")


class NhsNumberDetector(Detector):
    kind = "nhs_number"
    trigger = _TRIGGER

    def detect(self, segment: TextSegment, context: SegmentContext) -> Iterator[Detection]:
        text = segment.text
        for match in _CANDIDATE.finditer(text):
            digits = match.group().replace(" ", "").replace("-", "")
            if not nhs_valid(digits):
                continue
            start, end = match.span()
            if cue_near(NHS_CUE, text, start, end, context):
                confidence = 0.97
            elif label_before(NOT_A_PERSON_LABEL, text, start):
                confidence = 0.40
            else:
                confidence = 0.80 if match.group("spaced") else 0.60
            yield Detection(self.kind, segment.location, mask(digits), confidence, start, end)
