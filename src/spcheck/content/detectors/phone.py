"""UK telephone numbers.

Only UK shapes: a trunk ``0`` or ``+44`` (with an optional ``(0)``), then a number whose
national form has the length its range uses: 01 ten or eleven digits, 02 and 03 eleven,
07 eleven, 08 ten or eleven. 00, 04, 05, 06 and 09 numbers are not a person's line.
Confidence: 0.85 written with spaces, hyphens, brackets or +44; 0.80 for a plain 07
mobile; 0.55 for another plain run (a date-valid plain run starting 0 is more likely a
CHI, which the CHI detector rates higher); 0.95 with a cue word (tel, phone, mobile);
0.40 (not reported) when labelled as another kind of number ("Invoice no.").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spcheck.content.detectors.batch import SegmentBatch
from spcheck.content.detectors.context import cue_near, label_before
from spcheck.content.detectors.cues import NOT_A_PHONE_LABEL, PHONE_CUE
from spcheck.content.detectors.interface import Detection, Detector
from spcheck.domain.findings import mask

# The first character (+, ( or the trunk 0) comes before the look-behinds, which look past
# it, so that the engine skips ahead to those characters.
_CANDIDATE = re.compile(
    r"[+(0](?<![0-9A-Za-z+].)(?<![0-9][.,].)"
    r"(?:(?<=\+)44[ -]?(?:\(0\)[ -]?)?|(?<=\()0|(?<=0))"
    r"[0-9]{1,4}\)?"
    r"(?:[ -]?[0-9]{2,4}){1,3}"
    r"(?![0-9])(?![.,/][0-9])"
)
# Ten digits or more in at most four groups: after the trunk 0 (no digit before it) and the
# area code come at least two more groups (a superset of the candidate pattern). Searched as
# two patterns, each starting with a literal, which the engine finds far faster than either
# of two characters.
_INTERNATIONAL = re.compile(r"\+44")
_TRUNK = re.compile(r"0(?<![0-9]0)[0-9]{1,4}\)?[ -]?[0-9]{2,4}[ -]?[0-9]{2}")
_TRIGGER = re.compile(f"{_INTERNATIONAL.pattern}|{_TRUNK.pattern}")
_NON_DIGIT = re.compile(r"[^0-9]")
_LENGTHS = {"1": (10, 11), "2": (11,), "3": (11,), "7": (11,), "8": (10, 11)}


def national_form(raw: str) -> str | None:
    """The number as dialled inside the UK, or ``None`` when it is not a UK shape."""
    digits = _NON_DIGIT.sub("", raw)
    if raw.startswith("+44"):
        rest = digits[2:]
        digits = rest if rest.startswith("0") else "0" + rest
    if len(digits) < 10 or digits[0] != "0":
        return None
    lengths = _LENGTHS.get(digits[1])
    if lengths is None or len(digits) not in lengths:
        return None
    return digits


class PhoneDetector(Detector):
    kind = "phone"
    trigger = _TRIGGER

    def scan(self, batch: SegmentBatch) -> Iterator[tuple[int, Detection]]:
        kind, text, starts, ends = self.kind, batch.text, batch.starts, batch.ends
        trunk, international = batch.hits(_TRUNK), batch.hits(_INTERNATIONAL)
        for index in sorted({*trunk, *international}) if international else trunk:
            for match in _CANDIDATE.finditer(text, starts[index], ends[index]):
                raw = match.group()
                national = national_form(raw)
                if national is None:
                    continue
                start, end = match.span()
                if cue_near(PHONE_CUE, batch, index, start, end, before=32, after=8):
                    confidence = 0.95
                elif label_before(NOT_A_PHONE_LABEL, batch, index, start):
                    confidence = 0.40
                elif not raw.isdigit():
                    confidence = 0.85
                elif national.startswith("07"):
                    confidence = 0.80
                else:
                    confidence = 0.55
                yield index, batch.detection(kind, index, mask(national), confidence, start, end)
