"""UK postcodes in the real format (outward code, space, inward code).

Upper case only: in lower case the inward shape (digit, two letters) matches ordinary
words ("G12 3rd floor"). The inward letters never include C, I, K, M, O or V. Reported at
0.85 with the space, 0.55 without it (``EH11AA`` is also a shape of product codes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spcheck.content.detectors.interface import Detection, Detector, SegmentContext, TextSegment
from spcheck.domain.findings import mask

_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?:"
    r"GIR(?P<gsep> ?)0AA"
    r"|(?:[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"(?P<sep> ?)[0-9][ABD-HJLNP-UW-Z]{2}"
    r")"
    r"(?![A-Za-z0-9])"
)

_TRIGGER = re.compile(r"[0-9][ABD-HJLNP-UW-Z]{2}")


class PostcodeDetector(Detector):
    kind = "postcode"
    trigger = _TRIGGER

    def detect(self, segment: TextSegment, context: SegmentContext) -> Iterator[Detection]:
        text = segment.text
        for match in _CANDIDATE.finditer(text):
            spaced = bool(match.group("sep") or match.group("gsep"))
            start, end = match.span()
            yield Detection(
                self.kind,
                segment.location,
                mask(match.group()),
                0.85 if spaced else 0.55,
                start,
                end,
            )
