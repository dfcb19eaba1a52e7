"""Contracts of the content checks: what extraction yields, how it fails, what a scan returns.

Extraction turns an untrusted file into ``TextSegment``s (for the identifier detectors)
and a structured record of what a person could not see but could recover (hidden parts,
PDF characters and boxes with positions). ``hidden.py`` and ``redaction.py`` turn that
record into findings. Every value here crosses a process boundary (the sandbox), so all
of it is plain, picklable data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from spcheck.content.detectors.interface import TextSegment
from spcheck.content.ocr.interface import Picture
from spcheck.domain.findings import Finding

FileType = Literal["docx", "xlsx", "pptx", "pdf", "csv", "txt", "image", "other"]
Status = Literal["pass", "fail", "error"]

MIB = 1024 * 1024

# The kinds of content.hidden_data (runbooks/content.md).
HIDDEN_KINDS: frozenset[str] = frozenset(
    {
        "tracked_change",
        "comment",
        "hidden_text",
        "document_property",
        "hidden_sheet",
        "hidden_rowcol",
        "pivot_cache",
        "embedded_object",
        "pdf_annotation",
        "pdf_incremental_update",
        "pdf_invisible_text",
        "pdf_hidden_layer",
        "pdf_unapplied_redaction",
        "photo_location",
    }
)


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what one file may cost; past them the file is refused, never half-checked."""

    max_entries: int = 10_000  # zip entries in an OOXML package
    max_total_uncompressed: int = 512 * MIB
    max_part_bytes: int = 128 * MIB  # one zip entry, inflated
    max_ratio: float = 100.0  # inflate ratio above which an entry is a bomb
    # An entry smaller than this cannot exhaust anything, whatever its ratio: tiny,
    # very repetitive XML parts (an empty sheet) compress far beyond 100 times.
    ratio_floor: int = 1 * MIB
    max_pages: int = 2_000
    max_text_chars: int = 50_000_000
    max_revisions: int = 8  # earlier PDF revisions re-read for text they still hold
    max_nesting: int = 2  # embedded objects opened inside embedded objects, this deep
    time_limit: float = 30.0  # seconds per file, wall clock
    # The OCR engine reading an A4 page peaks at about 2 GiB of address space.
    memory_limit: int = 3072 * MIB  # address space of a sandbox worker
    # Reading pictures (OCR): pages or pictures read per file, pixels per picture (an A4
    # page at 600 dpi is 35 megapixels), and the seconds a file's pictures may take on
    # top of ``time_limit``. What is not read within them makes the file unverifiable.
    max_ocr_pages: int = 300
    max_picture_pixels: int = 60_000_000
    ocr_time_limit: float = 600.0


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class HiddenItem:
    """Something in the file a reader would not see; ``description`` never quotes it."""

    kind: str  # one of HIDDEN_KINDS
    location: str
    description: str
    masked: str | None = None
    # For a document property, which kind (policy.PropertyKind): the policy says which
    # kinds are reported, and at what severity.
    property: str | None = None


@dataclass(frozen=True, slots=True)
class FakeRedaction:
    """Word text formatted to look redacted (black highlight, shading, matching colour)."""

    location: str
    reason: str
    masked: str


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned rectangle in page space, origin top left, in points."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def area(self) -> float:
        return max(0.0, self.x1 - self.x0) * max(0.0, self.bottom - self.top)

    def overlap(self, other: Box) -> float:
        width = min(self.x1, other.x1) - max(self.x0, other.x0)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        return width * height if width > 0 and height > 0 else 0.0


@dataclass(frozen=True, slots=True)
class PdfChar:
    text: str
    box: Box
    colour: tuple[float, float, float] | None  # fill colour as RGB 0..1; None when unknown
    order: int  # painting order on the page (later paints over earlier)
    line: int  # the "page N line M" segment this character belongs to


@dataclass(frozen=True, slots=True)
class PdfFill:
    """A filled shape drawn on a page (a candidate redaction box).

    ``alpha`` and ``blend`` are the fill opacity (``ca``) and blend mode (``BM``) of the
    graphics state it was painted in: a see-through highlight painted over text hides
    nothing.
    """

    box: Box
    colour: tuple[float, float, float] | None
    order: int
    alpha: float = 1.0
    blend: str = "Normal"


