"""Reading a document's segments in order: which may hold an identifier, and their context.

Only a segment holding a digit, an "@" or a colon can hold a candidate of its own; any
other segment matters only when its context is a field label (a value cell after a label
cell, a cell under a "Child's name" header). ``read`` picks those segments out, mostly with
whole-document string and byte operations rather than a step per segment.

A segment's context is the segment before it (blank segments are skipped); for a
spreadsheet cell located as ``sheet '<name>' <column><row>`` it is the cell before it in
the same row and its column's header. Header-like cells (a label or a cue word) are
remembered per sheet column so the cells below inherit them. The cell to the left counts
as a label cell only in the same row and not in a header row (one with two header-like
cells or more before this one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import compress, count, repeat

from spcheck.content.detectors.batch import SEPARATOR
from spcheck.content.detectors.cues import CHI_CUE, DOB_CUE, NHS_CUE, PHONE_CUE, SCN_CUE
from spcheck.content.detectors.interface import TextSegment
from spcheck.content.detectors.labelled import label_of

_HAS_DIGIT = re.compile(r"[0-9]")
_SHEET = "sheet '"
_PREVIOUS_WIDTH = 80
_HEADER_WIDTH = 60
_LABEL_WIDTH = 60  # labelled.label_of: nothing longer is a label
_HEADER_CUE = re.compile(
    "|".join(f"(?:{cue.pattern})" for cue in (CHI_CUE, NHS_CUE, SCN_CUE, DOB_CUE, PHONE_CUE)),
    re.IGNORECASE,
)
_SEPARATOR_BYTE = SEPARATOR.encode("latin-1")
_DIGIT = ord("1")
_MARKS = bytes.maketrans(b"0123456789@:", b"111111111122")
_UNMARKED = bytes(b for b in range(256) if chr(b) not in "0123456789@:" + SEPARATOR)


class Reading:
    """The segments of a document worth scanning (``selected``) and their contexts.

    ``labels`` maps a position in ``selected`` to the field label its context gives.
    """

    __slots__ = ("_cells", "_texts", "labels", "selected")

    def __init__(
        self,
        texts: Sequence[str],
        selected: list[int],
        labels: dict[int, str],
        cells: tuple[list[str], list[str]] | None,
    ) -> None:
        self._texts = texts
        self.selected = selected
        self.labels = labels
        # For documents with spreadsheet cells, the previous text and the header of each
        # selected segment, from the one pass that follows rows and headers; else the
        # previous text is found on demand.
        self._cells = cells

    def previous(self, position: int) -> str:
        """The tail of the text before segment ``selected[position]`` (blank ones skipped)."""
        if self._cells is not None:
            text = self._cells[0][position]
        else:
            text = self._before(self.selected[position])
        return text if len(text) <= _PREVIOUS_WIDTH else text[-_PREVIOUS_WIDTH:]

    def header(self, position: int) -> str:
        """The header of segment ``selected[position]``'s sheet column, or ""."""
        return self._cells[1][position] if self._cells is not None else ""

    def _before(self, index: int) -> str:
        texts = self._texts
        for before in range(index - 1, -1, -1):
            text = texts[before]
            if text and not text.isspace():
                return text
        return ""


def read(segments: Sequence[TextSegment]) -> Reading:
    """The segments worth scanning in a document, and how to find their contexts."""
    texts = [segment.text for segment in segments]
    marks = _marks(texts)
    locations = [segment.location for segment in segments]
    if _SHEET in SEPARATOR.join(locations):
        return _read_cells(segments, texts, locations, marks)
    return _read_lines(texts, marks)


def _marks(texts: list[str]) -> list[bytes]:
    """For each text, a byte string holding a "1" for each of its digits and a "2" for each
    "@" or colon: empty when the text holds none of them.

    Whole-document byte operations: latin-1 "replace" keeps one byte a character, the
    translation deletes every other byte but the separators, which then split the result.
    """
    encoded = SEPARATOR.join(texts).encode("latin-1", "replace")
    marks = encoded.translate(_MARKS, _UNMARKED).split(_SEPARATOR_BYTE)
    if len(marks) == len(texts):
        return marks
    # A text holds the separator itself: one text at a time.
    unmarked = _UNMARKED + _SEPARATOR_BYTE
    return [text.encode("latin-1", "replace").translate(_MARKS, unmarked) for text in texts]


def _blank(text: str) -> bool:
    return not text or text.isspace()


