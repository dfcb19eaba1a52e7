"""Scottish Candidate Numbers (the pupil number used to track children through school).

Nine digits with a mod-11 check digit: one random 9-digit number in eleven passes, so a
bare number is not reported (0.35). Reported: with a cue word nearby (SCN, Scottish
Candidate Number, pupil/learner number) 0.90; inside an email address's local part, where
councils put them (``123456782@school.example``), 0.90.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spcheck.content.detectors.batch import SegmentBatch
from spcheck.content.detectors.checksums import scn_valid
from spcheck.content.detectors.context import cue_near
from spcheck.content.detectors.cues import NINE_DIGITS, NUMBERS, SCN_CUE
from spcheck.content.detectors.email import AT, EMAIL
from spcheck.content.detectors.interface import Detection, Detector
from spcheck.domain.findings import mask

_TRIGGER = re.compile(r"[0-9]{9}")


class ScnDetector(Detector):
    kind = "scn"
    trigger = _TRIGGER

    def scan(self, batch: SegmentBatch) -> Iterator[tuple[int, Detection]]:
        kind, text = self.kind, batch.text
        in_email: set[int] = set()
        for index in batch.hits(AT):
            for email in EMAIL.finditer(text, batch.starts[index], batch.ends[index]):
                local_start, local_end = email.span("local")
                for match in NINE_DIGITS.finditer(text, local_start, local_end):
                    if scn_valid(match.group()):
                        start, end = match.span()
                        in_email.add(start)
                        masked = mask(match.group())
                        yield index, batch.detection(kind, index, masked, 0.90, start, end)
        for number in batch.sketch_matches(NUMBERS):
            if number.start("nine") < 0:
                continue
            start, end = number.span()
            digits = text[start:end]
            if start in in_email or not scn_valid(digits):
                continue
            index = batch.locate(start)
            confidence = 0.90 if cue_near(SCN_CUE, batch, index, start, end) else 0.35
            yield index, batch.detection(kind, index, mask(digits), confidence, start, end)
