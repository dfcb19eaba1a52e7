"""Pixels of a picture, decoded under caps: a PDF page rendered by PDFium, or a frame of
an image file decoded by Pillow.

The size of an image is read from its header before any pixel is decoded, so an image
that declares 30,000 x 30,000 pixels in a few kilobytes (a decompression bomb) is refused
before it costs anything. A large photo is decoded at a reduced scale where the format
allows it (JPEG's draft mode) and shrunk to the size at which text is read.
"""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING

from spcheck.content.ocr.interface import OcrError, Picture, PictureRefused

if TYPE_CHECKING:
    from PIL.Image import Image
    from PIL.Image import Image as PILImage
    from PIL.ImageFile import ImageFile

    from spcheck.content.interface import Limits

# Text is read at this resolution: measured on typed scans (bench/ocr_scan.py), 150 dpi and
# more read every identifier; the engine itself shrinks any side over 2,000 pixels before
# finding text, so more pixels only cost time.
RENDER_DPI = 200
# A photo or a scan larger than this on its longer side is shrunk to it first: the engine
# finds text at 2,000 pixels, and an A4 page at 2,400 is 205 dpi, 11 pt text 31 pixels tall.
MAX_SIDE = 2_400
IMAGE_FORMATS = frozenset({"JPEG", "PNG", "TIFF", "GIF", "BMP", "WEBP", "MPO"})


def megapixels(width: int, height: int) -> str:
    return f"{width:,} x {height:,} pixels"


def _check_size(width: int, height: int, limits: Limits) -> None:
    if width <= 0 or height <= 0:
        raise OcrError("a picture with no pixels")
    if width * height > limits.max_picture_pixels:
        raise PictureRefused(
            f"a picture of {megapixels(width, height)}, over the cap of "
            f"{limits.max_picture_pixels / 1e6:,.0f} megapixels"
        )


def _opened(data: bytes) -> ImageFile:
    """The image with its header read and no pixel decoded. Pillow's own bomb guard is
    off for the open alone: the size is checked against the cap before anything is
    decoded, and the refusal then names the size."""
    from PIL import Image

    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        return Image.open(BytesIO(data))
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def frame_count(data: bytes, limits: Limits) -> tuple[int, tuple[int, int]]:
    """The frames (pages) of an image file and the first one's size, from its header alone.

    Raises ``PictureRefused`` for a frame over the pixel cap, ``OcrError`` for a file Pillow
    cannot identify as an image.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with _opened(data) as image:
            if image.format not in IMAGE_FORMATS:
                raise OcrError(f"a {image.format or 'kind of'} picture spcheck does not read")
            size = image.size
            _check_size(*size, limits)
            return max(1, getattr(image, "n_frames", 1)), size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise OcrError("a picture that cannot be decoded") from None
    except Image.DecompressionBombError:
        raise PictureRefused("a picture over Pillow's decompression-bomb limit") from None


_GPS_IFD = 0x8825
_GPS_LATITUDE, _GPS_LONGITUDE = 2, 4


def has_photo_location(data: bytes) -> bool:
    """Whether an image file carries where it was taken (EXIF GPS latitude and longitude),
    from its header alone. A phone photo of a child's home keeps the address in its
    metadata though nobody sees it in the picture."""
    try:
        with _opened(data) as image:
            gps = image.getexif().get_ifd(_GPS_IFD)
    except Exception:  # a hostile header: the pixels are still read, or the file refused
        return False
    return _GPS_LATITUDE in gps and _GPS_LONGITUDE in gps


def image_frame(data: bytes, index: int, limits: Limits) -> tuple[Image, float]:
    """Frame ``index`` of an image file, upright (EXIF orientation), at most ``MAX_SIDE``,
    and its pixels per pixel of the file."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        opened = _opened(data)
        if index:
            opened.seek(index)
        _check_size(*opened.size, limits)
        declared = max(opened.size)
        if opened.format == "JPEG":
            opened.draft("RGB", (MAX_SIDE, MAX_SIDE))
        opened.load()
        image: PILImage = ImageOps.exif_transpose(opened) or opened
        if image.mode not in ("RGB", "L"):
            image = _flatten(image)
        image = _shrunk(image)
        return image, max(image.size) / declared
    except PictureRefused:
        raise
    except Image.DecompressionBombError:
        raise PictureRefused("a picture over Pillow's decompression-bomb limit") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise OcrError("a picture that cannot be decoded") from None


def _flatten(image: Image) -> Image:
    """RGB on white: a transparent PNG's text shows as it would on a white page."""
    from PIL import Image as PILImage

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = PILImage.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _shrunk(image: Image) -> Image:
    longest = max(image.size)
    if longest <= MAX_SIDE:
        return image
    scale = MAX_SIDE / longest
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size)


def pdf_page(data: bytes, index: int, limits: Limits) -> tuple[Image, float]:
    """Page ``index`` of a PDF rendered as a reader sees it, and the pixels per point."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        raise OcrError("a PDF PDFium cannot open") from None
    try:
        page = document[index]
        width, height = page.get_size()
        scale = RENDER_DPI / 72
        longest = max(width, height) * scale
        if longest > MAX_SIDE:
            scale *= MAX_SIDE / longest
        _check_size(round(width * scale), round(height * scale), limits)
        bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=True)
        return bitmap.to_pil(), scale
    except (pypdfium2.PdfiumError, ValueError, IndexError):
        raise OcrError("a PDF page PDFium cannot render") from None
    finally:
        document.close()


def pixels_of(picture: Picture, limits: Limits) -> tuple[Image, float]:
    """The picture's pixels and the pixels per unit of its boxes (points or pixels)."""
    if picture.kind == "pdf_page":
        return pdf_page(picture.source, picture.index, limits)
    return image_frame(picture.source, picture.index, limits)
