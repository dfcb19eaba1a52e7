"""Which PDF pages a reader sees as pixels, and so must be read by OCR.

A page is read as a picture when images cover more than a small share of it (a scan, a
photo of a form pasted into a report), or when it has no text at all yet is not blank (a
scan, or text drawn as outlines). A logo or a signature in a corner is not: it covers
less than ``SMALL_SHARE`` of the page.
"""

from __future__ import annotations

from spcheck.content.extract.pdfpage import LaidOutPage
from spcheck.content.interface import Box
from spcheck.content.ocr.interface import Picture

SMALL_SHARE = 0.10
_GRID = 48  # cells a side: the covered share of a page, to a fiftieth
_MIN_DRAWN = 20  # shapes on a page without text from which it may be drawn text


def covered_share(boxes: list[Box], width: float, height: float) -> float:
    """The share of the page the boxes cover together (overlaps counted once)."""
    if width <= 0 or height <= 0 or not boxes:
        return 0.0
    cells: set[tuple[int, int]] = set()
    for box in boxes:
        left = max(0, int(box.x0 / width * _GRID))
        right = min(_GRID, int(box.x1 / width * _GRID + 0.999))
        top = max(0, int(box.top / height * _GRID))
        bottom = min(_GRID, int(box.bottom / height * _GRID + 0.999))
        cells.update((x, y) for x in range(left, right) for y in range(top, bottom))
    return len(cells) / (_GRID * _GRID)


def page_picture(data: bytes, number: int, laid: LaidOutPage) -> Picture | None:
    """The page as a picture to read, or None when its text layer is all a reader sees."""
    share = covered_share(laid.pictures, laid.width, laid.height)
    text = any(line.strip() for line in laid.lines)
    if share > SMALL_SHARE:
        reason = f"pictures cover {share:.0%} of it"
    elif not text and laid.pictures:
        reason = "a picture and no text layer"
    elif not text and laid.drawn >= _MIN_DRAWN:
        reason = "drawn shapes and no text layer"
    else:
        return None
    return Picture(f"page {number}", "pdf_page", data, number - 1, reason)
