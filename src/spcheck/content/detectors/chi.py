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

from spcheck.content.detectors.batch import SegmentBatch
from spcheck.content.detectors.checksums import chi_valid
from spcheck.content.detectors.context import cue_near, header_has_cue, label_before
from spcheck.content.detectors.cues import CHI_CUE, NOT_A_PERSON_LABEL, NUMBERS, SIX_DIGITS
from spcheck.content.detectors.interface import Detection, Detector
from spcheck.domain.findings import mask

_NUMERIC_CELL = re.compile(r"\s*([0-9]{9})(?:\.0*)?\s*")


class ChiDetector(Detector):
    kind = "chi"
    trigger = SIX_DIGITS

    def scan(self, batch: SegmentBatch) -> Iterator[tuple[int, Detection]]:
        kind, segments = self.kind, batch.segments
        # A numeric cell's nine digits are read as the whole cell, never as a run in text.
        cells: set[int] = set()
        for index in batch.numeric_cells():
            segment = segments[index]
            cell = _NUMERIC_CELL.fullmatch(segment.text)
            if cell is None:
                continue
            cells.add(index)
            padded = "0" + cell.group(1)
            if chi_valid(padded):
                cued = header_has_cue(CHI_CUE, batch.header(index))
                start, end = cell.span(1)
                confidence = 0.90 if cued else 0.60
                yield index, Detection(kind, segment.location, mask(padded), confidence, start, end)

        text = batch.text
        for match in batch.sketch_matches(NUMBERS):
            start, end = match.span()
            if match.start("nine") >= 0:
                index = batch.locate(start)
                digits = "0" + text[start:end]
                if index in cells or not chi_valid(digits):
                    continue
                confidence = 0.85 if cue_near(CHI_CUE, batch, index, start, end) else 0.30
            else:
                digits = text[start:end].replace(" ", "").replace("-", "")
                if not chi_valid(digits):
                    continue
                index = batch.locate(start)
                if cue_near(CHI_CUE, batch, index, start, end):
                    confidence = 0.97
                elif label_before(NOT_A_PERSON_LABEL, batch, index, start):
                    confidence = 0.40
                else:
                    confidence = 0.70 if match.start("spaced") >= 0 else 0.75
            yield index, batch.detection(kind, index, mask(digits), confidence, start, end)
