"""UK postcodes in the real format (outward code, space, inward code).

Upper case only: in lower case the inward shape (digit, two letters) matches ordinary
words ("G12 3rd floor"). The inward letters never include C, I, K, M, O or V. Reported at
0.85 with the space, 0.55 without it (``EH11AA`` is also a shape of product codes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spcheck.content.detectors.batch import SegmentBatch
from spcheck.content.detectors.interface import Detection, Detector
from spcheck.content.detectors.sketches import Sketch, table
from spcheck.domain.findings import mask

# The outward code's first letter comes before the look-behind, which looks past it, so
# that the engine skips ahead to the letters a postcode can start with.
_CANDIDATE = re.compile(
    r"[A-PR-UWYZ](?<![A-Za-z0-9].)"
    r"(?:"
    r"(?<=G)IR(?P<gsep> ?)0AA"
    r"|(?:[0-9][0-9]?"
    r"|[A-HK-Y][0-9][0-9]?"
    r"|[0-9][A-HJKPSTUW]"
    r"|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"(?P<sep> ?)[0-9][ABD-HJLNP-UW-Z]{2}"
    r")"
    r"(?![A-Za-z0-9])"
)

# The inward code: a digit and two letters.
_TRIGGER = re.compile(r"[0-9][ABD-HJLNP-UW-Z]{2}")
# The same on a sketch where a digit is "0" and a letter an inward code may hold "U": a
# literal, which the engine finds far faster than a character class.
_INWARD = Sketch(table({"0123456789": "0", "ABDEFGHJLNPQRSTUWXYZ": "U"}))
_SKETCH_TRIGGER = re.compile(rb"0UU")


class PostcodeDetector(Detector):
    kind = "postcode"
    trigger = _TRIGGER

    def scan(self, batch: SegmentBatch) -> Iterator[tuple[int, Detection]]:
        kind, text, starts, ends = self.kind, batch.text, batch.starts, batch.ends
        for index in batch.sketch_hits(_SKETCH_TRIGGER, _INWARD):
            for match in _CANDIDATE.finditer(text, starts[index], ends[index]):
                spaced = bool(match.group("sep") or match.group("gsep"))
                start, end = match.span()
                confidence = 0.85 if spaced else 0.55
                masked = mask(match.group())
                yield index, batch.detection(kind, index, masked, confidence, start, end)
