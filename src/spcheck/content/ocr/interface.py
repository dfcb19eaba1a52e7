"""Contracts of reading pictures: what an OCR engine returns and how reading fails.

A picture is anything a reader sees as pixels: a scanned PDF page, a photo pasted into a
Word document, a JPEG, PNG or TIFF upload (each page of a multi-page TIFF). ``Picture``
names one and says where its pixels come from; ``OcrEngine`` turns pixels into
``OcrText`` runs, each with its box in the picture's pixels. Boxes are top-left origin.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    from PIL.Image import Image

PictureKind = Literal["pdf_page", "image"]


@dataclass(frozen=True, slots=True)
class Picture:
    """One thing to read as pixels.

    ``where`` is how findings name it ("page 3", "word/media/image1.png", "word/embeddings/
    x.pdf › page 2"); ``source`` the bytes it is drawn from (the PDF, or the image file);
    ``index`` the 0-based page of the PDF or frame of the image. ``unit`` says what a box
    on it is measured in for the reader: PDF points ("pt") for a page, pixels ("px") else.
    """

    where: str
    kind: PictureKind
    source: bytes
    index: int = 0
    # Why it is read: "no text layer", "pictures cover 64% of it", "an image file".
    reason: str = ""

    @property
    def unit(self) -> str:
        return "pt" if self.kind == "pdf_page" else "px"


@dataclass(frozen=True, slots=True)
class OcrText:
    """A run of text the engine read, with its box in pixels (x0, top, x1, bottom)."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float


class OcrError(Exception):
    """Reading failed (the engine is missing, broke, or the picture cannot be decoded).
    ``str()`` is safe to print: never picture content."""


class PictureRefused(OcrError):
    """Refused unread: over a cap (pixels), or a decompression bomb."""


class OcrEngine(ABC):
    """Reads text from a picture. Loaded once per process: models take a while."""

    name: ClassVar[str]

    @property
    @abstractmethod
    def version(self) -> str:
        """The engine's and models' version, part of the content checks' fingerprint."""

    @abstractmethod
    def read(self, image: Image) -> list[OcrText]:
        """Every run of text in ``image`` (RGB or L). Raises ``OcrError``."""
