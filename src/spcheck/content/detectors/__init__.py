"""Identifier detectors over extracted text (see interface.py for the contract).

``detect_identifiers`` is the one entry point; ``DETECTORS`` lists the set, one module
per kind, and ``REPORT_THRESHOLD`` is where confidence turns into a finding.
"""

from spcheck.content.detectors.interface import (
    KINDS,
    Detection,
    Detector,
    DetectorError,
    SegmentContext,
    TextSegment,
)
from spcheck.content.detectors.registry import (
    DETECTORS,
    REPORT_THRESHOLD,
    detect_identifiers,
    detect_segment,
)

__all__ = [
    "DETECTORS",
    "KINDS",
    "REPORT_THRESHOLD",
    "Detection",
    "Detector",
    "DetectorError",
    "SegmentContext",
    "TextSegment",
    "detect_identifiers",
    "detect_segment",
]
