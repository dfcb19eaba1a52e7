"""Embedded objects: a workbook or document inside another is read like a file of its own.

A spreadsheet pasted into a Word report keeps the whole workbook, every sheet and
cached value, though the reader sees only a picture of part of it. So each embedded
Office package or PDF is opened (``Limits.max_nesting`` levels deep, under the same caps
and the same sandbox as its container) and its text, hidden data and failed
redactions (boxes over live PDF text, fake redaction in Word) are reported under the
embedding's part name, for example
``word/embeddings/Microsoft_Excel_Worksheet.xlsx › sheet 'Cases' B4``.

Word and Excel store "Create from file" as an OLE object, whose content is as
recoverable as a pasted workbook's: an OLE object that wraps a file, a PDF or an Office
package is unwrapped (``ole.inner_file``) and the file inside read the same way, at the
same nesting level, since the wrapper adds no content of its own.

An embedded object that cannot be opened (an OLE object of another kind, an encrypted
or damaged package, one nested too deep, a file type spcheck does not read) was not
checked: it is a gap, which makes the file unverifiable rather than a pass. ActiveX
controls are reported as hidden data only: they hold a control's settings, not
document content.
"""

from __future__ import annotations

from dataclasses import replace

from spcheck.content.detectors.interface import TextSegment
from spcheck.content.extract.image import location_item
from spcheck.content.extract.ole import UNKNOWN_KIND, inner_file
from spcheck.content.extract.ooxml import Package
from spcheck.content.extract.safexml import local
from spcheck.content.interface import (
    EncryptedFile,
    Extraction,
    ExtractionError,
    HiddenItem,
    Limits,
)
from spcheck.content.ocr.interface import Picture
from spcheck.content.ocr.pixels import has_photo_location

# Media that holds no picture to read.
_SOUND_AND_VIDEO = frozenset({"mp3", "mp4", "m4a", "wav", "wma", "wmv", "avi", "mov", "mpg"})
# Pictures kept elsewhere in a package: the thumbnail Office saves of the first page
# (docProps/thumbnail.jpeg) shows that page as it was when saved, which may be before a
# redaction, so it is read like any other picture; so is any picture part of a package.
_PICTURE_TYPES = frozenset(
    {"png", "jpg", "jpeg", "jpe", "gif", "bmp", "tif", "tiff", "webp", "emf", "wmf"}
)
_THUMBNAIL = "the thumbnail of the first page that Office saved with the document"
# What reads between the embedding's part name and a location inside it.
WITHIN = " › "
_OPENABLE = (b"PK\x03\x04", b"%PDF-")
_UNREADABLE = "a kind of file spcheck does not read"
_TOO_DEEP = "inside other embedded objects, deeper than spcheck opens"


def _is_object(name: str, folder: str) -> bool:
    return name.lower().rpartition("/")[0].endswith(folder)


def _is_picture_part(name: str, package: Package) -> bool:
    if name.endswith("/"):
        return False
    extension = name.rpartition(".")[2].lower()
    return extension in _PICTURE_TYPES or package.content_type(name).startswith("image/")


def _is_thumbnail(name: str) -> bool:
    return name.lower().startswith("docprops/thumbnail")


def _inside(name: str, location: str) -> str:
    return f"{name}{WITHIN}{location}"


def _merge(outer: Extraction, name: str, inner: Extraction) -> Extraction:
    """``outer`` with everything read from the object ``name`` added, located inside it."""
    return replace(
        outer,
        segments=outer.segments
        + tuple(replace(s, location=_inside(name, s.location)) for s in inner.segments),
        hidden=outer.hidden
        + tuple(replace(h, location=_inside(name, h.location)) for h in inner.hidden),
        fake_redactions=outer.fake_redactions
        + tuple(replace(f, location=_inside(name, f.location)) for f in inner.fake_redactions),
        macros=outer.macros or inner.macros,
        notes={
            **outer.notes,
            **{_inside(name, where): why for where, why in inner.notes.items()},
        },
        gaps=outer.gaps + tuple(_inside(name, gap) for gap in inner.gaps),
        pages=outer.pages
        + tuple(replace(page, within=_inside(name, page.within)) for page in inner.pages),
        pictures=outer.pictures
        + tuple(replace(p, where=_inside(name, p.where)) for p in inner.pictures),
    )


