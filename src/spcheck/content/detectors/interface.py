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
from typing import ClassVar

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
    """Finds one kind of identifier in a segment.

    Implementations precompile their patterns at import time and must be safe on any
    text: hostile documents reach this code. They yield every candidate with its
    confidence; the registry decides what is reported.

    ``trigger`` is a cheap pattern that every candidate contains (a superset: a segment
    without a trigger match cannot hold a candidate). The registry calls ``detect`` only on
    the segments the trigger hits, plus those for which ``wants`` says the context alone
    may make a finding (a value cell after a label cell); a detector that ``needs_digit``
    is not even tried on a segment without one. Triggers start with a character class or
    a literal so that the regular expression engine skips ahead instead of trying every
    position.
    """

    kind: ClassVar[str]
    trigger: ClassVar[re.Pattern[str]]
    needs_digit: ClassVar[bool] = True

    @abstractmethod
    def detect(self, segment: TextSegment, context: SegmentContext) -> Iterator[Detection]:
        """Yield every candidate of this detector's kind in ``segment``."""

    def wants(self, segment: TextSegment, context: SegmentContext) -> bool:
        """True when ``segment`` needs ``detect`` even though the trigger did not hit it."""
        return False
