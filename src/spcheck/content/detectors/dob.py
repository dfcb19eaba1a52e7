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

from spcheck.content.detectors.context import ends_with_cue
from spcheck.content.detectors.interface import Detection, Detector, SegmentContext, TextSegment
from spcheck.domain.findings import mask

DOB_CUE = re.compile(
    r"(?:\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bbirth\s*date\b|\bborn\b|\bbirthday\b|"
    r"\bdob\b)",
    re.IGNORECASE,
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = re.compile(
    r"(?<![0-9])(?:"
    r"(?P<d1>[0-3]?[0-9])(?P<s>[./-])(?P<m1>[01]?[0-9])(?P=s)(?P<y1>(?:19|20)?[0-9]{2})"
    r"|(?P<y2>(?:19|20)[0-9]{2})-(?P<m2>[01][0-9])-(?P<d2>[0-3][0-9])"
    rf"|(?P<d3>[0-3]?[0-9])(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m3>{_MONTHS})\.?,?\s+"
    r"(?P<y3>(?:19|20)[0-9]{2})"
    rf"|(?P<m4>{_MONTHS})\.?\s+(?P<d4>[0-3]?[0-9])(?:st|nd|rd|th)?,?\s+(?P<y4>(?:19|20)[0-9]{{2}})"
    r")(?![0-9])(?![./-][0-9])",
    re.IGNORECASE,
)
# Every date shape above holds one of these: d/m/yy or a four-digit year.
_TRIGGER = re.compile(r"[0-9](?:[0-9]?[./-][0-9]{1,2}[./-][0-9]{2}|(?<=[12])[0-9]{3})")
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


def birth_date(match: re.Match[str], today: dt.date) -> dt.date | None:
    """The date a match names, or ``None`` when it is not a real date up to ``today``."""
    groups = match.groupdict()
    for day_key, month_key, year_key in (("d1", "m1", "y1"), ("d2", "m2", "y2")):
        if groups[day_key] is not None:
            day, month = int(groups[day_key]), int(groups[month_key])
            year = _year(groups[year_key], today.year)
            break
    else:
        for day_key, month_key, year_key in (("d3", "m3", "y3"), ("d4", "m4", "y4")):
            if groups[day_key] is not None:
                day = int(groups[day_key])
                month = _MONTH_NUMBER[groups[month_key][:3].lower()]
                year = int(groups[year_key])
                break
        else:
            return None
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return None
    return born if dt.date(1900, 1, 1) <= born <= today else None


class DateOfBirthDetector(Detector):
    kind = "date_of_birth"
    trigger = _TRIGGER

    def __init__(self, today: dt.date | None = None) -> None:
        self._today = today

    def detect(self, segment: TextSegment, context: SegmentContext) -> Iterator[Detection]:
        text = segment.text
        cued_context = (context.previous and ends_with_cue(DOB_CUE, context.previous)) or (
            context.header and DOB_CUE.search(context.header)
        )
        if not cued_context and DOB_CUE.search(text) is None:
            return
        today = self._today or dt.date.today()
        dates = list(_DATE.finditer(text))
        for index, match in enumerate(dates):
            start, end = match.span()
            # A cue names the nearest date only: not a later date in the same sentence.
            window_start = max(dates[index - 1].end() if index else 0, start - 40)
            window_end = min(
                dates[index + 1].start() if index + 1 < len(dates) else len(text), end + 12
            )
            cued = DOB_CUE.search(text, window_start, window_end) is not None or (
                index == 0 and bool(cued_context)
            )
            if not cued or birth_date(match, today) is None:
                continue
            yield Detection(self.kind, segment.location, mask(match.group()), 0.90, start, end)
