"""Boxes drawn on a picture: solid grey or black rectangles, the marks of a redaction.

A box is found by what it is in pixels: a region darker than the paper, solid (text
strokes are thinner than the structuring element and vanish in an opening, a box does
not), close to rectangular, and smaller than a third of the picture (a photo, a dark
background or the shadow of a phone picture is not a box).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spcheck.content.ocr.lines import Rect

if TYPE_CHECKING:
    from PIL.Image import Image

_PAPER_PERCENTILE = 90  # most of a page is paper: its level is the lightest tenth's
_DARKER_THAN_PAPER = 40  # grey levels below the paper from which a region is ink or a box
_MIN_SOLID = 0.85  # share of its bounding rectangle a box fills
_MAX_SHARE = 0.33  # of the picture: larger regions are photos or backgrounds
_MIN_PAPER = 140  # a picture darker than this overall is a photo, not a page


def filled_boxes(image: Image) -> list[Rect]:
    """Solid boxes on the picture, in its pixels."""
    import cv2
    import numpy as np

    grey = np.asarray(image.convert("L"))
    height, width = grey.shape
    paper = float(np.percentile(grey, _PAPER_PERCENTILE))
    if paper < _MIN_PAPER:
        return []
    mask = (grey < paper - _DARKER_THAN_PAPER).astype(np.uint8)
    # Wider than a text stroke at any reading resolution, narrower than a redaction bar.
    side = max(5, round(min(height, width) / 180))
    kernel = np.ones((side, side), np.uint8)
    solid = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    count, _, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=4)
    boxes: list[Rect] = []
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        if w < 2 * side or h < 2 * side:
            continue
        if w * h > _MAX_SHARE * width * height or area < _MIN_SOLID * w * h:
            continue
        boxes.append((float(x), float(y), float(x + w), float(y + h)))
    return boxes
