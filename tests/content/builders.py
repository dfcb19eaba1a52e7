"""Documents built by the tests, each with known planted items.

Every identifier here is synthetic: CHI numbers are generated with a valid date and
check digit (``make_chi``), names and domains are fictional (``.example``).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any

# --- synthetic identifiers ------------------------------------------------------------


def chi_check_digit(nine: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def make_chi(born: date, serial: int) -> str:
    """A valid CHI for ``born``: the first serial at or after ``serial`` with a valid check."""
    for candidate in range(serial, serial + 20):
        nine = born.strftime("%d%m%y") + f"{candidate % 1000:03d}"
        check = chi_check_digit(nine)
        if check is not None:
            return nine + str(check)
    raise ValueError("no valid CHI near this serial")


def fails_mod11(ten: str) -> bool:
    """True when ``ten`` digits fail the CHI/NHS check (an invoice number, say)."""
    check = chi_check_digit(ten[:9])
    return check is None or check != int(ten[9])


# Known and generated test identifiers, one per planted place.
CHI_DOC_TEST = "0101011237"  # Public Health Scotland's documented example
CHI_DOC_TEST_2 = "0211165794"
CHI_DELETED = make_chi(date(2012, 3, 14), 101)
CHI_COMMENT = make_chi(date(2013, 7, 2), 202)
CHI_HEADER = make_chi(date(2014, 11, 23), 303)
CHI_HIDDEN = make_chi(date(2015, 5, 9), 404)
CHI_HIGHLIGHT = make_chi(date(2011, 1, 30), 505)
CHI_HIDDEN_SHEET = make_chi(date(2010, 12, 1), 606)
CHI_VERY_HIDDEN = make_chi(date(2009, 6, 17), 707)
CHI_PIVOT = make_chi(date(2008, 4, 5), 808)  # leading zero: stored as a 9-digit number
CHI_NUMERIC = make_chi(date(2007, 9, 8), 909)  # leading zero: stored as a 9-digit number
CHI_BOXED = make_chi(date(2016, 2, 29), 111)
CHI_ANNOTATED = make_chi(date(2017, 8, 21), 222)
CHI_EARLIER = make_chi(date(2018, 10, 3), 333)
CHI_SLIDE_NOTES = make_chi(date(2019, 1, 12), 444)
CHI_INVISIBLE = make_chi(date(2006, 3, 3), 555)
NAME = "Morag Testperson"
EMAIL = "morag.testperson@glenmorven-council.example"
# Every planted value: no output may ever hold one of them.
PLANTED = [
    CHI_DOC_TEST,
    CHI_DELETED,
    CHI_COMMENT,
    CHI_HEADER,
    CHI_HIDDEN,
    CHI_HIGHLIGHT,
    CHI_HIDDEN_SHEET,
    CHI_VERY_HIDDEN,
    CHI_PIVOT,
    CHI_NUMERIC,
    CHI_BOXED,
    CHI_ANNOTATED,
    CHI_EARLIER,
    CHI_SLIDE_NOTES,
    CHI_INVISIBLE,
    NAME,
    EMAIL,
]

# --- Word -----------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx_bytes(document: object) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def _rewrite_zip(
    data: bytes, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None
) -> bytes:
    """A copy of the zip ``data`` with each entry passed through ``change`` (None drops it)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def _insert_in_body(xml: bytes, fragment: str) -> bytes:
    text = xml.decode("utf-8")
    marker = "<w:sectPr"
    position = text.rfind(marker)
    return (text[:position] + fragment + text[position:]).encode("utf-8")


def docx_planted() -> bytes:
    """CHIs in a tracked deletion, a comment, a header and hidden text; a clean body line."""
    from docx import Document

    document = Document()
    document.core_properties.author = NAME
    document.sections[0].header.paragraphs[0].text = f"Case file, CHI {CHI_HEADER}"
    document.add_paragraph("Assessment and plan (training copy).")
    commented = document.add_paragraph("The family were seen at home.")
    document.add_comment(
        commented.runs, text=f"Check CHI {CHI_COMMENT} before sharing", author="Reviewer"
    )
    hidden = document.add_paragraph("Visible text. ")
    run = hidden.add_run(f"CHI {CHI_HIDDEN}")
    run.font.hidden = True
    data = _docx_bytes(document)
    deletion = (
        f'<w:p xmlns:w="{W_NS}"><w:r><w:t xml:space="preserve">Child record </w:t></w:r>'
        '<w:del w:id="91" w:author="Reviewer" w:date="2026-01-01T00:00:00Z">'
        f'<w:r><w:delText xml:space="preserve">CHI {CHI_DELETED}</w:delText></w:r></w:del>'
        '<w:ins w:id="92" w:author="Reviewer" w:date="2026-01-01T00:00:00Z">'
        "<w:r><w:t>[case reference GM-0042]</w:t></w:r></w:ins></w:p>"
    )
    # The fragment's own xmlns would repeat the root's: drop it once inside the body.
    fragment = deletion.replace(f' xmlns:w="{W_NS}"', "")
    return _rewrite_zip(
        data,
        lambda name, content: (
            _insert_in_body(content, fragment) if name == "word/document.xml" else content
        ),
    )


