"""What every OOXML package shares: content types, relationships, macros, embedded
objects, document properties and DrawingML text (shapes, slides, charts, SmartArt)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from spcheck.content.detectors.interface import TextSegment
from spcheck.content.extract.properties import names_someone
from spcheck.content.extract.safexml import local
from spcheck.content.extract.safezip import SafeZip
from spcheck.content.interface import HiddenItem, Limits
from spcheck.domain.findings import mask

CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_CORE = {
    "{http://purl.org/dc/elements/1.1/}creator": ("author", "author"),
    "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}lastModifiedBy": (
        "last modified by",
        "last_modified_by",
    ),
}
_CORE_TEXT = {
    "{http://purl.org/dc/elements/1.1/}title": "title",
    "{http://purl.org/dc/elements/1.1/}subject": "subject",
    "{http://purl.org/dc/elements/1.1/}description": "description",
    "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}keywords": (
        "keywords"
    ),
    "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}category": (
        "category"
    ),
}
_APP_PEOPLE = ("Company", "Manager")
# Custom properties that Office, SharePoint and sensitivity labels write on their own.
_SYSTEM_CUSTOM = re.compile(
    r"^(?:ContentTypeId|MediaService\w*|_dlc_\w*|MSIP_Label_\w*|TaxCatchAll\w*|Order|"
    r"_ExtendedDescription|TriggerFlowInfo|ComplianceAssetId|_SourceUrl|_SharedFileIndex|"
    r"xd_Signature|xd_ProgID|TemplateUrl|lcf76f155ced4ddcb4097134ff3c332f|_activity|"
    r"GrammarlyDocumentId|KSOProductBuildVer|ICV)$"
)
_MACRO_TYPE = re.compile(r"macroenabled|vbaproject|ms-excel\.(?:intl)?macrosheet", re.IGNORECASE)


class Package:
    """An OOXML package: its parts, their content types and relationships."""

    def __init__(self, data: bytes, limits: Limits) -> None:
        self.zip = SafeZip(data, limits)
        self.names = self.zip.names
        self._types = self._content_types()

    def _content_types(self) -> dict[str, str]:
        types: dict[str, str] = {}
        root = self.zip.xml_or_none("[Content_Types].xml")
        if root is None:
            return types
        for item in root:
            name = local(item.tag)
            if name == "Default":
                types["*." + item.get("Extension", "").lower()] = item.get("ContentType", "")
            elif name == "Override":
                types[item.get("PartName", "").lstrip("/").lower()] = item.get("ContentType", "")
        return types

    def content_type(self, part: str) -> str:
        key = part.lower()
        if key in self._types:
            return self._types[key]
        return self._types.get("*." + key.rpartition(".")[2], "")

    def relationships(self, part: str) -> dict[str, str]:
        """Relationship id -> target part, for the internal targets of ``part``."""
        folder, _, name = part.rpartition("/")
        rels_name = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
        root = self.zip.xml_or_none(rels_name)
        targets: dict[str, str] = {}
        if root is None:
            return targets
        for rel in root.iter(f"{PKG_REL}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(folder, target))
            targets[rel.get("Id", "")] = resolved
        return targets

    def parts(self, pattern: str) -> list[str]:
        """Part names matching ``pattern`` (a case-insensitive full match), in number order."""
        regex = re.compile(pattern, re.IGNORECASE)
        return sorted((n for n in self.names if regex.fullmatch(n)), key=_natural)

    def has_macros(self) -> bool:
        if any(n.lower().endswith("vbaproject.bin") for n in self.names):
            return True
        if any(n.lower().startswith("xl/macrosheets/") for n in self.names):
            return True
        return any(_MACRO_TYPE.search(ctype) for ctype in self._types.values())

    def properties(self) -> tuple[list[TextSegment], list[HiddenItem]]:
        """Document properties: all as text to scan, those naming people as hidden data."""
        segments: list[TextSegment] = []
        hidden: list[HiddenItem] = []

        def person(part: str, label: str, value: str, kind: str) -> None:
            location = f"{part} {label}"
            segments.append(TextSegment(value, location))
            if names_someone(value):
                hidden.append(
                    HiddenItem(
                        "document_property",
                        location,
                        f"the document property '{label}' names a person or organisation",
                        mask(value),
                        property=kind,
                    )
                )

        core = self.zip.xml_or_none("docProps/core.xml")
        if core is not None:
            for element in core:
                value = (element.text or "").strip()
                if not value:
                    continue
                if element.tag in _CORE:
                    label, kind = _CORE[element.tag]
                    person("docProps/core.xml", label, value, kind)
                elif element.tag in _CORE_TEXT:
                    segments.append(
                        TextSegment(value, f"docProps/core.xml {_CORE_TEXT[element.tag]}")
                    )
        app = self.zip.xml_or_none("docProps/app.xml")
        if app is not None:
            for element in app:
                name = local(element.tag)
                value = (element.text or "").strip()
                if name in _APP_PEOPLE and value:
                    person("docProps/app.xml", name, value, name.lower())
                elif name == "TitlesOfParts":
                    titles = [t for t in element.iter() if local(t.tag) == "lpstr" and t.text]
                    segments.extend(
                        TextSegment(title.text or "", f"docProps/app.xml part title {number}")
                        for number, title in enumerate(titles, start=1)
                    )
        custom = self.zip.xml_or_none("docProps/custom.xml")
        if custom is not None:
            for prop in custom:
                name = prop.get("name", "")
                value = " ".join(t.strip() for t in prop.itertext() if t.strip())
                if not value or _SYSTEM_CUSTOM.match(name):
                    continue
                segments.append(TextSegment(value, f"docProps/custom.xml property {len(segments)}"))
                hidden.append(
                    HiddenItem(
                        "document_property",
                        "docProps/custom.xml",
                        "a custom document property holds a value",
                        mask(value),
                        property="custom",
                    )
                )
        return segments, hidden


def iter_tag(root: Element, tag: str) -> Iterator[Element]:
    """Elements named ``tag`` in document order, skipping markup-compatibility fallbacks
    (they repeat the choice's content for older readers)."""
    stack = [root]
    while stack:
        element = stack.pop()
        if element.tag == MC_FALLBACK:
            continue
        if element.tag == tag:
            yield element
        stack.extend(reversed(element))


def drawing_lines(root: Element) -> list[str]:
    """The text of each DrawingML paragraph (shapes, text boxes, slides, notes, SmartArt)."""
    lines = []
    for paragraph in iter_tag(root, f"{A}p"):
        pieces = []
        for element in paragraph.iter():
            if element.tag == f"{A}t" and element.text:
                pieces.append(element.text)
            elif element.tag == f"{A}br":
                pieces.append(" ")
        lines.append("".join(pieces))
    return lines


def drawing_segments(root: Element, location: str) -> list[TextSegment]:
    """DrawingML paragraphs and chart caches of one part as segments."""
    segments = [
        TextSegment(text, f"{location} line {number}")
        for number, text in enumerate(drawing_lines(root), start=1)
        if text.strip()
    ]
    for cache_tag, numeric in ((f"{C}strCache", False), (f"{C}numCache", True)):
        for cache in root.iter(cache_tag):
            for point, value in enumerate(cache.iter(f"{C}v"), start=1):
                if value.text and value.text.strip():
                    segments.append(
                        TextSegment(value.text.strip(), f"{location} cached value {point}", numeric)
                    )
    return segments


def _natural(name: str) -> tuple[object, ...]:
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name))
