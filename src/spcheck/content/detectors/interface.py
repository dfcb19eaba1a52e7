"""The contract between text extraction and the identifier detectors.

Extraction (``spcheck.content.extract``) turns a document into ``TextSegment``s, each
carrying where a person would find it; detectors turn segments into ``Detection``s.
A detection never holds the value it found: only ``masked`` (``spcheck.domain.findings.mask``).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from spcheck.content.detectors.batch import SegmentBatch

KINDS: tuple[str, ...] = (
    "chi",
    "nhs_number",
    "scn",
    "nino",
    "postcode",
    "phone",
    "email",
    "date_of_birth",
    "labelled_field",
)


@dataclass(frozen=True, slots=True)
class TextSegment:
    """A run of text a person could see or recover, with where it came from."""

    text: str
    location: str  # e.g. "word/document.xml line 12", "sheet 'Hidden' B7", "page 2 line 5"
    # A spreadsheet cell that held a number: a 9-digit CHI may have lost its leading zero.
    numeric_cell: bool = False


@dataclass(frozen=True, slots=True)
class Detection:
    """One identifier found in a segment; the value itself is never kept."""

    kind: str  # one of KINDS
    location: str
    masked: str  # spcheck.domain.findings.mask(value): never the value itself
    confidence: float  # 0..1
    start: int  # offsets in the segment text (for redaction overlap checks)
    end: int


@dataclass(frozen=True, slots=True)
class SegmentContext:
    """Text near a segment but outside it, where cue words and labels often sit.

    ``previous`` is the tail of the segment before (a table's label cell, the line above);
    ``header`` is the header of a spreadsheet cell's column ("CHI", "Child's name").
    """

    previous: str = ""
    header: str = ""


NO_CONTEXT = SegmentContext()


class DetectorError(Exception):
    """A detector set was misconfigured (never raised for odd input text)."""


class Detector(ABC):
    """Finds one kind of identifier in segments.

    Implementations precompile their patterns at import time and must be safe on any
    text: hostile documents reach this code. They yield every candidate with its
    confidence; the registry decides what is reported.

    ``scan`` reads a whole ``SegmentBatch`` (a document's segments joined into one text) and
    yields each candidate with the index of its segment; ``detect`` reads one segment.
    ``trigger`` is a cheap pattern that every candidate contains (a superset: a segment
    without a trigger match cannot hold a candidate): detectors whose own patterns are slow
    to scan search only the segments that their trigger, or a pattern on a sketch of the
    text that hits at least those segments (sketches.py), hits. The registry batches only
    the segments that hold a digit, an "@" or a colon, and those whose context is a field
    label (a value cell after a label cell), so a detector that ``needs_digit`` must find
    nothing in a segment without one.
    """

    kind: ClassVar[str]
    trigger: ClassVar[re.Pattern[str]]
    needs_digit: ClassVar[bool] = True

    @abstractmethod
    def scan(self, batch: SegmentBatch) -> Iterator[tuple[int, Detection]]:
        """Yield (segment index, candidate) for every candidate of this kind in ``batch``.

        The candidates of one segment come in the same order whatever else is in the batch.
        """

    def detect(self, segment: TextSegment, context: SegmentContext) -> Iterator[Detection]:
        """Yield every candidate of this detector's kind in ``segment``."""
        from spcheck.content.detectors.batch import SegmentBatch  # batch imports this module

        for _, detection in self.scan(SegmentBatch.single(segment, context)):
            yield detection
