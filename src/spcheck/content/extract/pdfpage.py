"""One PDF page through pdfminer (via pdfplumber): characters with their positions,
colours, painting order and render mode; filled shapes with their opacity; lines of text.

pdfplumber's own character dicts do not carry the text render mode, so the page is
laid out with a device that records it, the way pdfplumber records marked-content ids.
pdfminer does not apply ``gs`` (graphics state dictionaries) at all, so the interpreter
here reads the fill opacity and blend mode from them, keeping them through ``q``/``Q``
and into form XObjects, and the device stamps them on each filled shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage, LTPage, LTRect
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSLiteral, literal_name
from pdfplumber.page import Page, PDFPageAggregatorWithMarkedContent

from spcheck.content.extract import colours
from spcheck.content.extract.concealed import concealed
from spcheck.content.interface import Box

# Render modes that neither fill nor stroke: 3 (invisible) and 7 (clip only).
INVISIBLE_MODES = frozenset({3, 7})
_LINE_TOLERANCE = 3.0  # points between character tops on one line (pdfplumber's default)
_WORD_GAP = 3.0  # a gap wider than this between characters reads as a space
_MAX_FILLS = 20_000


class _ModeRecordingDevice(PDFPageAggregatorWithMarkedContent):
    _mode = 0
    fill_alpha = 1.0
    blend = "Normal"

    def paint_shading(self) -> None:
        # pdfminer draws nothing for ``sh``, and the clip it fills is not tracked, so the
        # shading stands as a box over the whole page or form: text painted on it later is
        # on a backdrop (a gradient cover page), never white on white.
        shading = LTRect(0, self.cur_item.bbox, fill=True)
        setattr(shading, "spcheck_alpha", self.fill_alpha)  # noqa: B010
        setattr(shading, "spcheck_blend", self.blend)  # noqa: B010
        self.cur_item.add(shading)

    def paint_path(self, gstate: Any, stroke: bool, fill: bool, evenodd: bool, path: Any) -> None:
        before = len(self.cur_item._objs)
        super().paint_path(gstate, stroke, fill, evenodd, path)
        for item in self.cur_item._objs[before:]:
            setattr(item, "spcheck_alpha", self.fill_alpha)  # noqa: B010
            setattr(item, "spcheck_blend", self.blend)  # noqa: B010

    def render_string(self, textstate: Any, seq: Any, ncs: Any, graphicstate: Any) -> None:
        self._mode = textstate.render
        super().render_string(textstate, seq, ncs, graphicstate)

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        advance: float = super().render_char(*args, **kwargs)
        setattr(self.cur_item._objs[-1], "spcheck_mode", self._mode)  # noqa: B010
        return advance


def _number(value: Any, default: float) -> float:
    value = resolve1(value)
    return float(value) if isinstance(value, int | float) else default


class _OpacityInterpreter(PDFPageInterpreter):
    """pdfminer's interpreter plus the fill opacity and blend mode of ``gs``."""

    _inherited: tuple[float, str] = (1.0, "Normal")

    def init_state(self, ctm: Any) -> None:
        super().init_state(ctm)
        self._alpha, self._blend = self._inherited
        self._sync()

    def _sync(self) -> None:
        device = self.device
        if isinstance(device, _ModeRecordingDevice):
            device.fill_alpha, device.blend = self._alpha, self._blend

    def do_gs(self, name: Any) -> None:
        states = resolve1((self.resources or {}).get("ExtGState"))
        params = resolve1(states.get(literal_name(name))) if isinstance(states, dict) else None
        if not isinstance(params, dict):
            return
        if "ca" in params:
            self._alpha = min(1.0, max(0.0, _number(params["ca"], self._alpha)))
        if "BM" in params:
            mode = resolve1(params["BM"])
            if isinstance(mode, list) and mode:
                mode = resolve1(mode[0])
            if isinstance(mode, PSLiteral):
                self._blend = literal_name(mode)
        self._sync()

    def get_current_state(self) -> Any:
        return (super().get_current_state(), self._alpha, self._blend)

    def set_current_state(self, state: Any) -> None:
        base, self._alpha, self._blend = state
        super().set_current_state(base)
        self._sync()

    def dup(self) -> PDFPageInterpreter:
        # pdfminer makes a form XObject's interpreter here; the form starts from the
        # graphics state it is painted in.
        child = super().dup()
        if isinstance(child, _OpacityInterpreter):
            child._inherited = (self._alpha, self._blend)
        return child

    def do_sh(self, name: Any) -> None:
        device = self.device
        if isinstance(device, _ModeRecordingDevice):
            device.paint_shading()

    def do_Do(self, xobjid_arg: Any) -> None:
        super().do_Do(xobjid_arg)
        self._sync()


@dataclass(slots=True)
class RawChar:
    text: str
    box: Box
    colour: colours.RGB | None
    order: int
    mode: int
    line: int = 0
    concealed: bool = False  # drawn visibly, yet no reader sees it (white on white, tiny...)

    @property
    def invisible(self) -> bool:
        return self.mode in INVISIBLE_MODES or self.concealed


@dataclass(slots=True)
class RawFill:
    box: Box
    colour: colours.RGB | None
    order: int
    alpha: float = 1.0
    blend: str = "Normal"


@dataclass(slots=True)
class LaidOutPage:
    width: float
    height: float
    chars: list[RawChar]
    fills: list[RawFill]
    lines: list[str]  # text of line 1, 2, ... (index + 1)
    invisible_lines: dict[int, str]  # line -> its invisible characters
    pictures: list[Box]  # where images are painted
    drawn: int = 0  # filled and stroked shapes (a page of text drawn as outlines has many)


def lay_out(page: Page) -> LaidOutPage:
    device = _ModeRecordingDevice(page.pdf.rsrcmgr, pageno=page.page_number, laparams=None)
    _OpacityInterpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    layout: LTPage = device.get_result()
    x_origin, _, _, y_top = layout.bbox
    height = layout.height
    chars: list[RawChar] = []
    fills: list[RawFill] = []
    pictures: list[tuple[Box, int]] = []
    drawn = 0
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
            drawn += 1
            if item.fill and len(fills) < _MAX_FILLS and item.width > 0 and item.height > 0:
                box = Box(item.x0 - x_origin, y_top - item.y1, item.x1 - x_origin, y_top - item.y0)
                colour = colours.from_components(item.non_stroking_color)
                alpha = getattr(item, "spcheck_alpha", 1.0)
                blend = getattr(item, "spcheck_blend", "Normal")
                fills.append(RawFill(box, colour, order, alpha, blend))
        elif isinstance(item, LTImage):
            box = Box(item.x0 - x_origin, y_top - item.y1, item.x1 - x_origin, y_top - item.y0)
            pictures.append((box, order))
        elif isinstance(item, LTContainer):
            stack.extend(reversed(item._objs))
    backdrops = [(fill.box, fill.order) for fill in fills if fill.alpha >= 0.5] + pictures
    for index in concealed(chars, backdrops, layout.width, height):
        chars[index].concealed = True
    lines, invisible = _lines(chars)
    boxes = [box for box, _ in pictures]
    return LaidOutPage(layout.width, height, chars, fills, lines, invisible, boxes, drawn)


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
            if char.invisible:
                hidden.append(char.text)
            previous = char
        lines.append("".join(pieces))
        if "".join(hidden).strip():
            invisible[number] = "".join(hidden)
    return lines, invisible
