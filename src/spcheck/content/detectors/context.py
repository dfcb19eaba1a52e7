"""Cue words near a candidate: the window around it in the segment, and the segment's context."""

from __future__ import annotations

import re

from spcheck.content.detectors.interface import SegmentContext

# How much of the previous segment's end may hold a cue for this one.
PREVIOUS_TAIL = 32
# What may follow a cue at the end of a label: "CHI number:", "NHS no.", "DOB -".
_TRAILING = re.compile(r"(?:\s*(?:number|num|no|ref|reference|id|identifier))?[\W_]*", re.I)


def cue_near(
    cue: re.Pattern[str],
    text: str,
    start: int,
    end: int,
    context: SegmentContext,
    *,
    before: int = 48,
    after: int = 24,
) -> bool:
    """True when ``cue`` occurs within the window around ``text[start:end]`` or in the context.

    ``search`` with bounds (not a slice) keeps word boundaries true to the whole text. Of
    the previous segment only a cue at its very end counts: a label cell ("CHI number"),
    a line ending "NHS no.:"; a cue earlier in a line names that line's own number.
    """
    if cue.search(text, max(0, start - before), min(len(text), end + after)) is not None:
        return True
    if context.previous and ends_with_cue(cue, context.previous):
        return True
    return bool(context.header) and cue.search(context.header) is not None


def ends_with_cue(cue: re.Pattern[str], text: str) -> bool:
    """True when ``text`` ends with ``cue``, a label word at most and punctuation."""
    last_end = -1
    for match in cue.finditer(text, max(0, len(text) - PREVIOUS_TAIL)):
        last_end = match.end()
    return last_end >= 0 and _TRAILING.fullmatch(text, last_end) is not None


def label_before(label: re.Pattern[str], text: str, start: int, *, width: int = 28) -> bool:
    """True when ``label`` ends in the few characters just before ``start`` (a field label)."""
    return label.search(text, max(0, start - width), start) is not None
