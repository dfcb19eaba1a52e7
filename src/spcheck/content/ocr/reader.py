"""Reads an extraction's pictures by OCR: each line read becomes a segment for the
detectors, located as ``<picture> picture line N`` with a box per character, and the
boxes drawn on each picture are kept for the redaction check.

What is not read is a gap, naming the picture and why (OCR off, over a cap, out of time,
the engine failed), so the file is unverifiable rather than a pass. A PDF page read here
that also has a text layer is checked on both: the layer's text goes through the
detectors as before, and a layer that says more than the picture shows is hidden text.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace

from spcheck.content.detectors.interface import TextSegment
from spcheck.content.extract.wording import counted
from spcheck.content.interface import Box, Extraction, HiddenItem, Limits, PictureLine
from spcheck.content.ocr.interface import OcrEngine, OcrError, Picture
from spcheck.content.ocr.lines import PictureText, lines_of
from spcheck.content.ocr.noise import LOOKALIKES, normalise

PICTURE_LINE = " picture line "
OCR_OFF = "OCR is off"
_WORD = re.compile(r"[^\W_]{3,}")
# A text layer "says more" when this share of its words (and at least this many) are not
# in the picture, or when a number of six digits or more is not: OCR misses a word here
# and there, never a whole sentence or an identifier that is printed.
_MORE_SHARE = 0.2
_MORE_WORDS = 3
_LONG_NUMBER = re.compile(r"[0-9]{6,}")


def unread(extraction: Extraction, why: str) -> Extraction:
    """Every picture of ``extraction`` as a gap: ``why`` none was read."""
    gaps = tuple(
        f"{picture.where} ({picture.reason}): not read, {why}" for picture in extraction.pictures
    )
    return replace(extraction, gaps=extraction.gaps + gaps)


def read_pictures(
    extraction: Extraction,
    limits: Limits,
    *,
    engine: Callable[[], OcrEngine],
    deadline: float,
    advance: Callable[[int], None] | None = None,
) -> Extraction:
    """``extraction`` with its pictures read (``engine`` loads the OCR engine once)."""
    from spcheck.content.ocr.fills import filled_boxes
    from spcheck.content.ocr.pixels import pixels_of

    pictures = extraction.pictures
    reading = _Reading(extraction)
    cap = limits.max_ocr_pages
    for picture in pictures[cap:]:
        reading.gap(picture, f"over the cap of {cap:,} pictures read a file")
    try:
        ocr = engine() if pictures else None
    except OcrError as error:
        return unread(extraction, f"OCR could not run: {error}")
    for picture in pictures[:cap]:
        if time.monotonic() >= deadline:
            reading.gap(picture, "the file's time limit ran out first")
        else:
            try:
                image, scale = pixels_of(picture, limits)
                assert ocr is not None
                runs = ocr.read(image)
                fills = filled_boxes(image)
            except OcrError as error:
                reading.gap(picture, str(error))
            else:
                reading.add(picture, lines_of(runs), fills, scale)
        if advance is not None:
            advance(1)
    return reading.result()


class _Reading:
    def __init__(self, extraction: Extraction) -> None:
        self.extraction = extraction
        self.segments: list[TextSegment] = []
        self.visible: list[str] = []
        self.lines: dict[str, PictureLine] = {}
        self.fills: dict[str, tuple[Box, ...]] = {}
        self.gaps: list[str] = []
        self.hidden = list(extraction.hidden)
        self.notes = dict(extraction.notes)
        self.read = 0

    def gap(self, picture: Picture, why: str) -> None:
        self.gaps.append(f"{picture.where} ({picture.reason}): not read, {why}")

    def add(
        self,
        picture: Picture,
        lines: list[PictureText],
        fills: list[tuple[float, float, float, float]],
        scale: float,
    ) -> None:
        self.read += 1
        texts: list[str] = []
        for number, line in enumerate(lines, start=1):
            text, positions = normalise(line.text)
            location = f"{picture.where}{PICTURE_LINE}{number}"
            last = len(line.boxes) - 1
            boxes = tuple(_box(line.boxes[min(p, last)], scale) for p in positions)
            self.segments.append(TextSegment(text, location))
            self.lines[location] = PictureLine(picture.where, picture.unit, boxes)
            texts.append(text)
        self.visible.extend(texts)
        self.fills[picture.where] = tuple(_box(fill, scale) for fill in fills)
        if picture.kind == "pdf_page":
            self._compare_layer(picture, texts)

    def _compare_layer(self, picture: Picture, texts: list[str]) -> None:
        """The page's text layer against what its picture shows."""
        prefix = f"{picture.where} line "
        layer = [s for s in self.extraction.segments if s.location.startswith(prefix)]
        # The page's own invisible-text item is replaced by this comparison: an OCR layer
        # that matches its picture is what a scanner makes, not hidden words.
        self.hidden = [
            h
            for h in self.hidden
            if not (h.kind == "pdf_invisible_text" and h.location == picture.where)
        ]
        if not layer:
            return
        shown = _flat(" ".join(texts))
        words = [w for s in layer for w in _WORD.findall(s.text)]
        missing = [w for w in words if _flat(w) not in shown]
        # A long number missing from the picture counts on its own only in text drawn
        # invisibly (a scanner's layer): visible small print OCR missed is not hidden.
        unseen = [s for s in layer if self.notes.get(s.location) == "invisible text"]
        numbers = [
            w
            for s in unseen
            for w in _WORD.findall(s.text)
            if _LONG_NUMBER.search(_flat(w)) and _flat(w) not in shown
        ]
        if numbers or (len(missing) >= _MORE_WORDS and len(missing) >= _MORE_SHARE * len(words)):
            self.hidden.append(
                HiddenItem(
                    "pdf_invisible_text",
                    picture.where,
                    f"the page's text layer says more than its picture shows: "
                    f"{counted(len(missing), 'word')} of {len(words)} in the layer "
                    f"({counted(len(numbers), 'number')}) are not on the page as it is seen",
                )
            )
            return
        for segment in layer:
            if self.notes.get(segment.location) == "invisible text":
                del self.notes[segment.location]

    def result(self) -> Extraction:
        extraction = self.extraction
        visible = "\n".join(filter(None, [extraction.visible_text, *self.visible]))
        return replace(
            extraction,
            segments=extraction.segments + tuple(self.segments),
            visible_text=visible,
            hidden=tuple(self.hidden),
            notes=self.notes,
            gaps=extraction.gaps + tuple(self.gaps),
            picture_lines={**extraction.picture_lines, **self.lines},
            picture_fills={**extraction.picture_fills, **self.fills},
            pictures_read=extraction.pictures_read + self.read,
        )


def _box(rect: tuple[float, float, float, float], scale: float) -> Box:
    return Box(rect[0] / scale, rect[1] / scale, rect[2] / scale, rect[3] / scale)


_FLAT = str.maketrans(LOOKALIKES)


def _flat(text: str) -> str:
    """Lower case, look-alikes as digits, no spaces or punctuation: how a word is matched
    across OCR's lost spaces and misread letters."""
    return "".join(c for c in text.translate(_FLAT).lower() if c.isalnum())
