"""Cue words near a candidate: the window around it in its segment, and the segment's context."""

from __future__ import annotations

import re

from spcheck.content.detectors.batch import SegmentBatch
from spcheck.content.detectors.cues import gate_of, has_cue

# How much of the previous segment's end may hold a cue for this one.
PREVIOUS_TAIL = 32
# What may follow a cue at the end of a label: "CHI number:", "NHS no.", "DOB -".
_TRAILING = re.compile(r"(?:\s*(?:number|num|no|ref|reference|id|identifier))?[\W_]*", re.I)


def cue_near(
    cue: re.Pattern[str],
    batch: SegmentBatch,
    index: int,
    start: int,
    end: int,
    *,
    before: int = 48,
    after: int = 24,
) -> bool:
    """True when ``cue`` occurs within the window around ``batch.text[start:end]`` or in the
    context of segment ``index``, which holds that span.

    ``search`` with bounds (not a slice) keeps word boundaries true to the segment. Of
    the previous segment only a cue at its very end counts: a label cell ("CHI number"),
    a line ending "NHS no.:"; a cue earlier in a line names that line's own number.
    """
    low = max(batch.starts[index], start - before)
    high = min(batch.ends[index], end + after)
    if has_cue(cue, batch.text, low, high):
        return True
    previous = batch.previous(index)
    if previous and ends_with_cue(cue, previous):
        return True
    return header_has_cue(cue, batch.header(index))


def header_has_cue(cue: re.Pattern[str], header: str) -> bool:
    """True when a column header holds ``cue`` (cached: every cell below asks)."""
    if not header:
        return False
    # Keyed by the cue's id: a compiled pattern's hash hashes its whole program.
    key = (id(cue), header)
    found = _HEADER_CUES.get(key)
    if found is None:
        if len(_HEADER_CUES) >= _HEADER_CACHE:
            _HEADER_CUES.clear()
        found = _HEADER_CUES[key] = has_cue(cue, header)
    return found


_HEADER_CUES: dict[tuple[int, str], bool] = {}
_HEADER_CACHE = 4096


def ends_with_cue(cue: re.Pattern[str], text: str) -> bool:
    """True when ``text`` ends with ``cue``, a label word at most and punctuation."""
    tail = max(0, len(text) - PREVIOUS_TAIL)
    if gate_of(cue).search(text, tail) is None:
        return False
    last_end = -1
    for match in cue.finditer(text, tail):
        last_end = match.end()
    return last_end >= 0 and _TRAILING.fullmatch(text, last_end) is not None


def label_before(
    label: re.Pattern[str], batch: SegmentBatch, index: int, start: int, *, width: int = 28
) -> bool:
    """True when ``label`` ends in the few characters just before ``start`` (a field label)."""
    return has_cue(label, batch.text, max(batch.starts[index], start - width), start)
