"""NHS numbers (England, Wales, Isle of Man) and Northern Ireland's Health and Care numbers.

Ten digits with a valid mod-11 check digit. Confidence: 0.97 with "NHS" or "patient"
nearby, whatever the range (a labelled number is an NHS number, test numbers included);
otherwise 0.40 (not reported) when labelled as something else ("Invoice no.") or outside
the issued ranges (checksums.nhs_issued), and in them 0.80 in the usual 3-3-4 spacing or
0.60 as a plain run (about one random run in 37 passes the check).
"""

from __future__ import annotations

from collections.abc import Iterator

from spcheck.content.detectors.batch import SegmentBatch
from spcheck.content.detectors.checksums import nhs_issued, nhs_valid
from spcheck.content.detectors.context import cue_near, label_before
from spcheck.content.detectors.cues import NHS_CUE, NOT_A_PERSON_LABEL, NUMBERS, SIX_DIGITS
from spcheck.content.detectors.interface import Detection, Detector
from spcheck.domain.findings import mask


class NhsNumberDetector(Detector):
    kind = "nhs_number"
    # Every candidate holds this; the scan itself reads the shared number shapes.
    trigger = SIX_DIGITS

    def scan(self, batch: SegmentBatch) -> Iterator[tuple[int, Detection]]:
        kind = self.kind
        # Plain and 3-3-4 spaced ten-digit numbers: those of the shared number shapes
        # (cues.NUMBERS) that are neither dated (DDMMYY NNNN, a CHI) nor nine digits long.
        text = batch.text
        for match in batch.sketch_matches(NUMBERS):
            start, end = match.span()
            if match.start("dated") >= 0 or match.start("nine") >= 0:
                continue
            digits = text[start:end].replace(" ", "").replace("-", "")
            if not nhs_valid(digits):
                continue
            index = batch.locate(start)
            if cue_near(NHS_CUE, batch, index, start, end):
                confidence = 0.97
            elif label_before(NOT_A_PERSON_LABEL, batch, index, start) or not nhs_issued(digits):
                confidence = 0.40
            else:
                confidence = 0.80 if match.start("spaced") >= 0 else 0.60
            yield index, batch.detection(kind, index, mask(digits), confidence, start, end)
