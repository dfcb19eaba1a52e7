"""Plain text and CSV: the encoding detected (BOM, then UTF-8, then charset-normalizer),
a segment per line (text) or per cell (CSV)."""

from __future__ import annotations

import codecs
import csv
import io

from charset_normalizer import from_bytes

from spcheck.content.detectors.interface import TextSegment
from spcheck.content.extract.xlsx import column_letters
from spcheck.content.interface import Extraction, Extractor, Limits, MalformedFile, TooMuchContent

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SNIFF_BYTES = 64 * 1024
_DIGITS = frozenset("0123456789")


def decode(data: bytes) -> str:
    """The text of ``data``; MalformedFile when it is not text in any known encoding."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(data[: 4 * 1024 * 1024]).best()
        if best is None or best.encoding is None:
            raise MalformedFile("not text in any encoding that could be detected") from None
        text = data.decode(best.encoding, errors="replace")
    if "\x00" in text[:_SNIFF_BYTES]:
        raise MalformedFile("binary content in a text file")
    return text


class TextExtractor(Extractor):
    file_type = "txt"

    def extract(self, data: bytes, limits: Limits, *, positions: bool) -> Extraction:
        text = decode(data)
        if len(text) > limits.max_text_chars:
            raise TooMuchContent(f"more than {limits.max_text_chars:,} characters of text")
        segments = tuple(
            TextSegment(line, f"line {number}")
            for number, line in enumerate(text.splitlines(), start=1)
            if line.strip()
        )
        return Extraction(type="txt", segments=segments, visible_text=text)


class CsvExtractor(Extractor):
    file_type = "csv"

    def extract(self, data: bytes, limits: Limits, *, positions: bool) -> Extraction:
        text = decode(data)
        if len(text) > limits.max_text_chars:
            raise TooMuchContent(f"more than {limits.max_text_chars:,} characters of text")
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
                text[:_SNIFF_BYTES], delimiters=",;\t|"
            )
        except csv.Error:
            dialect = csv.excel
        segments: list[TextSegment] = []
        old_limit = csv.field_size_limit()
        csv.field_size_limit(max(old_limit, len(text) + 1))
        try:
            for row_number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
                for column, cell in enumerate(row, start=1):
                    value = cell.strip()
                    if value:
                        # Digits alone may be a number that a spreadsheet stripped of its zero.
                        numeric = set(value) <= _DIGITS
                        # Located like a sheet cell, as Excel shows a CSV, so that the
                        # detectors read each column's header as its label.
                        location = f"sheet 'csv' {column_letters(column)}{row_number}"
                        segments.append(TextSegment(cell, location, numeric))
        except csv.Error:
            raise MalformedFile("a CSV file that cannot be parsed") from None
        finally:
            csv.field_size_limit(old_limit)
        return Extraction(type="csv", segments=tuple(segments), visible_text=text)