def _open(data: bytes, file_name: str, limits: Limits, positions: bool) -> Extraction | str:
    """The object's extraction, or why it could not be read (never its content)."""
    from spcheck.content.extract import (
        OLE_MAGIC,
        extract,
        is_encrypted_office,
        type_from_name,
    )

    if is_encrypted_office(data):
        return "encrypted"
    if data.startswith(OLE_MAGIC):
        if limits.max_nesting <= 0:
            return _TOO_DEEP  # before olefile reads anything that would not be checked
        # Unwrapped once, never again: the file inside goes on below, to ``extract`` and
        # its nesting limit, or is a gap; an OLE object inside one is not unwrapped.
        inner = inner_file(data)
        if isinstance(inner, str):
            return inner
        file_name, data = inner
        if is_encrypted_office(data):
            return "encrypted"
        if data.startswith(OLE_MAGIC):
            return UNKNOWN_KIND
    if not data.startswith(_OPENABLE) and type_from_name(file_name) not in ("csv", "txt"):
        return _UNREADABLE
    if limits.max_nesting <= 0:
        return _TOO_DEEP
    inner_limits = replace(limits, max_nesting=limits.max_nesting - 1)
    try:
        opened = extract(data, file_name, inner_limits, positions=positions)
    except EncryptedFile:
        return "encrypted"
    except ExtractionError as error:
        return str(error) or type(error).__name__
    # A zip that is no Office package (an OpenDocument file, a plain archive) was not
    # read: calling it checked would be a pass for content nobody looked at.
    return _UNREADABLE if opened.type == "other" else opened


def with_object(
    extraction: Extraction,
    name: str,
    data: bytes,
    limits: Limits,
    what: str,
    file_name: str | None = None,
    *,
    positions: bool,
) -> Extraction:
    """``extraction`` with the object at ``name`` (``what`` it is) recorded, and read if it can
    be; ``file_name``, when it differs from ``name``, only helps tell the object's type."""
    opened = _open(data, file_name or name, limits, positions)
    if isinstance(opened, str):
        item = HiddenItem(
            "embedded_object",
            name,
            f"{what} ({len(data):,} bytes) whose content was not checked: {opened}",
        )
        return replace(
            extraction,
            hidden=(*extraction.hidden, item),
            gaps=(*extraction.gaps, f"{what} {name}: {opened}"),
        )
    item = HiddenItem(
        "embedded_object",
        name,
        f"{what} ({opened.type}, {len(data):,} bytes), checked as part of this file",
    )
    merged = _merge(extraction, name, opened)
    return replace(merged, hidden=(*merged.hidden, item))


def with_embedded(
    extraction: Extraction, package: Package, limits: Limits, *, positions: bool
) -> Extraction:
    """``extraction`` with the package's embedded objects recorded, and opened where possible."""
    hidden: list[HiddenItem] = []
    pictures: list[Picture] = []
    segments: list[TextSegment] = []
    for name in package.names:
        if _is_object(name, "/media"):
            ext = name.rpartition(".")[2].lower()
            if ext == "svg":  # drawn text is text: read as such
                segments.extend(_svg_text(name, package))
            elif ext not in _SOUND_AND_VIDEO:
                data = package.zip.read(name)
                pictures.append(Picture(name, "image", data, 0, "a picture in the document"))
                if has_photo_location(data):
                    hidden.append(location_item(name))
        elif _is_object(name, "/activex"):
            hidden.append(
                HiddenItem(
                    "embedded_object",
                    name,
                    f"an ActiveX control ({package.zip.size(name):,} bytes)",
                )
            )
        elif _is_object(name, "/embeddings"):
            data = package.zip.read(name)
            extraction = with_object(
                extraction, name, data, limits, "an embedded object", positions=positions
            )
        elif _is_picture_part(name, package):
            if name.lower().endswith(".svg"):
                segments.extend(_svg_text(name, package))
                continue
            reason = _THUMBNAIL if _is_thumbnail(name) else "a picture in the package"
            pictures.append(Picture(name, "image", package.zip.read(name), 0, reason))
    # A picture in a format spcheck cannot draw (a Windows metafile) fails when it is
    # read, and is then a gap: it can hold text.
    return replace(
        extraction,
        segments=extraction.segments + tuple(segments),
        hidden=extraction.hidden + tuple(hidden),
        pictures=extraction.pictures + tuple(pictures),
    )


def _svg_text(name: str, package: Package) -> list[TextSegment]:
    root = package.zip.xml(name)
    texts = (" ".join(t.strip() for t in e.itertext() if t.strip()) for e in root.iter())
    lines = [t for e, t in zip(root.iter(), texts, strict=True) if local(e.tag) == "text" and t]
    return [TextSegment(text, f"{name} line {n}") for n, text in enumerate(lines, start=1)]
