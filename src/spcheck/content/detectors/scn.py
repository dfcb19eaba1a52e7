"""Scottish Candidate Numbers (the pupil number used to track children through school).

Nine digits with a mod-11 check digit: one random 9-digit number in eleven passes, so a
bare number is not reported (0.35). Reported: with a cue word nearby (SCN, Scottish
Candidate Number, pupil/learner number) 0.90; inside an email address's local part, where
councils put them (``123456782@school.example``), 0.90.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spcheck.content.detectors.checksums import scn_valid
from spcheck.content.detectors.context import cue_near
from spcheck.content.detectors.cues import NINE_DIGITS, SCN_CUE
from spcheck.content.detectors.email import EMAIL
from spcheck.content.detectors.interface import Detection, Detector, SegmentContext, TextSegment
from spcheck.domain.findings import mask

_TRIGGER = re.compile(r"[0-9]{9}")


class ScnDetector(Detector):
    kind = "scn"
    trigger = _TRIGGER

    def detect(self, segment: TextSegment, context: SegmentContext) -> Iterator[Detection]:
        text = segment.text
        in_email: set[int] = set()
        if "@" in text:
            for email in EMAIL.finditer(text):
                local_start, local_end = email.span("local")
                for match in NINE_DIGITS.finditer(text, local_start, local_end):
                    if scn_valid(match.group()):
                        in_email.add(match.start())
                        yield Detection(
                            self.kind,
                            segment.location,
                            mask(match.group()),
                            0.90,
                            match.start(),
                            match.end(),
                        )
        for match in NINE_DIGITS.finditer(text):
            if match.start() in in_email or not scn_valid(match.group()):
                continue
            start, end = match.span()
            confidence = 0.90 if cue_near(SCN_CUE, text, start, end, context) else 0.35
            yield Detection(
                self.kind, segment.location, mask(match.group()), confidence, start, end
            )