def with_embedding(container: bytes, objects: dict[str, bytes], folder: str = "word") -> bytes:
    """``container`` (an Office package) with ``objects`` added under ``<folder>/embeddings/``,
    as Word, Excel and PowerPoint store a pasted workbook, document or OLE object."""
    return _rewrite_zip(
        container,
        lambda _name, content: content,
        {f"{folder}/embeddings/{name}": data for name, data in objects.items()},
    )


def docx_embedding(objects: dict[str, bytes]) -> bytes:
    """A clean training document carrying ``objects`` embedded in it."""
    return with_embedding(docx_clean(["Training copy: see the table below."]), objects)


def docx_fake_redaction() -> bytes:
    """A name and a CHI under black highlight; a dark table header that is meant to be read."""
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import RGBColor

    document = Document()
    paragraph = document.add_paragraph("Child's name: ")
    run = paragraph.add_run(NAME)
    run.font.highlight_color = WD_COLOR_INDEX.BLACK
    paragraph = document.add_paragraph("CHI: ")
    run = paragraph.add_run(CHI_HIGHLIGHT)
    run.font.highlight_color = WD_COLOR_INDEX.BLACK
    run.font.color.rgb = RGBColor(0, 0, 0)
    paragraph = document.add_paragraph("Already redacted: ")
    run = paragraph.add_run("XXXXXXXX")
    run.font.highlight_color = WD_COLOR_INDEX.BLACK
    paragraph = document.add_paragraph("Heading on black: ")
    run = paragraph.add_run("Summary of concerns")
    run.font.highlight_color = WD_COLOR_INDEX.BLACK
    run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    return _docx_bytes(document)


def docx_clean(paragraphs: list[str]) -> bytes:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    return _docx_bytes(document)


def docm_with_macros() -> bytes:
    """A macro-enabled document: vbaProject.bin and the macro-enabled main content type."""
    data = docx_clean(["A document that carries a macro."])

    def change(name: str, content: bytes) -> bytes:
        if name == "[Content_Types].xml":
            text = content.decode("utf-8").replace(
                "wordprocessingml.document.main+xml", "ms-word.document.macroEnabled.main+xml"
            )
            text = text.replace(
                "</Types>",
                '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                "</Types>",
            )
            return text.encode("utf-8")
        return content

    return _rewrite_zip(data, change, {"word/vbaProject.bin": b"\xcc\x61" + b"\x00" * 510})


def docx_zip_bomb() -> bytes:
    """A document with one entry that inflates about a thousand times (8 MiB of zeros)."""
    return _rewrite_zip(
        docx_clean(["Nothing to see."]),
        lambda n, c: c,
        {"word/media/filler.bin": b"\0" * (8 * 1024 * 1024)},
    )


def docx_billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE w:document [' + "".join(entities) + "]>"
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    ).encode()
    return _rewrite_zip(
        docx_clean(["placeholder"]),
        lambda name, content: bomb if name == "word/document.xml" else content,
    )


