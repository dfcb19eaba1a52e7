"""National Insurance numbers.

Two letters, six digits, a suffix A-D, no check character, so the prefix rules carry the
precision: D, F, I, Q, U and V never first or second, O never second, BG, GB, KN, NK,
NT, TN and ZZ unused. Spaced (``AB 12 34 56 C``, ``AB 123456 C``) or plain, upper or
lower case but not mixed. Reported at 0.90.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spcheck.content.detectors.batch import SegmentBatch
from spcheck.content.detectors.interface import Detection, Detector
from spcheck.domain.findings import mask

_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?P<prefix>[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])"
    r"[ -]?[0-9]{2}[ -]?[0-9]{2}[ -]?[0-9]{2}[ -]?"
    r"(?P<suffix>[A-D])"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)

# The six digits, each pair with or without a separator before it, and the suffix letter.
_TRIGGER = re.compile(r"[0-9]{2}[ -]?[0-9]{2}[ -]?[0-9]{2}[ -]?[A-Da-d]")
# The same on the digit-runs sketch (see sketches.py), where the engine tries it once a run
# of digits: the digits start a run (letters come before them), and a digit after a
# separator starts a run too. No letter folds onto A-D when matching ignores case.
_SKETCH_TRIGGER = re.compile(rb"S0(?:[ -]S|0)0(?:[ -]S|0)0[ -]?a")
_UNUSED_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


class NinoDetector(Detector):
    kind = "nino"
    trigger = _TRIGGER

    def scan(self, batch: SegmentBatch) -> Iterator[tuple[int, Detection]]:
        kind, text, starts, ends = self.kind, batch.text, batch.starts, batch.ends
        for index in batch.sketch_hits(_SKETCH_TRIGGER):
            for match in _CANDIDATE.finditer(text, starts[index], ends[index]):
                prefix = match.group("prefix")
                letters = prefix + match.group("suffix")
                if not (letters.isupper() or letters.islower()):
                    continue
                if prefix.upper() in _UNUSED_PREFIXES:
                    continue
                value = match.group().replace(" ", "").replace("-", "")
                start, end = match.span()
                yield index, batch.detection(kind, index, mask(value), 0.90, start, end)
