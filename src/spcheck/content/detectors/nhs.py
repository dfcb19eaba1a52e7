"""NHS numbers (England, Wales, Isle of Man).

Ten digits in an issued range (first digit 4, 6 or 7) with a valid mod-11 check digit;
9xx test numbers and CHI's 0-3 range are not NHS numbers. Confidence: 0.80 in the usual
3-3-4 spacing, 0.60 as a plain run (about one random run in 37 passes the check), 0.97
with "NHS" or "patient" nearby, 0.40 (not reported) when labelled as something else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spcheck.content.detectors.batch import SegmentBatch
from spcheck.content.detectors.checksums import nhs_valid
from spcheck.content.detectors.context import cue_near, label_before
from spcheck.content.detectors.cues import NHS_CUE, NOT_A_PERSON_LABEL, NUMBERS
from spcheck.content.detectors.interface import Detection, Detector
from spcheck.domain.findings import mask

# Every candidate holds this; the scan itself reads the shared number shapes.
_TRIGGER = re.compile(r"[467][0-9]{2}[ -]?[0-9]{3}")
_ISSUED = "467"


class NhsNumberDetector(Detector):
    kind = "nhs_number"
    trigger = _TRIGGER

    def scan(self, batch: SegmentBatch) -> Iterator[tuple[int, Detection]]:
        kind = self.kind
        # Plain and 3-3-4 spaced ten-digit numbers in the issued ranges: those of the shared
        # number shapes (cues.NUMBERS) that start with 4, 6 or 7.
        text = batch.text
        for match in batch.sketch_matches(NUMBERS):
            start, end = match.span()
            if text[start] not in _ISSUED or match.start("dated") >= 0 or match.start("nine") >= 0:
                continue
            digits = text[start:end].replace(" ", "").replace("-", "")
            if not nhs_valid(digits):
                continue
            index = batch.locate(start)
            if cue_near(NHS_CUE, batch, index, start, end):
                confidence = 0.97
            elif label_before(NOT_A_PERSON_LABEL, batch, index, start):
                confidence = 0.40
            else:
                confidence = 0.80 if match.start("spaced") >= 0 else 0.60
            yield index, batch.detection(kind, index, mask(digits), confidence, start, end)
