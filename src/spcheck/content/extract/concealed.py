"""Text on a PDF page that is drawn but that no reader can see.

Render modes 3 and 7 are the honest way to draw invisible text (an OCR layer); the
same effect is had by drawing white text on the white page, text too small to read,
or text placed off the page. Each is still extracted, copied and indexed, so each is
reported with the invisible text. Text on something painted before it (a box, a page
background, a picture) is judged against that, not the page: white on a dark banner
or on a photograph is seen. White text on a box of its own colour is the redaction
check's business (``redaction.py``), not this one's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from spcheck.content.extract import colours
from spcheck.content.interface import Box

PAGE_WHITE: colours.RGB = (1.0, 1.0, 1.0)
_SAME_COLOUR = 1.25  # WCAG contrast below which text cannot be told from what is under it
_ON_SHARE = 0.5  # of a character's box over a backdrop for the character to sit on it
_MIN_HEIGHT = 1.0  # points: text less than this tall cannot be read at any zoom a reader uses


class Drawn(Protocol):
    text: str
    box: Box
    colour: colours.RGB | None
    order: int


def _on_backdrop(char: Drawn, candidates: Sequence[tuple[Box, int]]) -> bool:
    return any(
        order < char.order and char.box.overlap(box) >= _ON_SHARE * char.box.area
        for box, order in candidates
    )


def concealed(
    chars: Sequence[Drawn],
    backdrops: Sequence[tuple[Box, int]],
    width: float,
    height: float,
) -> set[int]:
    """Indexes of ``chars`` a reader cannot see (besides those drawn in an invisible mode).

    ``backdrops`` are the page's filled shapes and pictures with their painting order.
    """
    hidden: set[int] = set()
    # Backdrops that reach each band of text, found once per band: a page may hold
    # thousands of shapes, and a page background reaches every line.
    bands: dict[tuple[float, float], list[tuple[Box, int]]] = {}
    for index, char in enumerate(chars):
        box = char.box
        if char.text.isspace():
            continue
        if box.x1 <= 0 or box.x0 >= width or box.bottom <= 0 or box.top >= height:
            hidden.add(index)
            continue
        if 0 < box.bottom - box.top < _MIN_HEIGHT:
            hidden.add(index)
            continue
        if char.colour is None or colours.contrast(char.colour, PAGE_WHITE) >= _SAME_COLOUR:
            continue
        band = (round(box.top, 1), round(box.bottom, 1))
        candidates = bands.get(band)
        if candidates is None:
            candidates = [b for b in backdrops if b[0].top < box.bottom and b[0].bottom > box.top]
            bands[band] = candidates
        if not _on_backdrop(char, candidates):
            hidden.add(index)
    return hidden
