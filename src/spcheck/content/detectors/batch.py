"""Many segments scanned as one text, so each detector's patterns run once per document.

Per-segment calls cost more than the matching itself on documents made of short segments
(spreadsheet cells, PDF lines). A ``SegmentBatch`` joins its segments with ``SEPARATOR``, a
character that no pattern run over the joined text can match: a match can never span two
segments, and the look-arounds and word boundaries that see the separator behave as they
do at the start or end of a lone segment. A pattern run over the joined text therefore
finds exactly what it finds in each segment alone, at offsets that ``locate`` and
``starts`` map back to the segment; a search within one segment (a trigger's hit, the
window around a candidate) is bounded to it. tests/content/test_detectors_batch.py holds
the whole pass against a segment-by-segment reading.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from itertools import accumulate
from operator import add, attrgetter
from typing import AnyStr, Protocol

from spcheck.content.detectors.interface import (
    NO_CONTEXT,
    Detection,
    SegmentContext,
    TextSegment,
)
from spcheck.content.detectors.sketches import DIGIT_RUNS, Sketch, latin1

SEPARATOR = "\x00"

_TEXT = attrgetter("text")


class Contexts(Protocol):
    """Where a batch finds the two parts of each segment's ``SegmentContext``."""

    def previous(self, index: int) -> str:
        """The tail of the text before segment ``index`` that may hold its label or cue."""
        ...

    def header(self, index: int) -> str:
        """The header of segment ``index``'s spreadsheet column, or ""."""
        ...


class SegmentBatch:
    """Segments joined into ``text``; segment ``i`` is ``text[starts[i]:ends[i]]``.

    ``previous(i)`` and ``header(i)`` are segment ``i``'s context (see ``SegmentContext``).
    """

    __slots__ = (
        "_hits",
        "_latin1",
        "_matches",
        "_numeric",
        "_sketch_matches",
        "_sketches",
        "ends",
        "header",
        "labels",
        "previous",
        "repeats",
        "segments",
        "starts",
        "text",
    )

    def __init__(
        self,
        segments: Sequence[TextSegment],
        contexts: Contexts,
        labels: Mapping[int, str] | None = None,
    ) -> None:
        """``contexts`` gives each segment's context; ``labels`` maps each segment whose
        context is a field label to that label, or is ``None`` to have them worked out."""
        self.segments = segments
        self.labels = labels
        if len(segments) == 1:  # a file name, a finding's message: the common lone segment
            self.text = segments[0].text
            self.starts: list[int] = [0]
            self.ends: list[int] = [len(self.text)]
        else:
            texts = list(map(_TEXT, segments))
            self.text = SEPARATOR.join(texts)
            # Segment i starts after i separators and the texts before it.
            lengths = list(accumulate(map(len, texts), initial=0))
            self.starts = list(map(add, lengths, range(len(texts))))
            self.ends = list(map(add, lengths[1:], range(len(texts))))
        self.previous: Callable[[int], str] = contexts.previous
        self.header: Callable[[int], str] = contexts.header
        # Keyed by id: a compiled pattern's hash hashes its whole program, every time.
        self._hits: dict[int, list[int]] = {}
        self._matches: dict[int, list[re.Match[str]]] = {}
        self._numeric: list[int] | None = None
        self._latin1: bytes | None = None
        self._sketches: dict[int, bytes] = {}
        self._sketch_matches: dict[int, list[re.Match[bytes]]] = {}
        # Set by the registry before it reads labelled fields: whether a field over
        # (segment, start, end), offsets in the segment, would be dropped as a repeat.
        self.repeats: Callable[[int, int, int], bool] | None = None

    @classmethod
    def single(cls, segment: TextSegment, context: SegmentContext = NO_CONTEXT) -> SegmentBatch:
        return cls((segment,), _Given(context))

    def locate(self, position: int) -> int:
        """The index of the segment holding ``position`` of the joined text."""
        return bisect_right(self.starts, position) - 1

    def hits(self, pattern: re.Pattern[str]) -> list[int]:
        """The indices of the segments in which ``pattern`` matches (cached per pattern)."""
        found = self._hits.get(id(pattern))
        if found is None:
            found = self._hits[id(pattern)] = self._segments_hit(pattern, self.text)
        return found

    def sketch_hits(self, pattern: re.Pattern[bytes], sketch: Sketch = DIGIT_RUNS) -> list[int]:
        """``hits`` for a pattern written for one of the text's sketches (sketches.py)."""
        found = self._hits.get(id(pattern))
        if found is None:
            found = self._hits[id(pattern)] = self._segments_hit(pattern, self.sketch(sketch))
        return found

    def _segments_hit(self, pattern: re.Pattern[AnyStr], text: AnyStr) -> list[int]:
        # One search per segment hit, each resuming at the next segment: a trigger's scan
        # over the joined text costs what one scan of a long segment costs.
        found: list[int] = []
        search, starts = pattern.search, self.starts
        last = len(starts) - 1
        position = 0
        while (match := search(text, position)) is not None:
            index = bisect_right(starts, match.start()) - 1
            found.append(index)
            if index == last:
                break
            position = starts[index + 1]
        return found

    def matches(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        """Every match of ``pattern`` over the joined text (cached: detectors share shapes)."""
        found = self._matches.get(id(pattern))
        if found is None:
            found = self._matches[id(pattern)] = list(pattern.finditer(self.text))
        return found

    def sketch_matches(
        self, pattern: re.Pattern[bytes], sketch: Sketch = DIGIT_RUNS
    ) -> list[re.Match[bytes]]:
        """Every match of a pattern written for a sketch; its offsets are the text's."""
        found = self._sketch_matches.get(id(pattern))
        if found is None:
            matches = pattern.finditer(self.sketch(sketch))
            found = self._sketch_matches[id(pattern)] = list(matches)
        return found

    def sketch(self, sketch: Sketch) -> bytes:
        """The joined text's ``sketch``, made when first needed."""
        made = self._sketches.get(id(sketch))
        if made is None:
            if self._latin1 is None:
                self._latin1 = latin1(self.text)
            made = self._sketches[id(sketch)] = sketch.of(self._latin1)
        return made

    def numeric_cells(self) -> list[int]:
        """The indices of the segments that are numeric spreadsheet cells."""
        if self._numeric is None:
            self._numeric = [i for i, segment in enumerate(self.segments) if segment.numeric_cell]
        return self._numeric

    def detection(
        self, kind: str, index: int, masked: str, confidence: float, start: int, end: int
    ) -> Detection:
        """A detection at ``text[start:end]``, with offsets made relative to its segment."""
        base = self.starts[index]
        return Detection(
            kind, self.segments[index].location, masked, confidence, start - base, end - base
        )


class _Given:
    """The context of a lone segment, as its caller gives it."""

    __slots__ = ("_context",)

    def __init__(self, context: SegmentContext) -> None:
        self._context = context

    def previous(self, index: int) -> str:
        return self._context.previous

    def header(self, index: int) -> str:
        return self._context.header
