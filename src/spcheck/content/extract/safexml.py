"""XML from untrusted files: defusedxml, no DTDs, no entities, no external references.

OOXML never needs a DTD, so any DTD at all is refused; that shuts out billion-laughs and
quadratic-blowup entity attacks before the parser expands anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET

from spcheck.content.interface import MalformedFile, UnsafeFile

# expat's ParseError; an encoding the XML declaration names that Python does not know
# (LookupError) or cannot decode with (UnicodeError, a ValueError).
_NOT_XML = (ParseError, LookupError, ValueError)


def parse(data: bytes, part: str) -> Element:
    """The root element of ``data``; ``part`` names it in errors."""
    try:
        root: Element = DefusedET.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        return root
    except DefusedXmlException:
        raise UnsafeFile(f"{part}: refused an XML part with a DTD or entities") from None
    except _NOT_XML:
        raise MalformedFile(f"{part}: not well-formed XML") from None


def iterparse(data: bytes, part: str) -> Iterator[tuple[str, Element]]:
    """Start and end events over ``data``, for parts too large to hold as one tree."""
    try:
        yield from DefusedET.iterparse(
            BytesIO(data),
            events=("start", "end"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )
    except DefusedXmlException:
        raise UnsafeFile(f"{part}: refused an XML part with a DTD or entities") from None
    except _NOT_XML:
        raise MalformedFile(f"{part}: not well-formed XML") from None


def local(tag: str) -> str:
    """The tag without its namespace."""
    return tag.rpartition("}")[2]
