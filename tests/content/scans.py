"""Scanned documents built by the tests: typed lines drawn into a picture with Pillow, then
aged as a scanner or a phone would (skew, noise, blur, JPEG), and put into a PDF
(reportlab), a Word document (python-docx) or a TIFF.

Pictures are strips of a page (a few lines at the page's resolution), not whole pages,
so that reading them costs a second, not several. Every identifier is synthetic.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import reportlab
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
A4_WIDTH_INCHES = 8.27


@dataclass(frozen=True)
class Ageing:
    """What scanning did to the page."""

    dpi: int = 200
    skew: float = 0.0  # degrees
    noise: float = 0.0  # grey levels, standard deviation
    blur: float = 0.0  # Gaussian radius in pixels
    jpeg: int | None = None  # quality


# A black bar over characters ``start:end`` of line ``line``; ``grey`` draws a grey
# translucent-looking box (text still shows); ``share`` covers only the top of the line.
@dataclass(frozen=True)
class Bar:
    line: int
    start: int
    end: int
    grey: bool = False
    share: float = 1.0


def typed(lines: list[str], ageing: Ageing = Ageing(), bars: tuple[Bar, ...] = ()) -> Image.Image:
    """The lines typed in 11 pt on a strip of an A4 page, scanned as ``ageing`` says."""
    dpi = ageing.dpi
    point = dpi / 72
    width = round(A4_WIDTH_INCHES * dpi)
    pitch = round(11 * 1.9 * point)
    height = round(pitch * (len(lines) + 1.5))
    image = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), round(11 * point))
    margin = round(0.8 * dpi)
    for number, text in enumerate(lines):
        draw.text((margin, round(pitch * (number + 0.6))), text, font=font, fill=25)
    for bar in bars:
        top = round(pitch * (bar.line + 0.6)) - round(2 * point)
        x0 = margin + draw.textlength(lines[bar.line][: bar.start], font=font)
        x1 = margin + draw.textlength(lines[bar.line][: bar.end], font=font)
        full = round(11 * point * 1.25) + round(3 * point)
        bottom = top + round(full * bar.share)
        if bar.grey:
            # A grey box drawn under the words (as a highlighter or a light "redaction"):
            # the text stays darker than the box and readable.
            box = Image.new("L", image.size, 255)
            ImageDraw.Draw(box).rectangle((x0 - 4, top, x1 + 4, bottom), fill=150)
            image = Image.fromarray(_darker(image, box))
            draw = ImageDraw.Draw(image)
        else:
            draw.rectangle((x0 - 4, top, x1 + 4, bottom), fill=0)
    return _aged(image, ageing)


def _darker(a: Image.Image, b: Image.Image) -> object:
    import numpy as np

    return np.minimum(np.asarray(a), np.asarray(b))


def _aged(image: Image.Image, ageing: Ageing) -> Image.Image:
    if ageing.skew:
        image = image.rotate(ageing.skew, resample=Image.Resampling.BICUBIC, fillcolor=250)
    if ageing.blur:
        image = image.filter(ImageFilter.GaussianBlur(ageing.blur))
    if ageing.noise:
        import numpy as np

        pixels = np.asarray(image, dtype=np.float32)
        pixels = pixels + np.random.default_rng(7).normal(0.0, ageing.noise, pixels.shape)
        image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    if ageing.jpeg is not None:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=ageing.jpeg)
        image = Image.open(io.BytesIO(buffer.getvalue()))
        image.load()
    return image


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(image: Image.Image, quality: int = 70) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def tiff(pages: list[Image.Image]) -> bytes:
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    return buffer.getvalue()


def pdf(
    pages: list[Image.Image | list[str]], text_layer: dict[int, list[str]] | None = None
) -> bytes:
    """A PDF whose pages are pictures (a scan) or typed text (a list of lines).

    ``text_layer`` adds invisible text (render mode 3, as a scanner's OCR writes it) to
    the pages it names (0-based).
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    width, height = A4
    for index, page in enumerate(pages):
        if isinstance(page, list):
            text = canvas.beginText(72, height - 72)
            text.setFont("Helvetica", 11)
            for line in page:
                text.textLine(line)
            canvas.drawText(text)
        else:
            shown = height * page.height / page.width * width / height
            canvas.drawImage(ImageReader(page), 0, height - shown, width, shown)
        for number, line in enumerate((text_layer or {}).get(index, [])):
            text = canvas.beginText(72, height - 60 - 24 * number)
            text.setTextRenderMode(3)
            text.setFont("Helvetica", 11)
            text.textLine(line)
            canvas.drawText(text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def docx_with_picture(paragraphs: list[str], picture: bytes) -> bytes:
    from docx import Document
    from docx.shared import Inches

    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.add_picture(io.BytesIO(picture), width=Inches(6))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def bomb_png(side: int = 30_000) -> bytes:
    """A valid PNG of ``side`` x ``side`` one-bit pixels, all zero: a few hundred KB."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = bytes(1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
