"""One PDF page through pdfminer (via pdfplumber): characters with their positions,
colours, painting order and render mode; filled shapes; lines of text.

pdfplumber's own character dicts do not carry the text render mode, so the page is
laid out with a device that records it, the way pdfplumber records marked-content ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pdfminer.layout import LTChar, LTContainer, LTCurve, LTPage
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfplumber.page import Page, PDFPageAggregatorWithMarkedContent

from spcheck.content.extract import colours
from spcheck.content.interface import Box

# Render modes that neither fill nor stroke: 3 (invisible) and 7 (clip only).
INVISIBLE_MODES = frozenset({3, 7})
_LINE_TOLERANCE = 3.0  # points between character tops on one line (pdfplumber's default)
_WORD_GAP = 3.0  # a gap wider than this between characters reads as a space
_MAX_FILLS = 20_000


class _ModeRecordingDevice(PDFPageAggregatorWithMarkedContent):
    _mode = 0

    def render_string(self, textstate: Any, seq: Any, ncs: Any, graphicstate: Any) -> None:
        self._mode = textstate.render
        super().render_string(textstate, seq, ncs, graphicstate)

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        advance: float = super().render_char(*args, **kwargs)
        setattr(self.cur_item._objs[-1], "spcheck_mode", self._mode)  # noqa: B010
        return advance


@dataclass(slots=True)
class RawChar:
    text: str
    box: Box
    colour: colours.RGB | None
    order: int
    mode: int
    line: int = 0


@dataclass(slots=True)
class RawFill:
    box: Box
    colour: colours.RGB | None
    order: int


@dataclass(slots=True)
class LaidOutPage:
    width: float
    height: float
    chars: list[RawChar]
    fills: list[RawFill]
    lines: list[str]  # text of line 1, 2, ... (index + 1)
    invisible_lines: dict[int, str]  # line -> its invisible characters


def lay_out(page: Page) -> LaidOutPage:
    device = _ModeRecordingDevice(page.pdf.rsrcmgr, pageno=page.page_number, laparams=None)
    PDFPageInterpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    layout: LTPage = device.get_result()
    x_origin, _, _, y_top = layout.bbox
    height = layout.height
    chars: list[RawChar] = []
    fills: list[RawFill] = []
    order = 0
    stack: list[Any] = list(reversed(layout._objs))
    while stack:
        item = stack.pop()
        order += 1
        if isinstance(item, LTChar):
            box = Box(item.x0 - x_origin, y_top - item.y1, item.x1 - x_origin, y_top - item.y0)
            colour = colours.from_components(item.graphicstate.ncolor)
            mode = getattr(item, "spcheck_mode", 0)
            chars.append(RawChar(item.get_text(), box, colour, order, mode))
        elif isinstance(item, LTCurve):
            if item.fill and len(fills) < _MAX_FILLS and item.width > 0 and item.height > 0:
                box = Box(item.x0 - x_origin, y_top - item.y1, item.x1 - x_origin, y_top - item.y0)
                fills.append(RawFill(box, colours.from_components(item.non_stroking_color), order))
        elif isinstance(item, LTContainer):
            stack.extend(reversed(item._objs))
    lines, invisible = _lines(chars)
    return LaidOutPage(layout.width, height, chars, fills, lines, invisible)


def _lines(chars: list[RawChar]) -> tuple[list[str], dict[int, str]]:
    """Groups characters into lines top to bottom, left to right, numbering them."""
    ordered = sorted(chars, key=lambda c: (c.box.top, c.box.x0))
    groups: list[list[RawChar]] = []
    line_top = None
    for char in ordered:
        if line_top is None or char.box.top - line_top > _LINE_TOLERANCE:
            groups.append([])
            line_top = char.box.top
        groups[-1].append(char)
    lines: list[str] = []
    invisible: dict[int, str] = {}
    for number, group in enumerate(groups, start=1):
        group.sort(key=lambda c: c.box.x0)
        pieces: list[str] = []
        hidden: list[str] = []
        previous: RawChar | None = None
        for char in group:
            char.line = number
            if (
                previous is not None
                and char.box.x0 - previous.box.x1 > _WORD_GAP
                and not char.text.isspace()
                and not previous.text.isspace()
            ):
                pieces.append(" ")
            pieces.append(char.text)
            if char.mode in INVISIBLE_MODES:
                hidden.append(char.text)
            previous = char
        lines.append("".join(pieces))
        if "".join(hidden).strip():
            invisible[number] = "".join(hidden)
    return lines, invisible