def encrypted_office() -> bytes:
    """A password-protected Office file as Office writes it: an OLE compound file whose
    streams are EncryptionInfo and EncryptedPackage (the package itself unreadable)."""
    sector = 512
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    stream_sectors = 8  # 4096 bytes each: at the mini-stream cutoff, so in regular sectors
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end)
    struct.pack_into("<I", header, 68, end)  # no DIFAT sectors
    difat = [0] + [free] * 108
    struct.pack_into("<109I", header, 76, *difat)
    fat = [fat_sector, end]
    info_start, package_start = 2, 2 + stream_sectors
    for start in (info_start, package_start):
        fat += [start + i + 1 for i in range(stream_sectors - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, child: int, right: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        record = bytearray(128)
        record[0 : len(raw)] = raw
        struct.pack_into("<HBB", record, 64, len(raw), kind, 1)
        struct.pack_into("<III", record, 68, free, right, child)
        struct.pack_into("<II", record, 116, start, size)
        return bytes(record)

    directory = (
        entry("Root Entry", 5, end, 0, 1, free)
        + entry("EncryptionInfo", 2, info_start, 4096, free, 2)
        + entry("EncryptedPackage", 2, package_start, 4096, free, free)
        + bytes(128)
    )
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>"
    streams = info.ljust(4096, b"\0") + bytes(range(256)) * 16
    return bytes(header) + struct.pack(f"<{sector // 4}I", *fat) + directory + streams


# --- Excel ----------------------------------------------------------------------------

S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def xlsx_planted() -> bytes:
    """A visible sheet of case references; CHIs in a hidden and a very hidden sheet, in
    9-digit number cells, in hidden rows, and in a pivot cache."""
    from openpyxl import Workbook

    workbook = Workbook()
    visible = workbook.active
    visible.title = "Cases"
    visible.append(["Case reference", "Allocated", "Number"])
    visible.append(["GM-0042", "yes", int(CHI_NUMERIC)])
    visible.row_dimensions[5].hidden = True
    visible["A5"] = "hidden row text"
    hidden = workbook.create_sheet("Lookup")
    hidden.sheet_state = "hidden"
    hidden.append(["CHI", CHI_HIDDEN_SHEET])
    very = workbook.create_sheet("Audit")
    very.sheet_state = "veryHidden"
    very.append(["CHI", CHI_VERY_HIDDEN])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _add_pivot_cache(buffer.getvalue())


def _add_pivot_cache(data: bytes) -> bytes:
    """Adds a pivot cache (definition and records) as Excel writes one, wired to the workbook."""
    definition = (
        f'<pivotCacheDefinition xmlns="{S_NS}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'r:id="rId1" recordCount="2"><cacheSource type="worksheet">'
        '<worksheetSource ref="A1:B3" sheet="Source"/></cacheSource><cacheFields count="2">'
        '<cacheField name="Child" numFmtId="0"><sharedItems>'
        '<s v="Case A"/><s v="Case B"/></sharedItems></cacheField>'
        '<cacheField name="CHI" numFmtId="0"><sharedItems containsNumber="1"/></cacheField>'
        "</cacheFields></pivotCacheDefinition>"
    )
    records = (
        f'<pivotCacheRecords xmlns="{S_NS}" count="2">'
        f'<r><x v="0"/><n v="{int(CHI_PIVOT)}"/></r><r><x v="1"/><n v="1234"/></r>'
        "</pivotCacheRecords>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/pivotCacheRecords" Target="pivotCacheRecords1.xml"/></Relationships>'
    )

    def change(name: str, content: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return content.replace(
                b"</Types>",
                b'<Override PartName="/xl/pivotCache/pivotCacheDefinition1.xml" ContentType='
                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml"/>'
                b'<Override PartName="/xl/pivotCache/pivotCacheRecords1.xml" ContentType='
                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheRecords+xml"/>'
                b"</Types>",
            )
        return content

    return _rewrite_zip(
        data,
        change,
        {
            "xl/pivotCache/pivotCacheDefinition1.xml": definition.encode(),
            "xl/pivotCache/pivotCacheRecords1.xml": records.encode(),
            "xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels": rels.encode(),
        },
    )


def xlsx_bytes(workbook: object) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def xlsx_clean(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    return xlsx_bytes(workbook)


# --- PowerPoint (hand-built: the project does not depend on python-pptx) ------------------

_P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
_A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PML = "application/vnd.openxmlformats-officedocument.presentationml"
_PACKAGE_RELS = "application/vnd.openxmlformats-package.relationships+xml"


def _shape_xml(root: str, lines: list[str], show: bool = True) -> str:
    paragraphs = "".join(f"<a:p><a:r><a:t>{line}</a:t></a:r></a:p>" for line in lines)
    attribute = "" if show else ' show="0"'
    return (
        f'<p:{root} xmlns:p="{_P_NS}" xmlns:a="{_A_NS}" xmlns:r="{_R_NS}"{attribute}>'
        "<p:cSld><p:spTree><p:sp><p:txBody><a:bodyPr/>"
        f"{paragraphs}</p:txBody></p:sp></p:spTree></p:cSld></p:{root}>"
    )


def pptx_planted() -> bytes:
    """Two slides: the first with a CHI in its speaker notes, the second hidden."""
    files = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{_PACKAGE_RELS}"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/ppt/presentation.xml" '
            f'ContentType="{_PML}.presentation.main+xml"/>'
            f'<Override PartName="/ppt/slides/slide1.xml" ContentType="{_PML}.slide+xml"/>'
            f'<Override PartName="/ppt/slides/slide2.xml" ContentType="{_PML}.slide+xml"/>'
            '<Override PartName="/ppt/notesSlides/notesSlide1.xml" '
            f'ContentType="{_PML}.notesSlide+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="ppt/presentation.xml"/>'
            "</Relationships>"
        ),
        "ppt/presentation.xml": (
            f'<p:presentation xmlns:p="{_P_NS}" xmlns:r="{_R_NS}"><p:sldIdLst>'
            '<p:sldId id="256" r:id="rId2"/><p:sldId id="257" r:id="rId3"/>'
            "</p:sldIdLst></p:presentation>"
        ),
        "ppt/_rels/presentation.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId2" Type="{_REL}/slide" Target="slides/slide1.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/slide" Target="slides/slide2.xml"/>'
            "</Relationships>"
        ),
        "ppt/slides/slide1.xml": _shape_xml("sld", ["Training: reading a record", "Case GM-0042"]),
        "ppt/slides/_rels/slide1.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/notesSlide" '
            'Target="../notesSlides/notesSlide1.xml"/>'
            "</Relationships>"
        ),
        "ppt/notesSlides/notesSlide1.xml": _shape_xml(
            "notes", [f"Speaker: the child's CHI is {CHI_SLIDE_NOTES}"]
        ),
        "ppt/slides/slide2.xml": _shape_xml("sld", ["Draft slide, not shown"], show=False),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------


def _pdf(draw: Callable[[object], None], author: str = "Training team") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setAuthor(author)
    page.setFont("Helvetica", 11)
    draw(page)
    page.showPage()
    page.save()
    return buffer.getvalue()


def pdf_black_boxes() -> bytes:
    """A CHI and a name with black boxes drawn over them: the text is still there."""

    def draw(page: object) -> None:
        c = page
        c.drawString(72, 760, "Training copy of an assessment")  # type: ignore[attr-defined]
        c.drawString(72, 740, f"CHI {CHI_BOXED} attends the clinic")  # type: ignore[attr-defined]
        c.drawString(72, 720, f"Mother: {NAME}")  # type: ignore[attr-defined]
        c.setFillColorRGB(0, 0, 0)  # type: ignore[attr-defined]
        c.rect(95, 736, 62, 14, fill=1, stroke=0)  # type: ignore[attr-defined]
        c.rect(113, 716, 92, 14, fill=1, stroke=0)  # type: ignore[attr-defined]

    return _pdf(draw)


def pdf_white_boxes() -> bytes:
    """Over one page: a white box over a CHI, then over a name after an q/Q that set a
    see-through fill (restored, so the box is opaque); a see-through yellow highlight and
    a form drawn see-through over other text, which hide nothing."""

    def draw(page: object) -> None:
        c: Any = page
        c.drawString(72, 760, f"CHI {CHI_BOXED} attends the clinic")
        c.drawString(72, 740, f"Mother: {NAME}")
        c.drawString(72, 720, "Review date agreed with the family")
        c.drawString(72, 700, "Plan shared with the school")
        c.setFillColorRGB(1, 1, 1)
        c.rect(95, 756, 62, 14, fill=1, stroke=0)
        c.saveState()
        c.setFillAlpha(0.3)
        c.restoreState()
        c.setFillColorRGB(1, 1, 1)
        c.rect(113, 736, 92, 14, fill=1, stroke=0)
        c.saveState()
        c.setFillAlpha(0.35)
        c.setFillColorRGB(1, 1, 0)
        c.rect(70, 716, 180, 14, fill=1, stroke=0)
        c.restoreState()
        c.beginForm("veil")
        c.setFillColorRGB(1, 1, 1)
        c.rect(70, 696, 160, 14, fill=1, stroke=0)
        c.endForm()
        c.saveState()
        c.setFillAlpha(0.3)
        c.doForm("veil")
        c.restoreState()

    return _pdf(draw)


def pdf_concealed_text() -> bytes:
    """Text drawn so no reader sees it: white on the page, half a point tall, off the page;
    beside white text that is seen, on a dark banner and on a picture."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    def draw(page: object) -> None:
        c: Any = page
        c.drawString(72, 780, "Assessment and plan: training copy")
        c.setFillColorRGB(1, 1, 1)
        c.drawString(72, 760, f"CHI {CHI_INVISIBLE} attends the clinic")  # white on white
        c.setFillColorRGB(0.1, 0.2, 0.4)
        c.rect(60, 716, 300, 18, fill=1, stroke=0)
        c.setFillColorRGB(1, 1, 1)
        c.drawString(72, 720, "Section 2: the plan")  # white on a dark banner: seen
        c.drawImage(ImageReader(Image.new("RGB", (8, 8), (20, 20, 20))), 60, 676, 300, 20)
        c.drawString(72, 680, "Photograph caption")  # white on a picture: seen
        c.saveState()
        path = c.beginPath()
        path.rect(60, 696, 300, 16)
        c.clipPath(path, stroke=0, fill=0)
        c.linearGradient(60, 696, 360, 712, ((0.1, 0.1, 0.3), (0.2, 0.2, 0.5)))
        c.restoreState()
        c.setFillColorRGB(1, 1, 1)
        c.drawString(72, 700, "Cover title")  # white on a gradient: seen
        c.setFillColorRGB(0, 0, 0)
        c.setFont("Helvetica", 0.5)
        c.drawString(72, 650, f"Mother: {NAME}")  # too small to read
        c.setFont("Helvetica", 11)
        c.drawString(-900, 620, "Address: 1 Testperson Lane")  # off the page

    return _pdf(draw)


def pdf_properly_redacted() -> bytes:
    """Boxes where the text was removed before they were drawn; white marks on them."""

    def draw(page: object) -> None:
        c = page
        c.drawString(72, 760, "Training copy of an assessment")  # type: ignore[attr-defined]
        c.drawString(72, 740, "Seen")  # type: ignore[attr-defined]
        c.drawString(72, 720, "Contact")  # type: ignore[attr-defined]
        c.setFillColorRGB(0, 0, 0)  # type: ignore[attr-defined]
        c.rect(95, 736, 62, 14, fill=1, stroke=0)  # type: ignore[attr-defined]
        c.rect(113, 716, 92, 14, fill=1, stroke=0)  # type: ignore[attr-defined]
        c.setFillColorRGB(1, 1, 1)  # type: ignore[attr-defined]
        c.drawString(118, 720, "[REDACTED]")  # type: ignore[attr-defined]
        c.setFillColorRGB(0.1, 0.1, 0.1)  # type: ignore[attr-defined]
        c.rect(60, 690, 300, 18, fill=1, stroke=0)  # type: ignore[attr-defined]
        c.setFillColorRGB(1, 1, 1)  # type: ignore[attr-defined]
        c.drawString(72, 695, "Section 2: what happened next")  # type: ignore[attr-defined]

    return _pdf(draw, author="ReportLab")


def pdf_with_text(lines: list[str], author: str = "ReportLab") -> bytes:
    def draw(page: object) -> None:
        for number, line in enumerate(lines):
            page.drawString(72, 760 - 18 * number, line)  # type: ignore[attr-defined]

    return _pdf(draw, author=author)


def pdf_invisible_text() -> bytes:
    def draw(page: object) -> None:
        page.drawString(72, 760, "Scanned page")  # type: ignore[attr-defined]
        text = page.beginText(72, 700)  # type: ignore[attr-defined]
        text.setTextRenderMode(3)
        text.textLine(f"CHI {CHI_INVISIBLE}")
        page.drawText(text)  # type: ignore[attr-defined]

    return _pdf(draw, author="ReportLab")


def pdf_unapplied_redaction() -> bytes:
    """A Redact annotation marked over a CHI but never applied."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject

    original = pdf_with_text(["Training copy", f"CHI {CHI_ANNOTATED} seen at clinic"])
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(original)))
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Redact"),
            NameObject("/Rect"): ArrayObject(
                [FloatObject(90), FloatObject(738), FloatObject(160), FloatObject(752)]
            ),
        }
    )
    writer.add_annotation(0, annotation)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_incremental() -> bytes:
    """Saved incrementally over an earlier version whose text held a CHI."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    original = pdf_with_text(["Training copy", f"CHI {CHI_EARLIER} seen at clinic"])
    writer = PdfWriter(io.BytesIO(original), incremental=True)
    page = writer.pages[0]
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 11 Tf 72 760 Td (Training copy) Tj 0 -18 Td (CHI [removed]) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_password() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with_text([f"CHI {CHI_DOC_TEST}"]))))
    writer.encrypt(user_password="letmein", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated(data: bytes, share: float = 0.6) -> bytes:
    return data[: int(len(data) * share)]


# --- near misses ----------------------------------------------------------------------

NEAR_MISS_LINES = [
    "Invoice 4820193756 was paid on 12/03/2025.",
    "Purchase order 7391046285, reference 3310457782.",
    "Meeting held on 01/02/2024 at 10:30 in room 101.",
    "Budget: £1,204,556.20 for 2025-26; version 3.2.1 of the plan.",
    "Performance indicator 4.7 rose to 58.3% across 32 areas.",
    "See section 12.4.2 and appendix 7, pages 14-19.",
]
NEAR_MISS_NUMBERS = [
    re.sub(r"\D", "", number) for number in ("4820193756", "7391046285", "3310457782")
]


def docx_hidden_by_style() -> bytes:
    """Hidden text through a character style, not the run's own properties."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE

    document = Document()
    style = document.styles.add_style("Internal note", WD_STYLE_TYPE.CHARACTER)
    style.font.hidden = True
    paragraph = document.add_paragraph("Seen on Tuesday. ")
    paragraph.add_run(f"Email {EMAIL}", style="Internal note")
    return _docx_bytes(document)


