"""Image uploads (JPEG, PNG, TIFF, GIF, BMP, WebP): every frame is a page to read by OCR.

Only the header is read here: the frames, and the first one's size against the pixel
cap, so that a decompression bomb (30,000 x 30,000 pixels in a few kilobytes) is refused
before a single pixel is decoded. The pixels are decoded when the page is read.
"""

from __future__ import annotations

from spcheck.content.interface import (
    Extraction,
    Extractor,
    HiddenItem,
    Limits,
    MalformedFile,
    TooMuchContent,
    UnsafeFile,
)
from spcheck.content.ocr.interface import OcrError, Picture, PictureRefused


class ImageExtractor(Extractor):
    file_type = "image"

    def extract(self, data: bytes, limits: Limits, *, positions: bool) -> Extraction:
        from spcheck.content.ocr.pixels import frame_count, has_photo_location

        try:
            frames, _ = frame_count(data, limits)
        except PictureRefused as error:
            raise UnsafeFile(f"{error}: refused unread") from None
        except OcrError as error:
            raise MalformedFile(str(error)) from None
        if frames > limits.max_pages:
            raise TooMuchContent(f"{frames} pages (cap {limits.max_pages})")
        reason = "an image file" if frames == 1 else f"page {{}} of {frames} in the image file"
        pictures = tuple(
            Picture(f"page {i + 1}", "image", data, i, reason.format(i + 1)) for i in range(frames)
        )
        hidden = (location_item("the image file"),) if has_photo_location(data) else ()
        return Extraction(type="image", pictures=pictures, hidden=hidden)


def location_item(where: str) -> HiddenItem:
    """The hidden-data item of a photo that says where it was taken (the place is never
    shown: it may be a child's home)."""
    return HiddenItem(
        "photo_location",
        where,
        "a photo that carries the place it was taken (GPS latitude and longitude)",
    )
