"""Dates of birth: a real, past date near a cue word (DOB, born, date of birth, birthday).

Only near a cue: dates on their own are meeting dates and deadlines. The cue may sit up to
40 characters before the date or just after it ("12/03/2015 (DOB)") with no other date in
between, or in the segment's context (a table's "Date of birth" cell or a line ending with the
cue, a column headed "DOB"), which names the segment's first date. Reported at 0.90.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from spcheck.content.detectors.batch import SegmentBatch
from spcheck.content.detectors.context import ends_with_cue, header_has_cue
from spcheck.content.detectors.cues import DOB_CUE, gate_of
from spcheck.content.detectors.interface import Detection, Detector
from spcheck.domain.findings import mask

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# The look-ahead only spares the engine the four shapes where no date can start: every date
# starts with a digit or a month's first letter.
_DATE = re.compile(
    r"(?=[0-9jfmasond])(?<![0-9])(?:"
    r"(?P<d1>[0-3]?[0-9])(?P<s>[./-])(?P<m1>[01]?[0-9])(?P=s)(?P<y1>(?:19|20)?[0-9]{2})"
    r"|(?P<y2>(?:19|20)[0-9]{2})-(?P<m2>[01][0-9])-(?P<d2>[0-3][0-9])"
    rf"|(?P<d3>[0-3]?[0-9])(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m3>{_MONTHS})\.?,?\s+"
    r"(?P<y3>(?:19|20)[0-9]{2})"
    rf"|(?P<m4>{_MONTHS})\.?\s+(?P<d4>[0-3]?[0-9])(?:st|nd|rd|th)?,?\s+(?P<y4>(?:19|20)[0-9]{{2}})"
    r")(?![0-9])(?![./-][0-9])",
    re.IGNORECASE,
)
# Every date shape above holds one of these, no digit before it: d/m/yy, or a four-digit
# year (19xx or 20xx) that no other digit touches.
_TRIGGER = re.compile(
    r"[0-9](?<![0-9][0-9])(?:[0-9]?[./-][0-9]{1,2}[./-][0-9]{2}|(?<=[12])[0-9]{3}(?![0-9]))"
)
# The same in three parts that the engine finds quickly: d/m/yy on the digit-runs sketch
# (see sketches.py), tried once a run of digits; a year from each of its two first digits,
# literals the engine skips to.
_SKETCH_DAY_MONTH_YEAR = re.compile(rb"S0?[./-]S0?[./-]S0")
_YEARS = (
    re.compile(r"1(?<![0-9]1)[0-9]{3}(?![0-9])"),
    re.compile(r"2(?<![0-9]2)[0-9]{3}(?![0-9])"),
)
_MONTH_NUMBER = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}


def _year(text: str, this_year: int) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if 2000 + year <= this_year else 1900
    return year


_GROUPS = ("d1", "m1", "y1", "d2", "m2", "y2", "d3", "m3", "y3", "d4", "m4", "y4")
_EARLIEST = dt.date(1900, 1, 1)


def birth_date(match: re.Match[str], today: dt.date) -> dt.date | None:
    """The date a match names, or ``None`` when it is not a real date up to ``today``."""
    d1, m1, y1, d2, m2, y2, d3, m3, y3, d4, m4, y4 = match.group(*_GROUPS)
    if d1 is not None:
        day, month, year = int(d1), int(m1), _year(y1, today.year)
    elif d2 is not None:
        day, month, year = int(d2), int(m2), _year(y2, today.year)
    elif d3 is not None or d4 is not None:
        day, name, year = (int(d3), m3, int(y3)) if d3 is not None else (int(d4), m4, int(y4))
        # casefold, not lower: matching ignores case, so "ſep" is September too.
        month = _MONTH_NUMBER.get(name[:3].casefold(), 0)
    else:
        return None
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return None
    return born if _EARLIEST <= born <= today else None


class DateOfBirthDetector(Detector):
    kind = "date_of_birth"
    trigger = _TRIGGER

    def __init__(self, today: dt.date | None = None) -> None:
        self._today = today

    def scan(self, batch: SegmentBatch) -> Iterator[tuple[int, Detection]]:
        kind, text, starts, ends = self.kind, batch.text, batch.starts, batch.ends
        today = self._today or dt.date.today()
        search, gate = DOB_CUE.search, gate_of(DOB_CUE).search
        hits = {*batch.sketch_hits(_SKETCH_DAY_MONTH_YEAR)}
        for year in _YEARS:
            hits.update(batch.hits(year))
        for index in sorted(hits):
            low, high = starts[index], ends[index]
            cued_context: bool | None = None  # worked out when first needed
            if gate(text, low, high) is None or search(text, low, high) is None:
                cued_context = _cued_context(batch, index)
                if not cued_context:
                    continue
            dates = list(_DATE.finditer(text, low, high))
            last = len(dates) - 1
            for number, match in enumerate(dates):
                start, end = match.span()
                # A cue names the nearest date only: not a later date in the same sentence.
                window_start = max(dates[number - 1].end() if number else low, start - 40)
                window_end = min(dates[number + 1].start() if number < last else high, end + 12)
                cued = (
                    gate(text, window_start, window_end) is not None
                    and search(text, window_start, window_end) is not None
                )
                if not cued and number == 0:
                    if cued_context is None:
                        cued_context = _cued_context(batch, index)
                    cued = cued_context
                if not cued or birth_date(match, today) is None:
                    continue
                yield index, batch.detection(kind, index, mask(match.group()), 0.90, start, end)


def _cued_context(batch: SegmentBatch, index: int) -> bool:
    """True when a segment's context names its first date: a label cell, a column header."""
    if header_has_cue(DOB_CUE, batch.header(index)):  # cached: asked down a whole column
        return True
    previous = batch.previous(index)
    return bool(previous) and ends_with_cue(DOB_CUE, previous)
