"""The detector set and the pass that turns segments into reportable detections.

How confidence becomes reporting: every detector yields candidates with a confidence
(each module's docstring gives its table); ``detect_identifiers`` keeps those at or above
``REPORT_THRESHOLD``. Then, in each segment, where number-like detections overlap (a plain
``0101011237`` is both a date-valid CHI and an 01 phone shape), only the most confident is
kept, ties going to the more specific kind (the order of ``DETECTORS``). A labelled field
whose value is wholly covered by the other detections kept ("CHI: 0101011237") is dropped
as a repeat: labelled fields are read last, and the batch's ``repeats`` lets the detector
skip them early.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spcheck.content.detectors.batch import SegmentBatch
from spcheck.content.detectors.chi import ChiDetector
from spcheck.content.detectors.dob import DateOfBirthDetector
from spcheck.content.detectors.email import EmailDetector
from spcheck.content.detectors.interface import (
    NO_CONTEXT,
    Detection,
    Detector,
    DetectorError,
    SegmentContext,
    TextSegment,
)
from spcheck.content.detectors.labelled import LabelledFieldDetector
from spcheck.content.detectors.nhs import NhsNumberDetector
from spcheck.content.detectors.nino import NinoDetector
from spcheck.content.detectors.phone import PhoneDetector
from spcheck.content.detectors.postcode import PostcodeDetector
from spcheck.content.detectors.reading import read
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
# Labelled fields are read last: one that only repeats another finding is not reported.
_FIELDS = tuple(detector for detector in DETECTORS if detector.kind == "labelled_field")
_SHAPES = tuple(detector for detector in DETECTORS if detector.kind != "labelled_field")
_SHORT_TEXT = 256
_DIGIT = re.compile("[0-9]")


def _rank(detection: Detection) -> tuple[float, int, int]:
    return -detection.confidence, _PRIORITY[detection.kind], detection.start


def _position(detection: Detection) -> tuple[int, float, int]:
    return detection.start, -detection.confidence, _PRIORITY[detection.kind]


def _unclash(found: list[Detection]) -> list[Detection]:
    """Of overlapping number-like detections only the most confident, ties going to the
    more specific kind."""
    kept: list[Detection] = []
    for detection in sorted(found, key=_rank):
        if detection.kind in _NUMBER_LIKE and any(
            other.kind in _NUMBER_LIKE
            and other.start < detection.end
            and detection.start < other.end
            for other in kept
        ):
            continue
        kept.append(detection)
    return kept


def _covered(start: int, end: int, others: list[Detection]) -> bool:
    """True when ``others`` (labelled fields aside) wholly cover ``start:end``."""
    if len(others) == 1:  # the usual case, a value cell that is also an identifier
        other = others[0]
        return other.kind != "labelled_field" and other.start <= start and end <= other.end
    spans = sorted(
        (o.start, o.end)
        for o in others
        if o.kind != "labelled_field" and o.start < end and start < o.end
    )
    position = start
    for span_start, span_end in spans:
        if span_start > position:
            return False
        position = max(position, span_end)
    return bool(spans) and position >= end


def detect_segment(
    segment: TextSegment,
    context: SegmentContext = NO_CONTEXT,
    *,
    min_confidence: float = REPORT_THRESHOLD,
) -> list[Detection]:
    """The reportable detections in one segment read with ``context``."""
    return _detect(SegmentBatch.single(segment, context), min_confidence)


def detect_identifiers(
    segments: Iterable[TextSegment], *, min_confidence: float = REPORT_THRESHOLD
) -> list[Detection]:
    """Every reportable identifier in a document's segments, in document order.

    Segments are read in order (see ``reading`` for each one's context); the segments
    worth scanning are joined into one ``SegmentBatch`` so that each detector's patterns
    run once over the document rather than once per segment.
    """
    if not isinstance(segments, list | tuple):
        segments = list(segments)
    if len(segments) == 1:  # a lone segment has no context: nothing to read around it
        segment = segments[0]
        if not segment.text or segment.text.isspace():
            return []
        return _detect(SegmentBatch.single(segment), min_confidence)
    reading = read(segments)
    if not reading.selected:
        return []
    chosen = list(map(segments.__getitem__, reading.selected))
    return _detect(SegmentBatch(chosen, reading, reading.labels), min_confidence)


def _detect(batch: SegmentBatch, min_confidence: float) -> list[Detection]:
    """The detections in ``batch`` at or above ``min_confidence``, resolved segment by segment
    (see the module docstring), in segment order and then by position."""
    kept: dict[int, list[Detection]] = {}
    # On a short text (a file name, a finding's message) a detector's own set-up costs more
    # than its trigger: one that cannot match is not run. Its trigger is a superset of its
    # candidates and never matches the separator, so none is lost.
    short = len(batch.text) <= _SHORT_TEXT
    digits = short and _DIGIT.search(batch.text) is not None
    for detector in _SHAPES:
        if short and (
            (detector.needs_digit and not digits) or detector.trigger.search(batch.text) is None
        ):
            continue
        for index, detection in detector.scan(batch):
            if detection.confidence >= min_confidence:
                if index in kept:
                    kept[index].append(detection)
                else:
                    kept[index] = [detection]
    for index, found in kept.items():
        if len(found) > 1:
            kept[index] = _unclash(found)

    def repeats(index: int, start: int, end: int) -> bool:
        others = kept.get(index)
        return others is not None and _covered(start, end, others)

    batch.repeats = repeats
    for detector in _FIELDS:
        for index, field in detector.scan(batch):
            if field.confidence < min_confidence or repeats(index, field.start, field.end):
                continue
            if index in kept:
                kept[index].append(field)
            else:
                kept[index] = [field]
    detections: list[Detection] = []
    for index in sorted(kept):
        found = kept[index]
        if len(found) > 1:
            found.sort(key=_position)
        detections.extend(found)
    return detections
