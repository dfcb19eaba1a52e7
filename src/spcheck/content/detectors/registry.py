"""The detector set and the pass that turns segments into reportable detections.

How confidence becomes reporting: every detector yields candidates with a confidence
(each module's docstring gives its table); ``detect_identifiers`` keeps those at or above
``REPORT_THRESHOLD``. Then, where number-like detections overlap (a plain ``0101011237``
is both a date-valid CHI and an 01 phone shape), only the most confident is kept, ties
going to the more specific kind (the order of ``DETECTORS``). A labelled field whose value
is wholly covered by other detections ("CHI: 0101011237") is dropped as a repeat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from spcheck.content.detectors.chi import ChiDetector
from spcheck.content.detectors.cues import CHI_CUE, NHS_CUE, PHONE_CUE, SCN_CUE
from spcheck.content.detectors.dob import DOB_CUE, DateOfBirthDetector
from spcheck.content.detectors.email import EmailDetector
from spcheck.content.detectors.interface import (
    NO_CONTEXT,
    Detection,
    Detector,
    DetectorError,
    SegmentContext,
    TextSegment,
)
from spcheck.content.detectors.labelled import LabelledFieldDetector, is_label
from spcheck.content.detectors.nhs import NhsNumberDetector
from spcheck.content.detectors.nino import NinoDetector
from spcheck.content.detectors.phone import PhoneDetector
from spcheck.content.detectors.postcode import PostcodeDetector
from spcheck.content.detectors.scn import ScnDetector

REPORT_THRESHOLD = 0.5

# Most specific first: the order breaks ties between overlapping number-like detections.
DETECTORS: tuple[Detector, ...] = (
    ChiDetector(),
    NhsNumberDetector(),
    ScnDetector(),
    NinoDetector(),
    DateOfBirthDetector(),
    PostcodeDetector(),
    PhoneDetector(),
    EmailDetector(),
    LabelledFieldDetector(),
)
_PRIORITY = {detector.kind: rank for rank, detector in enumerate(DETECTORS)}
_NUMBER_LIKE = frozenset({"chi", "nhs_number", "scn", "phone", "date_of_birth"})
if len(_PRIORITY) != len(DETECTORS):
    raise DetectorError("two detectors report the same kind")

_HAS_DIGIT = re.compile(r"[0-9]")
_SHEET_CELL = re.compile(r"sheet '(?P<sheet>.*)' (?P<column>[A-Z]{1,3})(?P<row>[0-9]+)")
_PREVIOUS_WIDTH = 80
_HEADER_WIDTH = 60
_HEADER_CUE = re.compile(
    "|".join(f"(?:{cue.pattern})" for cue in (CHI_CUE, NHS_CUE, SCN_CUE, DOB_CUE, PHONE_CUE)),
    re.IGNORECASE,
)


def _is_header(text: str) -> bool:
    """A label or a cue word alone ("Child's name", "CHI number"), not a filled-in field."""
    stripped = text.strip().rstrip(":").rstrip()
    if not stripped or len(stripped) > _HEADER_WIDTH or _HAS_DIGIT.search(stripped):
        return False
    if ":" in stripped:
        return False
    return is_label(stripped) or _HEADER_CUE.search(stripped) is not None


class _Sheets:
    """Context for spreadsheet cells: the column's header and the cell to the left.

    Header-like cells (a label or a cue word) are remembered per sheet column so the cells
    below inherit them. The cell to the left counts as a label cell only in the same row
    and not in a header row (one with two header-like cells or more before this one).
    """

    def __init__(self) -> None:
        self._headers: dict[tuple[str, str], str] = {}
        self._row: tuple[str, str] | None = None
        self._row_headers = 0

    def context_for(self, segment: TextSegment, previous: str) -> SegmentContext:
        location = segment.location
        cell = _SHEET_CELL.fullmatch(location) if location.startswith("sheet '") else None
        if cell is None:
            self._row = None
            return SegmentContext(previous, "") if previous else NO_CONTEXT
        row = (cell.group("sheet"), cell.group("row"))
        if row != self._row:
            self._row, self._row_headers, previous = row, 0, ""
        key = (cell.group("sheet"), cell.group("column"))
        header = self._headers.get(key, "")
        left = previous if self._row_headers < 2 else ""
        if not segment.numeric_cell and _is_header(segment.text):
            self._headers[key] = segment.text.strip()
            self._row_headers += 1
        return SegmentContext(left, header) if left or header else NO_CONTEXT


def _resolve(found: list[Detection]) -> list[Detection]:
    """Drops overlapped number-like repeats and labelled fields that repeat another finding."""
    if len(found) < 2:
        return found
    ordered = sorted(found, key=lambda d: (-d.confidence, _PRIORITY[d.kind], d.start))
    kept: list[Detection] = []
    for detection in ordered:
        if detection.kind in _NUMBER_LIKE and any(
            other.kind in _NUMBER_LIKE
            and other.start < detection.end
            and detection.start < other.end
            for other in kept
        ):
            continue
        kept.append(detection)
    result: list[Detection] = []
    for detection in kept:
        if detection.kind == "labelled_field" and _covered(detection, kept):
            continue
        result.append(detection)
    result.sort(key=lambda d: d.start)
    return result


def _covered(field: Detection, others: list[Detection]) -> bool:
    spans = sorted(
        (o.start, o.end)
        for o in others
        if o.kind != "labelled_field" and o.start < field.end and field.start < o.end
    )
    position = field.start
    for start, end in spans:
        if start > position:
            return False
        position = max(position, end)
    return bool(spans) and position >= field.end


_Search = Callable[[str], "re.Match[str] | None"]
_Detect = Callable[[TextSegment, SegmentContext], Iterator[Detection]]
_Wants = Callable[[TextSegment, SegmentContext], bool]


def _plan(detectors: Iterable[Detector]) -> tuple[tuple[_Search, _Detect, _Wants | None], ...]:
    """Bound methods looked up once: this loop runs for every segment of every document."""
    return tuple(
        (
            detector.trigger.search,
            detector.detect,
            detector.wants if type(detector).wants is not Detector.wants else None,
        )
        for detector in detectors
    )


_WITH_DIGITS = _plan(DETECTORS)
_WITHOUT_DIGITS = _plan(detector for detector in DETECTORS if not detector.needs_digit)


def detect_segment(
    segment: TextSegment,
    context: SegmentContext = NO_CONTEXT,
    *,
    min_confidence: float = REPORT_THRESHOLD,
) -> list[Detection]:
    """The reportable detections in one segment."""
    text = segment.text
    plan = _WITH_DIGITS if _HAS_DIGIT.search(text) is not None else _WITHOUT_DIGITS
    found: list[Detection] = []
    for search, detect, wants in plan:
        if search(text) is None and (wants is None or not wants(segment, context)):
            continue
        for detection in detect(segment, context):
            if detection.confidence >= min_confidence:
                found.append(detection)
    return _resolve(found) if len(found) > 1 else found


def detect_identifiers(
    segments: Iterable[TextSegment], *, min_confidence: float = REPORT_THRESHOLD
) -> list[Detection]:
    """Every reportable identifier in a document's segments, in document order.

    Segments are read in order: each one's context is the segment before it; for a
    spreadsheet cell located as ``sheet '<name>' <column><row>`` it is the cell before it
    in the same row and its column's header.
    """
    sheets = _Sheets()
    previous = ""
    detections: list[Detection] = []
    for segment in segments:
        text = segment.text
        if not text or text.isspace():
            continue
        context = sheets.context_for(segment, previous)
        detections.extend(detect_segment(segment, context, min_confidence=min_confidence))
        previous = text if len(text) <= _PREVIOUS_WIDTH else text[-_PREVIOUS_WIDTH:]
    return detections
