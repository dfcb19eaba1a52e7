"""Excel workbooks: every sheet (hidden and very hidden ones too), shared strings no cell
uses any more, comments, pivot caches (they keep the whole source table), external-link
caches, drawings and charts.

A cell is ``sheet 'Name' B7``; a number cell is flagged so that a CHI that lost its
leading zero can still be recognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from spcheck.content.detectors.interface import TextSegment
from spcheck.content.extract import safexml
from spcheck.content.extract.embedded import with_embedded
from spcheck.content.extract.ooxml import Package, drawing_segments
from spcheck.content.extract.wording import counted
from spcheck.content.interface import Extraction, Extractor, HiddenItem, Limits, MalformedFile

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_OFFICE_DOCUMENT = re.compile(r".*/officeDocument$")
_REF = re.compile(r"([A-Za-z]{1,3})([0-9]+)")
_INTEGRAL = re.compile(r"-?[0-9]+(?:\.0*)?")
_SCIENTIFIC = re.compile(r"-?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+")


def column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index


def column_letters(index: int) -> str:
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def number_text(value: str) -> str:
    """A stored number as a person would read it: ``1.01011237E8`` is ``101011237``."""
    value = value.strip()
    if _INTEGRAL.fullmatch(value):
        return value.split(".")[0]
    if _SCIENTIFIC.fullmatch(value):
        number = float(value)
        if number.is_integer() and abs(number) < 1e16:
            return str(int(number))
    return value


def _string_item(item: Element) -> str:
    """The text of a shared string (``si``) without its phonetic guide runs."""
    pieces = []
    for child in item:
        if child.tag == f"{S}t":
            pieces.append(child.text or "")
        elif child.tag == f"{S}r":
            text = child.find(f"{S}t")
            if text is not None:
                pieces.append(text.text or "")
    return "".join(pieces)


@dataclass(slots=True)
class _Sheet:
    name: str
    state: str  # visible, hidden, veryHidden
    part: str
    cells: int = 0
    hidden_cells: int = 0
    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)

    def column_hidden(self, index: int) -> bool:
        return any(low <= index <= high for low, high in self.hidden_columns)


class _Workbook:
    def __init__(self, package: Package) -> None:
        self.package = package
        self.segments: list[TextSegment] = []
        self.visible: list[str] = []
        self.hidden: list[HiddenItem] = []
        self.notes: dict[str, str] = {}
        self.shared: list[str] = []
        self.used: set[int] = set()

    def read(self) -> None:
        package = self.package
        workbook = self._workbook_part()
        root = package.zip.xml(workbook)
        relationships = package.relationships(workbook)
        strings_part = next(
            (p for p in relationships.values() if p.lower().endswith("sharedstrings.xml")), None
        )
        if strings_part and package.zip.has(strings_part):
            strings = package.zip.xml(strings_part)
            self.shared = [_string_item(item) for item in strings.iter(f"{S}si")]
        sheets = []
        for element in root.iter(f"{S}sheet"):
            part = relationships.get(element.get(_R_ID, ""), "")
            sheets.append(_Sheet(element.get("name", "?"), element.get("state", "visible"), part))
        for number, sheet in enumerate(sheets, start=1):
            self.segments.append(TextSegment(sheet.name, f"sheet name {number}"))
            if (
                sheet.part
                and package.zip.has(sheet.part)
                and "worksheet" in (package.content_type(sheet.part) or "worksheet")
            ):
                self._sheet(sheet)
            self._report_sheet(sheet)
        for index, text in enumerate(self.shared):
            if index not in self.used and text.strip():
                self.segments.append(
                    TextSegment(text, f"shared string {index + 1} (used by no cell)")
                )
        self._comments()
        self._pivot_caches()
        self._external_links()
        for part in package.parts(r"xl/(?:drawings/drawing|charts/chart|diagrams/data)[^/]*\.xml"):
            self.segments.extend(drawing_segments(package.zip.xml(part), part))

    def _workbook_part(self) -> str:
        for target in self.package.relationships("").values():
            if target.lower().endswith("workbook.xml"):
                return target
        if self.package.zip.has("xl/workbook.xml"):
            return "xl/workbook.xml"
        raise MalformedFile("a workbook without xl/workbook.xml")

    def _sheet(self, sheet: _Sheet) -> None:
        data = self.package.zip.read(sheet.part)
        row_number = 0
        row_hidden = False
        column = 0
        sheet_note = {"hidden": "hidden sheet", "veryHidden": "very hidden sheet"}.get(sheet.state)
        for event, element in safexml.iterparse(data, sheet.part):
            tag = element.tag
            if event == "start":
                if tag == f"{S}row":
                    row_number = int(element.get("r") or row_number + 1)
                    row_hidden = element.get("hidden", "0") in ("1", "true")
                    if row_hidden:
                        sheet.hidden_rows.append(row_number)
                    column = 0
                continue
            if tag == f"{S}col" and element.get("hidden", "0") in ("1", "true"):
                sheet.hidden_columns.append(
                    (int(element.get("min", "0")), int(element.get("max", "0")))
                )
            elif tag == f"{S}c":
                ref = element.get("r")
                match = _REF.fullmatch(ref) if ref else None
                if match:
                    column = column_index(match.group(1))
                    ref = f"{match.group(1).upper()}{match.group(2)}"
                else:
                    column += 1
                    ref = f"{column_letters(column)}{row_number}"
                self._cell(sheet, element, ref, column, row_hidden, sheet_note)
                element.clear()
            elif tag == f"{S}row":
                element.clear()

    def _cell(
        self,
        sheet: _Sheet,
        cell: Element,
        ref: str,
        column: int,
        row_hidden: bool,
        sheet_note: str | None,
    ) -> None:
        kind = cell.get("t", "n")
        value = cell.find(f"{S}v")
        raw = value.text if value is not None and value.text is not None else None
        numeric = False
        text: str | None = None
        if kind == "s" and raw is not None:
            try:
                index = int(raw)
            except ValueError:
                index = -1
            if 0 <= index < len(self.shared):
                self.used.add(index)
                text = self.shared[index]
        elif kind == "inlineStr":
            inline = cell.find(f"{S}is")
            text = _string_item(inline) if inline is not None else None
        elif kind in ("str", "d") and raw is not None:
            text = raw
        elif kind == "n" and raw is not None:
            text = number_text(raw)
            numeric = True
        location = f"sheet '{sheet.name}' {ref}"
        formula = cell.find(f"{S}f")
        if formula is not None and formula.text and formula.text.strip():
            self.segments.append(TextSegment(formula.text, f"{location} (formula)"))
        if text is None or not text.strip():
            return
        sheet.cells += 1
        self.segments.append(TextSegment(text, location, numeric))
        note = sheet_note
        if row_hidden or sheet.column_hidden(column):
            sheet.hidden_cells += 1
            note = note or ("hidden row" if row_hidden else "hidden column")
        if note:
            self.notes[location] = note
        else:
            self.visible.append(text)

    def _report_sheet(self, sheet: _Sheet) -> None:
        where = f"sheet '{sheet.name}'"
        if sheet.state in ("hidden", "veryHidden") and sheet.cells:
            how = (
                "a very hidden sheet (shown only through the VBA editor)"
                if sheet.state == "veryHidden"
                else "a hidden sheet"
            )
            self.hidden.append(
                HiddenItem("hidden_sheet", where, f"{how} holding {counted(sheet.cells, 'value')}")
            )
        if sheet.hidden_cells:
            parts = []
            if sheet.hidden_rows:
                noun = "row" if len(sheet.hidden_rows) == 1 else "rows"
                parts.append(f"{noun} {_ranges(sheet.hidden_rows)}")
            if sheet.hidden_columns:
                columns = [
                    f"{column_letters(low)}" + (f"-{column_letters(high)}" if high > low else "")
                    for low, high in sheet.hidden_columns[:10]
                ]
                noun = "column" if len(columns) == 1 and "-" not in columns[0] else "columns"
                parts.append(f"{noun} {', '.join(columns)}")
            self.hidden.append(
                HiddenItem(
                    "hidden_rowcol",
                    where,
                    f"{counted(sheet.hidden_cells, 'value')} in hidden {' and '.join(parts)}",
                )
            )

    def _comments(self) -> None:
        package = self.package
        for part in package.parts(r"xl/comments[^/]*\.xml|xl/comments/[^/]+\.xml"):
            root = package.zip.xml(part)
            count = 0
            for comment in root.iter(f"{S}comment"):
                text = "".join(comment.itertext())
                if text.strip():
                    count += 1
                    self.segments.append(
                        TextSegment(text, f"{part} cell {comment.get('ref', '?')}")
                    )
            if count:
                self.hidden.append(HiddenItem("comment", part, counted(count, "cell note")))
        for part in package.parts(r"xl/threadedComments/[^/]+\.xml"):
            root = package.zip.xml(part)
            count = 0
            for comment in root:
                text = "".join(comment.itertext())
                if text.strip():
                    count += 1
                    self.segments.append(
                        TextSegment(text, f"{part} cell {comment.get('ref', '?')}")
                    )
            if count:
                self.hidden.append(HiddenItem("comment", part, counted(count, "threaded comment")))

    def _pivot_caches(self) -> None:
        package = self.package
        for number, part in enumerate(
            package.parts(r"xl/pivotCache/pivotCacheDefinition[^/]*\.xml"), start=1
        ):
            root = package.zip.xml(part)
            names = []
            for field_number, cache_field in enumerate(root.iter(f"{S}cacheField"), start=1):
                name = cache_field.get("name", str(field_number))
                names.append(name)
                items = cache_field.find(f"{S}sharedItems")
                for item_number, item in enumerate(items if items is not None else (), start=1):
                    value = item.get("v")
                    if value and value.strip():
                        numeric = safexml.local(item.tag) == "n"
                        self.segments.append(
                            TextSegment(
                                number_text(value) if numeric else value,
                                f"pivot cache {number} field '{name}' item {item_number}",
                                numeric,
                            )
                        )
            records = self._pivot_records(number, part, names)
            self.hidden.append(
                HiddenItem(
                    "pivot_cache",
                    part,
                    f"a pivot cache keeping {records or root.get('recordCount', 'the')} rows of "
                    f"its source table ({len(names)} fields), whatever the pivot table shows",
                )
            )

    def _pivot_records(self, number: int, definition: str, names: list[str]) -> int:
        records_part = next(
            (
                target
                for target in self.package.relationships(definition).values()
                if "pivotcacherecords" in target.lower()
            ),
            None,
        )
        if not records_part or not self.package.zip.has(records_part):
            return 0
        root = self.package.zip.xml(records_part)
        count = 0
        for record in root.iter(f"{S}r"):
            count += 1
            for index, item in enumerate(record):
                kind = safexml.local(item.tag)
                value = item.get("v")
                if kind == "x" or not value or not value.strip():
                    continue  # x points into the definition's shared items, read above
                name = names[index] if index < len(names) else str(index + 1)
                numeric = kind == "n"
                self.segments.append(
                    TextSegment(
                        number_text(value) if numeric else value,
                        f"pivot cache {number} record {count} field '{name}'",
                        numeric,
                    )
                )
        return count

    def _external_links(self) -> None:
        package = self.package
        for part in package.parts(r"xl/externalLinks/externalLink[^/]*\.xml"):
            root = package.zip.xml(part)
            count = 0
            for cell in root.iter(f"{S}cell"):
                value = cell.find(f"{S}v")
                if value is not None and value.text and value.text.strip():
                    count += 1
                    self.segments.append(
                        TextSegment(value.text, f"{part} cell {cell.get('r', '?')}")
                    )
            if count:
                self.hidden.append(
                    HiddenItem(
                        "embedded_object",
                        part,
                        f"{counted(count, 'value')} cached from a linked workbook",
                    )
                )


def _ranges(numbers: list[int]) -> str:
    spans: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        spans.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
        if len(spans) == 10:
            spans.append("...")
            break
    return ", ".join(spans)


class XlsxExtractor(Extractor):
    file_type = "xlsx"

    def extract(self, data: bytes, limits: Limits, *, positions: bool) -> Extraction:
        package = Package(data, limits)
        workbook = _Workbook(package)
        workbook.read()
        segments, hidden = package.properties()
        extraction = Extraction(
            type="xlsx",
            segments=tuple(workbook.segments + segments),
            visible_text="\n".join(workbook.visible),
            hidden=tuple(workbook.hidden + hidden),
            macros=package.has_macros(),
            notes=workbook.notes,
        )
        return with_embedded(extraction, package, limits, positions=positions)
