"""National Insurance numbers.

Two letters, six digits, a suffix A-D, no check character, so the prefix rules carry the
precision: D, F, I, Q, U and V never first or second, O never second, BG, GB, KN, NK,
NT, TN and ZZ unused. Spaced (``AB 12 34 56 C``, ``AB 123456 C``) or plain, upper or
lower case but not mixed. Reported at 0.90.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spcheck.content.detectors.interface import Detection, Detector, SegmentContext, TextSegment
from spcheck.domain.findings import mask

_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?P<prefix>[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])"
    r"[ -]?[0-9]{2}[ -]?[0-9]{2}[ -]?[0-9]{2}[ -]?"
    r"(?P<suffix>[A-D])"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_TRIGGER = re.compile(r"[0-9]{2}[ -]?[0-9]{2}[ -]?[0-9]{2}")
_TRIGGER = re.compile(r"[0-9]{2}[ -]?[0-9]{2}[ -]?[0-9]{2}")
_UNUSED_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


class NinoDetector(Detector):
    kind = "nino"
    trigger = _TRIGGER

    def detect(self, segment: TextSegment, context: SegmentContext) -> Iterator[Detection]:
        text = segment.text
        for match in _CANDIDATE.finditer(text):
            letters = match.group("prefix") + match.group("suffix")
            if not (letters.isupper() or letters.islower()):
                continue
            if match.group("prefix").upper() in _UNUSED_PREFIXES:
                continue
            value = match.group().replace(" ", "").replace("-", "")
            start, end = match.span()
            yield Detection(self.kind, segment.location, mask(value), 0.90, start, end)