@dataclass(frozen=True, slots=True)
class PdfPage:
    number: int  # 1-based
    width: float
    height: float
    chars: tuple[PdfChar, ...]
    fills: tuple[PdfFill, ...]
    redact_annotations: tuple[Box, ...] = ()
    # Where the page sits: "" for the file's own, "<part> › " for an embedded PDF's.
    within: str = ""

    @property
    def label(self) -> str:
        return f"{self.within}page {self.number}"


@dataclass(frozen=True, slots=True)
class PictureLine:
    """Where a line read from a picture lies: one box per character of its segment's text,
    in the picture's unit (PDF points on a page, pixels in an image)."""

    picture: str  # the picture's ``where``
    unit: str
    boxes: tuple[Box, ...]

    def box(self, start: int, end: int) -> Box:
        """The box around characters ``start:end`` of the segment."""
        chosen = self.boxes[max(0, start) : max(start + 1, end)] or self.boxes[-1:]
        return Box(
            min(b.x0 for b in chosen),
            min(b.top for b in chosen),
            max(b.x1 for b in chosen),
            max(b.bottom for b in chosen),
        )


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything read from one file."""

    type: FileType
    segments: tuple[TextSegment, ...] = ()
    # Text a reader sees in the main body, for the word count.
    visible_text: str = ""
    hidden: tuple[HiddenItem, ...] = ()
    fake_redactions: tuple[FakeRedaction, ...] = ()
    pages: tuple[PdfPage, ...] = ()
    macros: bool = False
    # Segment location -> why a reader would not see it ("hidden row", "hidden sheet").
    # Kept apart from the location because the detectors parse cell locations.
    notes: Mapping[str, str] = field(default_factory=dict)
    # Parts that could not be read: each one makes the file unverifiable, never a pass.
    gaps: tuple[str, ...] = ()
    # What a reader sees as pixels (scanned pages, pictures): read by OCR, or a gap.
    pictures: tuple[Picture, ...] = ()
    # After OCR: segment location -> its line's boxes; picture -> boxes drawn on it.
    picture_lines: Mapping[str, PictureLine] = field(default_factory=dict)
    picture_fills: Mapping[str, tuple[Box, ...]] = field(default_factory=dict)
    pictures_read: int = 0


class ExtractionError(Exception):
    """A file that could not be read. ``str()`` is safe to print: never file content."""

    rule: ClassVar[str] = "file.unreadable"


class MalformedFile(ExtractionError):
    """Not a valid file of its type (truncated, corrupt, not what its name says)."""


class UnsafeFile(ExtractionError):
    """Refused as hostile: a zip bomb, an XML entity attack, a part over the caps."""


class EncryptedFile(ExtractionError):
    """Encrypted or password-protected: its content cannot be verified."""

    rule: ClassVar[str] = "file.encrypted"


class TooMuchContent(ExtractionError):
    """Readable but over a cap (pages, text): checked only in part, so unverifiable."""

    rule: ClassVar[str] = "check.unverifiable"


class Extractor(ABC):
    """Reads one file type. Runs inside the sandbox: it may be fed anything."""

    file_type: ClassVar[FileType]

    @abstractmethod
    def extract(self, data: bytes, limits: Limits, *, positions: bool) -> Extraction:
        """Read ``data``; ``positions`` asks for PDF characters and boxes (redaction checks).

        Raises an ``ExtractionError`` subclass for a file that cannot be read safely.
        """


@dataclass(frozen=True, slots=True)
class FileScan:
    """The content checks' verdict on one file."""

    path: str
    type: FileType
    status: Status  # error when it could not be checked; never pass then
    findings: tuple[Finding, ...]
    words: int | None  # word count of the visible text when known
    text_chars: int  # characters of text extracted (for throughput figures)
    # The check was cut short (time or memory limit, a crashed worker): the same file may
    # well pass through on another run, so this verdict is not one to keep.
    interrupted: bool = False