def _read_lines(texts: list[str], marks: list[bytes]) -> Reading:
    """A document without spreadsheet cells: each segment's context is the one before."""
    total = len(texts)
    # Only a short text can be a label; the segment after a label takes it as its context.
    short = compress(range(total), map(_LABEL_WIDTH.__ge__, map(len, texts)))
    after_label: dict[int, str] = {}
    for index in short:
        label = label_of(texts[index])
        if label is None:
            continue
        following = index + 1
        while following < total and _blank(texts[following]):
            following += 1
        if following < total:
            after_label[following] = label
    hot = list(compress(range(total), marks))
    if not after_label:
        return Reading(texts, hot, {}, None)
    selected = sorted({*hot, *after_label})
    labels = {
        position: after_label[index]
        for position, index in enumerate(selected)
        if index in after_label
    }
    return Reading(texts, selected, labels, None)


def _read_cells(
    segments: Sequence[TextSegment], texts: list[str], locations: list[str], marks: list[bytes]
) -> Reading:
    """A document with spreadsheet cells: one pass following rows and column headers."""
    selected: list[int] = []
    lefts: list[str] = []
    tops: list[str] = []
    labels: dict[int, str] = {}
    headers: dict[str, tuple[str, str | None]] = {}
    row_sheet: str | None = None
    row_number = ""
    row_headers = 0
    previous, previous_label = "", None
    # The location's parts: "sheet 'Cases' B" names a column (of that sheet), then comes the
    # row number.
    columns = list(map(str.rstrip, locations, repeat(_DIGITS)))
    rows = zip(
        count(),
        texts,
        marks,
        columns,
        map(_sheets(columns).__getitem__, columns),
        map(str.removeprefix, locations, columns),
    )
    for index, text, mark, column, sheet, number in rows:
        if not mark and (not text or text.isspace()):
            continue
        digitless = not mark or _DIGIT not in mark
        if sheet is None or not number:  # not a sheet cell
            row_sheet = None
            left, label, header = previous, previous_label, ""
        else:
            if number != row_number or sheet != row_sheet:
                row_sheet, row_number, row_headers = sheet, number, 0
                left, label = "", None
            elif row_headers < 2:
                left, label = previous, previous_label
            else:
                left, label = "", None
            header, header_label = headers.get(column, _NO_HEADER)
            if label is None:
                label = header_label
            if digitless and not segments[index].numeric_cell and _is_header(text):
                stripped = text.strip()
                headers[column] = (stripped, label_of(stripped))
                row_headers += 1
        if label is not None:
            labels[len(selected)] = label
            selected.append(index)
            lefts.append(left)
            tops.append(header)
        elif mark:
            selected.append(index)
            lefts.append(left)
            tops.append(header)
        previous = text
        previous_label = label_of(text) if digitless and len(text) <= _LABEL_WIDTH else None
    return Reading(texts, selected, labels, (lefts, tops))


_DIGITS = "0123456789"
_NO_HEADER: tuple[str, str | None] = ("", None)
# A location names a sheet cell when it is ``sheet '<name>' <column><row>``, perhaps inside
# an embedded workbook (``<part> › sheet ...``): when some digits end it and, less them,
# this pattern matches what is left.
_SHEET_COLUMN = re.compile(r"(?:(?P<within>.+) › )?sheet '(?P<sheet>.*)' (?P<column>[A-Z]{1,3})")


def _sheets(columns: list[str]) -> dict[str, str | None]:
    """The sheet each distinct location less its row number names a column of, ``None``
    for those that name no sheet column (a few per document: each is parsed once)."""
    parsed: dict[str, str | None] = {}
    for column in set(columns):
        match = _SHEET_COLUMN.fullmatch(column)
        # Two embedded workbooks may both have a "Sheet1": the part name tells them apart.
        if match is None:
            parsed[column] = None
        elif match["within"] is None:
            parsed[column] = match["sheet"]
        else:
            parsed[column] = f"{match['within']}\0{match['sheet']}"
    return parsed


@lru_cache(maxsize=4096)
def _is_header(text: str) -> bool:
    """A label or a cue word alone ("Child's name", "CHI number"), not a filled-in field."""
    stripped = text.strip().rstrip(":").rstrip()
    if not stripped or len(stripped) > _HEADER_WIDTH or _HAS_DIGIT.search(stripped):
        return False
    if ":" in stripped:
        return False
    return label_of(stripped) is not None or _HEADER_CUE.search(stripped) is not None
