"""OCR runs into lines of text, each character with its box.

The engine returns runs of text (a label, a value, a cell) in no reliable order. A form's
label and its value are often two runs on one row: they are joined into one line, left to
right, so "CHI number" and the number after it are read together, as a reader reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from spcheck.content.ocr.interface import OcrText

Rect = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class PictureText:
    """A line of text read from a picture; ``boxes`` holds one box per character."""

    text: str
    boxes: tuple[Rect, ...]


def _same_row(line: list[OcrText], run: OcrText) -> bool:
    top = min(r.box[1] for r in line)
    bottom = max(r.box[3] for r in line)
    overlap = min(bottom, run.box[3]) - max(top, run.box[1])
    height = min(bottom - top, run.box[3] - run.box[1])
    return height > 0 and overlap >= 0.5 * height


def _char_boxes(run: OcrText) -> list[Rect]:
    x0, top, x1, bottom = run.box
    step = (x1 - x0) / max(1, len(run.text))
    return [(x0 + step * i, top, x0 + step * (i + 1), bottom) for i in range(len(run.text))]


def lines_of(runs: list[OcrText]) -> list[PictureText]:
    """The runs grouped into lines, top to bottom, each line's runs left to right."""
    rows: list[list[OcrText]] = []
    for run in sorted(runs, key=lambda r: ((r.box[1] + r.box[3]) / 2, r.box[0])):
        for row in reversed(rows[-3:]):  # a run belongs to one of the last few rows
            if _same_row(row, run):
                row.append(run)
                break
        else:
            rows.append([run])
    rows.sort(key=lambda row: min(r.box[1] for r in row))
    lines: list[PictureText] = []
    for row in rows:
        row.sort(key=lambda r: r.box[0])
        text: list[str] = []
        boxes: list[Rect] = []
        for run in row:
            if text:
                previous = boxes[-1]
                text.append(" ")
                boxes.append((previous[2], previous[1], run.box[0], previous[3]))
            text.append(run.text)
            boxes.extend(_char_boxes(run))
        lines.append(PictureText("".join(text), tuple(boxes)))
    return lines
