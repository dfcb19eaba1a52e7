"""Extraction: untrusted bytes in, an ``Extraction`` (segments and hidden-data record) out.

The type is told from the content, not the name (a PDF called ``.docx`` is read as a
PDF); the name only decides between text formats and names an encrypted Office file.
Extractors are imported when first needed: pdfplumber alone costs a third of a second.
"""

from __future__ import annotations

from spcheck.content.interface import (
    DEFAULT_LIMITS,
    EncryptedFile,
    Extraction,
    Extractor,
    FileType,
    Limits,
    MalformedFile,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Stream names in an OLE directory are UTF-16LE.
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_VBA_PROJECT = "_VBA_PROJECT".encode("utf-16-le")
_BY_EXTENSION: dict[str, FileType] = {
    **dict.fromkeys(("docx", "docm", "dotx", "dotm"), "docx"),
    **dict.fromkeys(("xlsx", "xlsm", "xltx", "xltm"), "xlsx"),
    **dict.fromkeys(("pptx", "pptm", "potx", "potm", "ppsx", "ppsm"), "pptx"),
    "pdf": "pdf",
    **dict.fromkeys(("jpg", "jpeg", "png", "tif", "tiff", "gif", "bmp", "webp"), "image"),
    "csv": "csv",
    "txt": "txt",
}
# The first bytes of the image formats read by OCR (WebP: "RIFF", a size, then "WEBP").
_IMAGE_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"GIF87a",
    b"GIF89a",
)
_MAIN_PARTS: tuple[tuple[bytes, FileType], ...] = (
    (b"word/document.xml", "docx"),
    (b"xl/workbook.xml", "xlsx"),
    (b"ppt/presentation.xml", "pptx"),
)


def extension(file_name: str) -> str:
    _, dot, ext = file_name.rpartition(".")
    return ext.lower() if dot else ""


def type_from_name(file_name: str) -> FileType:
    return _BY_EXTENSION.get(extension(file_name), "other")


def guess_type(data: bytes, file_name: str) -> FileType:
    """The file's type from its first bytes (and, for zips, its directory), cheaply."""
    if data.startswith(ZIP_MAGIC):
        # Entry names sit uncompressed in the zip's directory.
        for marker, file_type in _MAIN_PARTS:
            if marker in data:
                return file_type
        return "other"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if (
        data.startswith(_IMAGE_MAGIC)
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
        or (data[:2] == b"BM" and data[6:10] == b"\0\0\0\0")  # BMP: reserved bytes are 0
    ):
        return "image"
    named = type_from_name(file_name)
    if data.startswith(OLE_MAGIC):
        return named if named in ("docx", "xlsx", "pptx") else "other"
    return named if named in ("csv", "txt") else "other"


def is_encrypted_office(data: bytes) -> bool:
    """An Office file saved with a password: an OLE container holding the encrypted package."""
    return data.startswith(OLE_MAGIC) and (_ENCRYPTION_INFO in data or _ENCRYPTED_PACKAGE in data)


def ole_has_macros(data: bytes) -> bool:
    return data.startswith(OLE_MAGIC) and _VBA_PROJECT in data


def _extractor(file_type: FileType) -> Extractor:
    if file_type == "docx":
        from spcheck.content.extract.docx import DocxExtractor

        return DocxExtractor()
    if file_type == "xlsx":
        from spcheck.content.extract.xlsx import XlsxExtractor

        return XlsxExtractor()
    if file_type == "pptx":
        from spcheck.content.extract.pptx import PptxExtractor

        return PptxExtractor()
    if file_type == "pdf":
        from spcheck.content.extract.pdf import PdfExtractor

        return PdfExtractor()
    if file_type == "image":
        from spcheck.content.extract.image import ImageExtractor

        return ImageExtractor()
    if file_type == "csv":
        from spcheck.content.extract.text import CsvExtractor

        return CsvExtractor()
    from spcheck.content.extract.text import TextExtractor

    return TextExtractor()


def extract(
    data: bytes, file_name: str, limits: Limits = DEFAULT_LIMITS, *, positions: bool = True
) -> Extraction:
    """Reads ``data`` in this process; call it inside the sandbox for untrusted files.

    Raises ``ExtractionError`` subclasses: ``EncryptedFile``, ``UnsafeFile``,
    ``MalformedFile``, ``TooMuchContent``.
    """
    file_type = guess_type(data, file_name)
    if data.startswith(OLE_MAGIC):
        if is_encrypted_office(data):
            raise EncryptedFile("an encrypted Office file: its content cannot be checked")
        if file_type != "other":
            raise MalformedFile("an old binary Office file named as an Office Open XML one")
        return Extraction(type="other", macros=ole_has_macros(data))
    if file_type == "other":
        named = type_from_name(file_name)
        if named not in ("other", "csv", "txt"):
            raise MalformedFile(f"not a valid .{extension(file_name)} file")
        return Extraction(type="other")
    return _extractor(file_type).extract(data, limits, positions=positions)