def xlsx_near_misses() -> bytes:
    rows: list[list[object]] = [["Item", "Amount", "Reference"]]
    rows += [
        [line, 12.5 * n, int(NEAR_MISS_NUMBERS[n % 3])] for n, line in enumerate(NEAR_MISS_LINES)
    ]
    rows.append(["Total", 1204556.2, 20250331])
    return xlsx_clean(rows)


def csv_near_misses() -> bytes:
    lines = ["item,amount,reference"]
    lines += [
        f'"{line}",{12.5 * n},{NEAR_MISS_NUMBERS[n % 3]}' for n, line in enumerate(NEAR_MISS_LINES)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_with_comment(text: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = "Case GM-0042"
    sheet["A1"].comment = Comment(text, "Reviewer")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_with_text_box(text: str) -> bytes:
    """A text box as Word writes it: a DrawingML choice and a VML fallback, same text."""
    box = (
        '<w:p><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/'
        'markup-compatibility/2006"><mc:Choice Requires="wps"><w:drawing><wps:wsp '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f"<wps:txbx><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"
        "</wps:txbx></wps:wsp></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape "
        'xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent><w:p><w:r>'
        f"<w:t>{text}</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict>"
        "</mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>Anchor paragraph</w:t></w:r></w:p>"
    )
    return _rewrite_zip(
        docx_clean(["Before the box."]),
        lambda name, content: (
            _insert_in_body(content, box) if name == "word/document.xml" else content
        ),
    )


def pdf_with_hidden_layer_and_attachment() -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with_text(["Layered page"]))))
    layer = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/OCG"),
                NameObject("/Name"): TextStringObject("Draft notes"),
            }
        )
    )
    writer._root_object[NameObject("/OCProperties")] = DictionaryObject(
        {
            NameObject("/OCGs"): ArrayObject([layer]),
            NameObject("/D"): DictionaryObject({NameObject("/OFF"): ArrayObject([layer])}),
        }
    )
    writer.add_attachment("notes.txt", b"attached notes")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_attachments(files: dict[str, bytes], annotated: dict[str, bytes]) -> bytes:
    """A one-page PDF with ``files`` attached to the document and ``annotated`` attached
    through FileAttachment annotations on its page."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with_text(["See the attachments"]))))
    for name, data in files.items():
        writer.add_attachment(name, data)
    page = writer.pages[0]
    annotations = ArrayObject()
    for name, data in annotated.items():
        stream = DecodedStreamObject()
        stream.set_data(data)
        stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
        spec = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Filespec"),
                NameObject("/F"): TextStringObject(name),
                NameObject("/UF"): TextStringObject(name),
                NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)}),
            }
        )
        annotation = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/FileAttachment"),
                NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (72, 700, 90, 718)]),
                NameObject("/FS"): writer._add_object(spec),
            }
        )
        annotations.append(writer._add_object(annotation))
    if annotations:
        page[NameObject("/Annots")] = annotations
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_long(pages: int = 60, lines: int = 45) -> bytes:
    """Many pages of text: slow enough to overrun a tiny time limit."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for number in range(pages):
        page.setFont("Helvetica", 9)
        for line in range(lines):
            page.drawString(40, 800 - 17 * line, f"Page {number} line {line}: notes of a meeting.")
        page.showPage()
    page.save()
    return buffer.getvalue()
