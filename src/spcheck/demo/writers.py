"""Minimal but valid xlsx, docx and PDF files, written with the standard library alone.

The demo runs after a plain ``pip install .``, where python-docx, openpyxl and reportlab
(test extras) are absent. Output is deterministic: fixed zip timestamps, no document
properties (an author or company in docProps is itself a hidden-data finding), and
PDFs with one cross-reference table (an incremental save is a finding too).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_OFFICE_DOC = f"{_DOC_REL}/officeDocument"
_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_WML = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_OOXML = "application/vnd.openxmlformats-officedocument"
_RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"


def _zip(parts: Sequence[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def _content_types(overrides: Sequence[tuple[str, str]]) -> str:
    entries = "".join(
        f'<Override PartName="{part}" ContentType="{kind}"/>' for part, kind in overrides
    )
    return (
        f'{_XML}<Types xmlns="{_CT}">'
        f'<Default Extension="rels" ContentType="{_RELS_TYPE}"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f"{entries}</Types>"
    )


def _relationships(targets: Sequence[tuple[str, str]]) -> str:
    entries = "".join(
        f'<Relationship Id="rId{number}" Type="{kind}" Target="{target}"/>'
        for number, (kind, target) in enumerate(targets, start=1)
    )
    return f'{_XML}<Relationships xmlns="{_PKG_REL}">{entries}</Relationships>'


# --- xlsx -----------------------------------------------------------------------------------


def _column(index: int) -> str:
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(ref: str, value: str | int) -> str:
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def xlsx(sheet_name: str, rows: Sequence[Sequence[str | int]]) -> bytes:
    """A one-sheet workbook; strings are inline, so there is no shared-strings part."""
    body = "".join(
        f'<row r="{r}">'
        + "".join(_cell(f"{_column(c)}{r}", value) for c, value in enumerate(row, start=1))
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    sheet = f'{_XML}<worksheet xmlns="{_SML}"><sheetData>{body}</sheetData></worksheet>'
    workbook = (
        f'{_XML}<workbook xmlns="{_SML}" xmlns:r="{_DOC_REL}"><sheets>'
        f'<sheet name="{escape(sheet_name, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )
    # Workbooks Excel writes always carry a styles part with one default format; some
    # readers expect it, so this one does too.
    styles = (
        f'{_XML}<styleSheet xmlns="{_SML}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )
    return _zip(
        [
            (
                "[Content_Types].xml",
                _content_types(
                    [
                        ("/xl/workbook.xml", f"{_OOXML}.spreadsheetml.sheet.main+xml"),
                        ("/xl/worksheets/sheet1.xml", f"{_OOXML}.spreadsheetml.worksheet+xml"),
                        ("/xl/styles.xml", f"{_OOXML}.spreadsheetml.styles+xml"),
                    ]
                ),
            ),
            ("_rels/.rels", _relationships([(_OFFICE_DOC, "xl/workbook.xml")])),
            ("xl/workbook.xml", workbook),
            (
                "xl/_rels/workbook.xml.rels",
                _relationships(
                    [
                        (f"{_DOC_REL}/worksheet", "worksheets/sheet1.xml"),
                        (f"{_DOC_REL}/styles", "styles.xml"),
                    ]
                ),
            ),
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/styles.xml", styles),
        ]
    )


# --- docx -----------------------------------------------------------------------------------


def docx(paragraphs: Sequence[str]) -> bytes:
    """A document of plain paragraphs: no styles, comments, tracked changes or properties."""
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'
        for text in paragraphs
    )
    document = f'{_XML}<w:document xmlns:w="{_WML}"><w:body>{body}</w:body></w:document>'
    return _zip(
        [
            (
                "[Content_Types].xml",
                _content_types(
                    [("/word/document.xml", f"{_OOXML}.wordprocessingml.document.main+xml")]
                ),
            ),
            ("_rels/.rels", _relationships([(_OFFICE_DOC, "word/document.xml")])),
            ("word/document.xml", document),
        ]
    )


# --- PDF ------------------------------------------------------------------------------------

# Helvetica's advance widths (thousandths of the font size, from its AFM metrics) for
# printable ASCII, so that a box lands exactly over the words it is meant to cover.
_HELVETICA_WIDTHS = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 "
    "556 556 556 556 556 556 556 556 556 556 278 278 584 584 584 556 "
    "1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 "
    "667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 "
    "333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 "
    "556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_HELVETICA = {
    chr(code): int(width)
    for code, width in zip(range(32, 127), _HELVETICA_WIDTHS.split(), strict=True)
}
_WIDE = 1015  # anything outside printable ASCII: the widest, so a box never falls short


def text_width(text: str, size: float) -> float:
    """The width of ``text`` in Helvetica at ``size`` points."""
    return sum(_HELVETICA.get(char, _WIDE) for char in text) * size / 1000


def _pdf_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})"


@dataclass(frozen=True, slots=True)
class Text:
    """A line of text at (x, y), the baseline, in points from the bottom left."""

    x: float
    y: float
    text: str
    size: float = 11
    grey: float = 0.0  # fill colour, 0 black to 1 white


@dataclass(frozen=True, slots=True)
class Box:
    """A filled rectangle; painted in list order, so a box after a text covers it."""

    x: float
    y: float
    width: float
    height: float
    grey: float = 0.0


def box_over(line: Text, start: str, covered: str, pad: float = 2.0) -> Box:
    """A box over ``covered`` where it follows ``start`` on ``line`` (used in both the failed
    and the proper redaction, so the two pages look the same)."""
    x = line.x + text_width(start, line.size)
    return Box(
        x - pad,
        line.y - 0.3 * line.size,
        text_width(covered, line.size) + 2 * pad,
        1.3 * line.size,
    )


def _operator(mark: Text | Box) -> str:
    if isinstance(mark, Box):
        return f"{mark.grey:g} g {mark.x:.2f} {mark.y:.2f} {mark.width:.2f} {mark.height:.2f} re f"
    return (
        f"{mark.grey:g} g BT /F1 {mark.size:g} Tf {mark.x:.2f} {mark.y:.2f} Td "
        f"{_pdf_string(mark.text)} Tj ET"
    )


def pdf(marks: Sequence[Text | Box], *, width: int = 595, height: int = 842) -> bytes:
    """A one-page PDF (A4 by default) in Helvetica, its content stream deflated."""
    content = zlib.compress("\n".join(_operator(m) for m in marks).encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
            "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode()
        + content
        + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()
