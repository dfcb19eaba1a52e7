"""PDF files: pypdf for the document structure (encryption, metadata, layers, attached
files, earlier revisions) and pdfplumber for the pages (text with positions, filled
shapes, annotations). Both read under caps; the sandbox adds time and memory limits.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping
from io import BytesIO
from typing import Any

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PyPdfError

from spcheck.content.detectors.interface import TextSegment
from spcheck.content.extract.embedded import with_object
from spcheck.content.extract.pdfpage import LaidOutPage, lay_out
from spcheck.content.extract.properties import names_someone
from spcheck.content.extract.scanned import page_picture
from spcheck.content.extract.wording import counted
from spcheck.content.interface import (
    Box,
    EncryptedFile,
    Extraction,
    Extractor,
    HiddenItem,
    Limits,
    MalformedFile,
    PdfChar,
    PdfFill,
    PdfPage,
    TooMuchContent,
)
from spcheck.content.ocr.interface import Picture
from spcheck.domain.findings import mask

# An end-of-file marker on a line of its own: every save (full or incremental) writes one.
_EOF = re.compile(rb"(?:^|[\r\n])%%EOF[ \t\0]*(?=[\r\n]|$)")
_SILENT_ANNOTATIONS = frozenset({"Link", "Popup", "Widget", "Redact", "FileAttachment"})
# pypdf and pdfminer raise their own errors on a broken PDF, and on a hostile one whatever
# their code trips over: every one of them means the PDF cannot be read, never a crash.
_CHOKED = (
    TypeError,
    AttributeError,
    IndexError,
    ZeroDivisionError,
    OverflowError,
    RecursionError,
    AssertionError,
    struct.error,
    EOFError,
    NotImplementedError,
)
_PARSE_ERRORS = (
    PyPdfError,
    PSException,
    PDFSyntaxError,
    PdfminerException,
    MalformedPDFException,
    KeyError,
    ValueError,
    OSError,  # pdfminer's PDFIOError among them
    *_CHOKED,
)


def _name(value: Any) -> str:
    name = getattr(value, "name", value)
    if isinstance(name, bytes):
        return name.decode("latin-1")
    return str(name).lstrip("/")


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        for encoding in ("utf-8", "utf-16", "latin-1"):
            try:
                return value.decode(encoding)
            except UnicodeDecodeError:
                continue
    return "" if value is None else str(value)


def _open(data: bytes) -> tuple[PdfReader, bool]:
    """The pypdf reader, and whether the file was encrypted (with an empty user password)."""
    try:
        reader = PdfReader(BytesIO(data), strict=False)
    except _PARSE_ERRORS:
        raise MalformedFile("not a readable PDF") from None
    if not reader.is_encrypted:
        return reader, False
    try:
        opened = reader.decrypt("")
    except (PyPdfError, NotImplementedError, ValueError):
        raise EncryptedFile("an encrypted PDF that cannot be opened") from None
    if not opened:
        raise EncryptedFile("a password-protected PDF: its content cannot be checked")
    return reader, True


def _revision_ends(data: bytes) -> list[int]:
    """Offsets just past each end-of-file marker but the last: the earlier saved versions."""
    ends = [match.end() for match in _EOF.finditer(data)]
    if ends and b"/Linearized" in data[:4096]:
        ends = ends[1:]  # a linearised file's first-page section ends with its own marker
    return ends[:-1]


def _normalised(text: str) -> str:
    return "".join(text.split())


class _PdfReading:
    def __init__(self, data: bytes, limits: Limits, positions: bool) -> None:
        self.data = data
        self.limits = limits
        self.positions = positions
        self.segments: list[TextSegment] = []
        self.visible: list[str] = []
        self.hidden: list[HiddenItem] = []
        self.notes: dict[str, str] = {}
        self.pages: list[PdfPage] = []
        self.gaps: list[str] = []
        self.pictures: list[Picture] = []
        self.chars = 0
        # Attached files, opened once the PDF itself is read: (where, what, bytes, file name).
        self.objects: list[tuple[str, str, bytes, str]] = []

    def read(self) -> Extraction:
        start = self.data.find(b"%PDF-", 0, 1024)
        if start < 0:
            raise MalformedFile("not a PDF (no %PDF- header)")
        if not _EOF.search(self.data[-2048:]):
            raise MalformedFile("a truncated PDF (no end-of-file marker)")
        reader, encrypted = _open(self.data)
        try:
            count = len(reader.pages)
        except _PARSE_ERRORS:
            raise MalformedFile("a PDF whose page tree cannot be read") from None
        if count > self.limits.max_pages:
            raise TooMuchContent(f"{count} pages (cap {self.limits.max_pages})")
        self._structure(reader)
        self._layout(encrypted, count)
        self._revisions(reader)
        extraction = Extraction(
            type="pdf",
            segments=tuple(self.segments),
            visible_text="\n".join(self.visible),
            hidden=tuple(self.hidden),
            pages=tuple(self.pages),
            notes=self.notes,
            gaps=tuple(self.gaps),
            pictures=tuple(self.pictures),
        )
        for where, what, data, file_name in self.objects:
            extraction = with_object(
                extraction, where, data, self.limits, what, file_name, positions=self.positions
            )
        return extraction

    # Document structure (pypdf) -------------------------------------------------------

    def _structure(self, reader: PdfReader) -> None:
        metadata: Mapping[str, Any]
        try:
            metadata = reader.metadata or {}
        except _PARSE_ERRORS:
            metadata = {}
        for key in ("/Title", "/Subject", "/Keywords", "/Author"):
            value = _text(metadata.get(key)).strip()
            if not value:
                continue
            label = key.lstrip("/").lower()
            self.segments.append(TextSegment(value, f"document information {label}"))
            if key == "/Author" and names_someone(value):
                self.hidden.append(
                    HiddenItem(
                        "document_property",
                        "document information author",
                        "the document's metadata names its author",
                        mask(value),
                        property="author",
                    )
                )
        try:
            root: Any = reader.trailer["/Root"].get_object()
            properties: Any = root.get("/OCProperties")
            off = properties.get_object()["/D"].get_object().get("/OFF", []) if properties else []
            for number, _layer in enumerate(off, start=1):
                self.hidden.append(
                    HiddenItem(
                        "pdf_hidden_layer",
                        f"layer {number}",
                        "a layer switched off by default: its content is in the file, not shown",
                    )
                )
        except (*_PARSE_ERRORS, AttributeError, TypeError):
            self.gaps.append("the PDF's optional content (layers)")
        try:
            # The attachment's own name is the partnership's text: it tells the file's type
            # but is never shown.
            attachments = [
                (str(name), data) for name, files in reader.attachments.items() for data in files
            ]
        except (*_PARSE_ERRORS, AttributeError, TypeError):
            attachments = []
            self.gaps.append("the PDF's attached files")
        for number, (file_name, data) in enumerate(attachments, start=1):
            where = f"attached file {number}"
            self.objects.append((where, "a file attached to the PDF", data, file_name))

    # Pages (pdfplumber) ---------------------------------------------------------------

    def _layout(self, encrypted: bool, count: int) -> None:
        try:
            with pdfplumber.open(BytesIO(self.data), password="" if encrypted else None) as pdf:
                if len(pdf.pages) != count:
                    self.gaps.append("pages that pypdf and pdfminer count differently")
                for page in pdf.pages:
                    self._page(page)
        except TooMuchContent:
            raise
        except _PARSE_ERRORS:
            raise MalformedFile("a PDF whose pages cannot be read") from None

    def _page(self, page: Any) -> None:
        number = page.page_number
        laid = lay_out(page)
        for line, text in enumerate(laid.lines, start=1):
            if not text.strip():
                continue
            location = f"page {number} line {line}"
            self.segments.append(TextSegment(text, location))
            self.chars += len(text)
            invisible = laid.invisible_lines.get(line, "")
            if invisible and len(_normalised(invisible)) == len(_normalised(text)):
                self.notes[location] = "invisible text"
            else:
                self.visible.append(text)
        if self.chars > self.limits.max_text_chars:
            raise TooMuchContent(f"more than {self.limits.max_text_chars:,} characters of text")
        if laid.invisible_lines:
            lines = sorted(laid.invisible_lines)
            shown = ", ".join(str(n) for n in lines[:10]) + (", ..." if len(lines) > 10 else "")
            self.hidden.append(
                HiddenItem(
                    "pdf_invisible_text",
                    f"page {number}",
                    f"text no reader sees (invisible render mode, white on the page, too small "
                    f"or off the page) on {counted(len(lines), 'line')} ({shown}): an OCR layer "
                    "or hidden words",
                )
            )
        picture = page_picture(self.data, number, laid)
        if picture is not None:
            self.pictures.append(picture)
        redactions = self._annotations(page, number)
        if self.positions or redactions:
            self.pages.append(_page_record(number, laid, redactions))

    def _attached(self, annotation: dict[str, Any], location: str) -> None:
        what = "a file attached as an annotation"
        try:
            spec = resolve1(annotation.get("FS"))
            stream = resolve1(resolve1(spec.get("EF")).get("F"))
            data = stream.get_data()
            file_name = _text(resolve1(spec.get("UF") or spec.get("F")))
        except (*_PARSE_ERRORS, AttributeError, TypeError, KeyError):
            self.hidden.append(
                HiddenItem("embedded_object", location, f"{what}, which could not be read")
            )
            self.gaps.append(f"{what} at {location}")
            return
        self.objects.append((location, what, bytes(data), file_name))

    def _annotations(self, page: Any, number: int) -> tuple[Box, ...]:
        redactions: list[Box] = []
        try:
            annotations = page.annots
        except (*_PARSE_ERRORS, TypeError, AttributeError):
            self.gaps.append(f"the annotations of page {number}")
            return ()
        for index, annotation in enumerate(annotations, start=1):
            data = annotation.get("data") or {}
            subtype = _name(data.get("Subtype", ""))
            location = f"page {number} annotation {index}"
            contents = _text(annotation.get("contents") or data.get("Contents")).strip()
            if contents:
                self.segments.append(TextSegment(contents, location))
            if subtype == "Widget":
                value = _text(data.get("V")).strip()
                if value and not value.startswith("/"):
                    self.segments.append(TextSegment(value, f"page {number} form field {index}"))
            elif subtype == "Redact":
                redactions.append(
                    Box(annotation["x0"], annotation["top"], annotation["x1"], annotation["bottom"])
                )
            elif subtype == "FileAttachment":
                self._attached(data, location)
            if subtype not in _SILENT_ANNOTATIONS:
                detail = f" with {len(contents)} characters of text" if contents else ""
                author = " and its author's name" if data.get("T") else ""
                self.hidden.append(
                    HiddenItem(
                        "pdf_annotation",
                        location,
                        f"a {subtype or 'unknown'} annotation{detail}{author}",
                    )
                )
        return tuple(redactions)

    # Earlier revisions (incremental updates) --------------------------------------------

    def _revisions(self, reader: PdfReader) -> None:
        ends = _revision_ends(self.data)
        if not ends:
            return
        current = self._plain_lines(reader)
        unread = 0
        differing = 0
        for revision, end in enumerate(ends[: self.limits.max_revisions], start=1):
            try:
                earlier = PdfReader(BytesIO(self.data[:end]), strict=False)
                if earlier.is_encrypted and not earlier.decrypt(""):
                    unread += 1
                    continue
                for page_number, page in enumerate(earlier.pages, start=1):
                    lines = (page.extract_text() or "").splitlines()
                    for line_number, text in enumerate(lines, start=1):
                        if text.strip() and _normalised(text) not in current:
                            differing += 1
                            location = (
                                f"earlier revision {revision} page {page_number} line {line_number}"
                            )
                            self.segments.append(TextSegment(text, location))
                            self.notes[location] = "superseded text"
            except (*_PARSE_ERRORS, FileNotDecryptedError, AttributeError, TypeError):
                unread += 1
        saves = len(ends)
        detail = (
            f"earlier text on {counted(differing, 'line')} differs from the current version"
            if differing
            else "no earlier text differs from the current version"
        )
        if unread:
            detail += f"; {counted(unread, 'earlier version')} could not be read"
        self.hidden.append(
            HiddenItem(
                "pdf_incremental_update",
                "file structure",
                f"saved incrementally {counted(saves, 'time')} over an earlier "
                f"version that stays in the file: {detail}",
            )
        )

    @staticmethod
    def _plain_lines(reader: PdfReader) -> set[str]:
        lines: set[str] = set()
        for page in reader.pages:
            try:
                text = page.extract_text() or ""
            except _PARSE_ERRORS:
                continue
            lines.update(_normalised(line) for line in text.splitlines())
        return lines


def _page_record(number: int, laid: LaidOutPage, redactions: tuple[Box, ...]) -> PdfPage:
    return PdfPage(
        number=number,
        width=laid.width,
        height=laid.height,
        chars=tuple(PdfChar(c.text, c.box, c.colour, c.order, c.line) for c in laid.chars),
        fills=tuple(PdfFill(f.box, f.colour, f.order, f.alpha, f.blend) for f in laid.fills),
        redact_annotations=redactions,
    )


class PdfExtractor(Extractor):
    file_type = "pdf"

    def extract(self, data: bytes, limits: Limits, *, positions: bool) -> Extraction:
        return _PdfReading(data, limits, positions).read()
