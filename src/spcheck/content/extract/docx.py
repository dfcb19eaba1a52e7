"""Word documents from their raw XML parts, not python-docx: ``paragraph.text`` drops
inserted and deleted runs, and the parts a person can recover are exactly the ones a
reader does not show (deletions, hidden text, comments, headers, text boxes).

Each paragraph of each part is a line: ``word/document.xml line 12``. Deleted, hidden
and field-code text of a line become their own segments, located with a qualifier.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from xml.etree.ElementTree import Element

from spcheck.content.detectors.interface import TextSegment
from spcheck.content.extract import colours, safexml
from spcheck.content.extract.embedded import with_embedded
from spcheck.content.extract.marks import real_text
from spcheck.content.extract.ooxml import MC_FALLBACK, Package, drawing_segments
from spcheck.content.extract.wording import counted
from spcheck.content.interface import (
    Extraction,
    Extractor,
    FakeRedaction,
    HiddenItem,
    Limits,
)
from spcheck.domain.findings import mask

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_VAL = f"{W}val"
_NOT_TEXT_PARTS = frozenset(
    {
        "word/styles.xml",
        "word/stylesWithEffects.xml",
        "word/settings.xml",
        "word/webSettings.xml",
        "word/fontTable.xml",
        "word/numbering.xml",
    }
)
_DELETED = frozenset({f"{W}del", f"{W}moveFrom"})
_CHANGES = frozenset({f"{W}ins", f"{W}del", f"{W}moveFrom", f"{W}moveTo"})
_SKIP_IN_PARAGRAPH = frozenset({f"{W}pPr", f"{W}rPr", f"{W}txbxContent", MC_FALLBACK})


@dataclass(frozen=True, slots=True)
class RunLook:
    """The run properties that decide whether text can be seen; None means not set."""

    vanish: bool | None = None
    highlight: str | None = None
    shading: colours.RGB | None = None
    colour: colours.RGB | None = None
    auto_colour: bool = False

    def over(self, base: RunLook) -> RunLook:
        return RunLook(
            self.vanish if self.vanish is not None else base.vanish,
            self.highlight if self.highlight is not None else base.highlight,
            self.shading if self.shading is not None else base.shading,
            self.colour if self.colour is not None or self.auto_colour else base.colour,
            self.auto_colour or (self.colour is None and base.auto_colour),
        )


def _on(element: Element) -> bool:
    return element.get(_VAL, "true").lower() not in ("0", "false", "off", "none")


def shading_fill(shd: Element | None) -> colours.RGB | None:
    if shd is None:
        return None
    if shd.get(_VAL) == "solid":
        return colours.from_hex(shd.get(f"{W}color")) or colours.from_hex(shd.get(f"{W}fill"))
    return colours.from_hex(shd.get(f"{W}fill"))


def run_look(rpr: Element | None) -> RunLook:
    if rpr is None:
        return RunLook()
    vanish = rpr.find(f"{W}vanish")
    highlight = rpr.find(f"{W}highlight")
    colour = rpr.find(f"{W}color")
    colour_value = colour.get(_VAL) if colour is not None else None
    return RunLook(
        vanish=_on(vanish) if vanish is not None else None,
        highlight=highlight.get(_VAL) if highlight is not None else None,
        shading=shading_fill(rpr.find(f"{W}shd")),
        colour=colours.from_hex(colour_value),
        auto_colour=colour_value == "auto",
    )


class Styles:
    """Run properties through styles.xml: defaults, paragraph style chain, run style chain."""

    def __init__(self, root: Element | None) -> None:
        self._looks: dict[str, tuple[str | None, RunLook]] = {}
        self._default = RunLook()
        self.default_paragraph: str | None = None
        self._cache: dict[tuple[str | None, str | None], RunLook] = {}
        if root is None:
            return
        defaults = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
        self._default = run_look(defaults)
        for style in root.iter(f"{W}style"):
            style_id = style.get(f"{W}styleId")
            if not style_id:
                continue
            based = style.find(f"{W}basedOn")
            self._looks[style_id] = (
                based.get(_VAL) if based is not None else None,
                run_look(style.find(f"{W}rPr")),
            )
            if style.get(f"{W}type") == "paragraph" and _on_attr(style.get(f"{W}default")):
                self.default_paragraph = style_id

    def _chain(self, style_id: str | None, base: RunLook) -> RunLook:
        chain: list[RunLook] = []
        seen: set[str] = set()
        while style_id and style_id in self._looks and style_id not in seen and len(seen) < 32:
            seen.add(style_id)
            parent, look = self._looks[style_id]
            chain.append(look)
            style_id = parent
        for look in reversed(chain):
            base = look.over(base)
        return base

    def look(self, paragraph_style: str | None, run_style: str | None) -> RunLook:
        key = (paragraph_style, run_style)
        if key not in self._cache:
            look = self._chain(paragraph_style or self.default_paragraph, self._default)
            self._cache[key] = self._chain(run_style, look)
        return self._cache[key]


def _on_attr(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "on")


@dataclass(slots=True)
class _Piece:
    text: str
    state: str  # visible, deleted, hidden, field
    fake: str | None = None  # why the text looks redacted, when it does


def _paragraphs(root: Element) -> Iterator[tuple[Element, colours.RGB | None]]:
    """Paragraphs in document order (text-box paragraphs after their anchor) with the
    shading of the table cell they sit in."""
    stack: list[tuple[Element, colours.RGB | None]] = [(root, None)]
    while stack:
        element, cell_fill = stack.pop()
        if element.tag == MC_FALLBACK:
            continue
        if element.tag == f"{W}tc":
            cell_fill = shading_fill(element.find(f"{W}tcPr/{W}shd")) or cell_fill
        if element.tag == f"{W}p":
            yield element, cell_fill
        stack.extend((child, cell_fill) for child in reversed(element))


def _fake_reason(look: RunLook, background: colours.RGB | None) -> str | None:
    """Why text with this look is unreadable on the page, or None when it can be read."""
    highlight = colours.HIGHLIGHTS.get(look.highlight or "")
    behind = highlight or look.shading or background
    if behind is not None and colours.is_dark(behind):
        if look.colour is not None and colours.contrast(look.colour, behind) >= 3.0:
            return None  # light text on a dark fill: meant to be read
        if highlight is not None and look.highlight in ("black", "darkBlue", "darkRed"):
            return f"{look.highlight} highlight"
        return "dark shading"
    if look.colour is not None:
        page = behind or colours.WHITE
        if colours.contrast(look.colour, page) < 1.25:
            return "text coloured like its background"
    return None


class _PartReader:
    def __init__(self, part: str, styles: Styles) -> None:
        self.part = part
        self.styles = styles
        self.segments: list[TextSegment] = []
        self.visible: list[str] = []
        self.fakes: list[FakeRedaction] = []
        self.hidden_lines: list[tuple[int, str]] = []

    def read(self, root: Element) -> None:
        for number, (paragraph, cell_fill) in enumerate(_paragraphs(root), start=1):
            self._paragraph(number, paragraph, cell_fill)

    def _paragraph(self, number: int, paragraph: Element, cell_fill: colours.RGB | None) -> None:
        ppr = paragraph.find(f"{W}pPr")
        style = ppr.find(f"{W}pStyle") if ppr is not None else None
        paragraph_style = style.get(_VAL) if style is not None else None
        background = shading_fill(ppr.find(f"{W}shd") if ppr is not None else None) or cell_fill
        pieces: list[_Piece] = []
        self._walk(paragraph, False, paragraph_style, background, pieces)
        location = f"{self.part} line {number}"
        visible = "".join(p.text for p in pieces if p.state == "visible")
        if visible.strip():
            self.segments.append(TextSegment(visible, location))
            self.visible.append(visible)
        for state, qualifier in (
            ("deleted", "tracked deletion"),
            ("hidden", "hidden text"),
            ("field", "field code"),
        ):
            for text in _groups(pieces, state):
                if text.strip():
                    self.segments.append(TextSegment(text, f"{location} ({qualifier})"))
                    if state == "hidden":
                        self.hidden_lines.append((number, text))
        for reason, text in _fake_groups(pieces):
            real = real_text(text.split())
            if real:
                self.fakes.append(FakeRedaction(location, reason, mask(real)))

    def _walk(
        self,
        element: Element,
        deleted: bool,
        paragraph_style: str | None,
        background: colours.RGB | None,
        pieces: list[_Piece],
    ) -> None:
        for child in element:
            tag = child.tag
            if tag in _SKIP_IN_PARAGRAPH or tag == f"{W}p":
                continue
            if tag == f"{W}r":
                self._run(child, deleted, paragraph_style, background, pieces)
            else:
                self._walk(child, deleted or tag in _DELETED, paragraph_style, background, pieces)

    def _run(
        self,
        run: Element,
        deleted: bool,
        paragraph_style: str | None,
        background: colours.RGB | None,
        pieces: list[_Piece],
    ) -> None:
        rpr = run.find(f"{W}rPr")
        run_style = rpr.find(f"{W}rStyle") if rpr is not None else None
        base = self.styles.look(
            paragraph_style, run_style.get(_VAL) if run_style is not None else None
        )
        look = run_look(rpr).over(base)
        state = "deleted" if deleted else ("hidden" if look.vanish else "visible")
        fake = _fake_reason(look, background) if state == "visible" else None
        for child in run:
            tag = child.tag
            if tag in (f"{W}t", f"{W}delText"):
                text = child.text or ""
            elif tag == f"{W}instrText":
                if child.text:
                    pieces.append(_Piece(child.text, "deleted" if deleted else "field"))
                continue
            elif tag == f"{W}tab":
                text = "\t"
            elif tag in (f"{W}br", f"{W}cr"):
                text = " "
            elif tag == f"{W}noBreakHyphen":
                text = "-"
            else:
                continue
            if pieces and pieces[-1].state == state and pieces[-1].fake == fake:
                pieces[-1].text += text
            else:
                pieces.append(_Piece(text, state, fake))


def _groups(pieces: list[_Piece], state: str) -> Iterator[str]:
    """Runs of consecutive pieces in ``state``, joined."""
    current: list[str] = []
    for piece in pieces:
        if piece.state == state:
            current.append(piece.text)
        elif current:
            yield "".join(current)
            current = []
    if current:
        yield "".join(current)


def _fake_groups(pieces: list[_Piece]) -> Iterator[tuple[str, str]]:
    """Runs of consecutive visible pieces that look redacted for the same reason."""
    reason: str | None = None
    current: list[str] = []
    for piece in pieces:
        if piece.state != "visible":
            continue
        if piece.fake != reason:
            if reason is not None and current:
                yield reason, "".join(current)
            current = []
            reason = piece.fake
        if reason is not None:
            current.append(piece.text)
    if reason is not None and current:
        yield reason, "".join(current)


def _text_parts(package: Package) -> list[str]:
    parts = [
        name
        for name in package.parts(r"word/[^/]+\.xml|word/glossary/document\.xml")
        if name not in _NOT_TEXT_PARTS
    ]
    # The body first: the detectors read each segment with the one before it as context.
    return sorted(parts, key=lambda name: name.lower() != "word/document.xml")


def _tracked_changes(part: str, root: Element) -> HiddenItem | None:
    counts = {"insertion": 0, "deletion": 0, "move": 0}
    for element in root.iter():
        if element.tag in _CHANGES:
            if element.tag == f"{W}ins":
                counts["insertion"] += 1
            elif element.tag == f"{W}del":
                counts["deletion"] += 1
            else:
                counts["move"] += 1
    total = sum(counts.values())
    if not total:
        return None
    detail = ", ".join(counted(n, kind) for kind, n in counts.items() if n)
    return HiddenItem(
        "tracked_change",
        part,
        f"{counted(total, 'tracked change')} ({detail}): deleted text stays in the file",
    )


def _styles(package: Package, fake_redactions: bool) -> Styles:
    """The style sheet, parsed only when it can change what is reported: it hides text
    (``w:vanish``), or fake redactions are checked (highlight, shading, colour). Word's
    own style sheets run to hundreds of kilobytes."""
    if not package.zip.has("word/styles.xml"):
        return Styles(None)
    data = package.zip.read("word/styles.xml")
    if not fake_redactions and b"vanish" not in data:
        return Styles(None)
    return _parsed_styles(data)


@lru_cache(maxsize=16)
def _parsed_styles(data: bytes) -> Styles:
    # Documents from one template share their style sheet byte for byte.
    return Styles(safexml.parse(data, "word/styles.xml"))


class DocxExtractor(Extractor):
    file_type = "docx"

    def extract(self, data: bytes, limits: Limits, *, positions: bool) -> Extraction:
        package = Package(data, limits)
        styles = _styles(package, positions)
        segments, hidden = package.properties()
        body_segments: list[TextSegment] = []
        visible: list[str] = []
        fakes: list[FakeRedaction] = []
        for part in _text_parts(package):
            root = package.zip.xml(part)
            reader = _PartReader(part, styles)
            reader.read(root)
            body_segments.extend(reader.segments)
            fakes.extend(reader.fakes)
            if part.lower() == "word/document.xml":
                visible.extend(reader.visible)
            change = _tracked_changes(part, root)
            if change is not None:
                hidden.append(change)
            comments = sum(1 for _ in root.iter(f"{W}comment"))
            if comments:
                hidden.append(
                    HiddenItem(
                        "comment",
                        part,
                        f"{counted(comments, 'comment')} with author and text",
                    )
                )
            for number, text in reader.hidden_lines:
                hidden.append(
                    HiddenItem(
                        "hidden_text",
                        f"{part} line {number}",
                        f"hidden text ({len(text.strip())} characters) that Word does not show",
                        mask(text),
                    )
                )
        for part in package.parts(r"word/(?:charts/chart|diagrams/data)[^/]*\.xml"):
            body_segments.extend(drawing_segments(package.zip.xml(part), part))
        extraction = Extraction(
            type="docx",
            segments=tuple(body_segments + segments),
            visible_text="\n".join(visible),
            hidden=tuple(hidden),
            fake_redactions=tuple(fakes),
            macros=package.has_macros(),
        )
        return with_embedded(extraction, package, limits, positions=positions)
