"""Embedded objects: a workbook or document inside another is read like a file of its own.

A spreadsheet pasted into a Word report keeps the whole workbook, every sheet and
cached value, though the reader sees only a picture of part of it. So each embedded
Office package or PDF is opened (``Limits.max_nesting`` levels deep, under the same caps
and the same sandbox as its container) and its text, hidden data and formatting-only
redactions are reported under the embedding's part name, for example
``word/embeddings/Microsoft_Excel_Worksheet.xlsx › sheet 'Cases' B4``.

An embedded object that cannot be opened (an OLE object, an encrypted or damaged
package, one nested too deep) was not checked: it is a gap, which makes the file
unverifiable rather than a pass. ActiveX controls are reported as hidden data only:
they hold a control's settings, not document content.
"""

from __future__ import annotations

from dataclasses import replace

from spcheck.content.extract.ooxml import Package
from spcheck.content.interface import (
    EncryptedFile,
    Extraction,
    ExtractionError,
    HiddenItem,
    Limits,
)

# What reads between the embedding's part name and a location inside it.
WITHIN = " › "
_OPENABLE = (b"PK\x03\x04", b"%PDF-")


def _is_object(name: str, folder: str) -> bool:
    return name.lower().rpartition("/")[0].endswith(folder)


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
    )


def _open(data: bytes, name: str, limits: Limits) -> Extraction | str:
    """The object's extraction, or why it could not be read (never its content)."""
    from spcheck.content.extract import extract, is_encrypted_office

    if is_encrypted_office(data):
        return "encrypted"
    if not data.startswith(_OPENABLE):
        return "not a document spcheck can open (an OLE object)"
    if limits.max_nesting <= 0:
        return "inside other embedded objects, deeper than spcheck opens"

    inner_limits = replace(limits, max_nesting=limits.max_nesting - 1)
    try:
        return extract(data, name, inner_limits, positions=False)
    except EncryptedFile:
        return "encrypted"
    except ExtractionError as error:
        return str(error) or type(error).__name__



def with_embedded(extraction: Extraction, package: Package, limits: Limits) -> Extraction:
    """``extraction`` with the package's embedded objects recorded, and opened where possible."""
    hidden: list[HiddenItem] = []
    gaps: list[str] = []
    for name in package.names:
        if _is_object(name, "/activex"):
            hidden.append(
                HiddenItem(
                    "embedded_object",
                    name,
                    f"an ActiveX control ({package.zip.size(name):,} bytes)",
                )
            )
            continue
        if not _is_object(name, "/embeddings"):
            continue
        size = package.zip.size(name)
        opened = _open(package.zip.read(name), name, limits)
        if isinstance(opened, str):
            hidden.append(
                HiddenItem(
                    "embedded_object",
                    name,
                    f"an embedded object ({size:,} bytes) whose content was not checked: {opened}",
                )
            )
            gaps.append(f"the embedded object {name}: {opened}")
            continue
        hidden.append(
            HiddenItem(
                "embedded_object",
                name,
                f"an embedded {opened.type} ({size:,} bytes), checked as part of this file",
            )
        )
        extraction = _merge(extraction, name, opened)
    return replace(
        extraction,
        hidden=extraction.hidden + tuple(hidden),
        gaps=extraction.gaps + tuple(gaps),
    )
