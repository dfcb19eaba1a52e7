"""The recogniser in 8-bit integers: built once, at first use, from the model in the
``rapidocr`` wheel into a cache, with ONNX Runtime's own quantisation tools.

Recognising lines is three quarters of the cost of reading a page, and nearly all of it is
convolutions. Measured on bench/ocr_scan.py's pages (docs/scanned-content.md): the
convolutions in 8 bits with activation ranges calibrated at the 99.99th percentile read
every line the 32-bit model reads, word for word and space for space, in a little over
half the time. Ranges taken from the extremes (min-max) lost spaces between a label and its
value; dynamic quantisation (ranges taken per line at run time) was three times slower.

The ranges are calibrated on typed lines drawn here with PDFium's built-in fonts (no scan,
no download, the same lines every time), so a build is the same on every machine with the
same versions, and works offline. The cache file is named by a hash of the source model,
this recipe and the versions of the tools that made it; it is written under a lock and
renamed into place whole, so workers that start together build it once and never read a
half-written file. Anything that goes wrong leaves the 32-bit model in use, never a gap.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import random
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

# Part of the cache file's name and of the content checks' fingerprint: change it whenever
# the recipe below changes, and every cached model is built again.
RECIPE = "int8-conv-p9999-1"
_PERCENTILE = 99.99
_LINES = 24  # calibration lines (about half a minute of one core to build)
_CHUNK = 2  # lines per calibration pass: bounds the memory the calibration takes
_ABANDONED = 3600.0  # seconds after which a half-done build is another's, stopped
_WIDTH = 1280  # the recogniser's input width for calibration (lines padded to it)
_HEIGHT = 48  # the recogniser's input height (PP-OCR)
_OPSET = 17  # per-channel weights need opset 13 or later; the wheel's model is 11
_VOCABULARY = (
    "the of and to a in for is on at by with date name birth address number reference "
    "review plan meeting school family support child referral assessment invoice paid "
    "order road street tel email NHS CHI NI no. ref case visit agreed lead professional"
)
_WORDS = tuple(_VOCABULARY.split())


def tools_version() -> str | None:
    """The versions of the tools that build the model, or None when ``onnx`` is missing
    (then the 32-bit model is used). From package metadata: nothing is imported."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"onnx {version('onnx')}, onnxruntime {version('onnxruntime')}"
    except PackageNotFoundError:
        return None


def cache_dir() -> Path:
    """Where built models are kept: ``$XDG_CACHE_HOME/spcheck/ocr`` (``~/.cache`` when
    unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spcheck" / "ocr"


def recogniser(source: Path, *, directory: Path | None = None, lines: int = _LINES) -> Path | None:
    """The 8-bit recogniser built from ``source``, from the cache or built into it now;
    None when it cannot be had (the caller then uses ``source`` itself)."""
    tools = tools_version()
    if tools is None:
        return None
    try:
        digest = hashlib.sha256(source.read_bytes())
        digest.update(f"{RECIPE} {lines} {tools}".encode())
        for folder, private in _folders(directory):
            with contextlib.suppress(OSError):
                target = (_private(folder) if private else folder) / (
                    f"{source.stem}.{digest.hexdigest()[:16]}.onnx"
                )
                if not target.is_file():
                    _build_once(source, target, lines)
                return target
    except Exception as error:  # the 32-bit model still reads everything
        log.warning("the 8-bit recogniser could not be built (%s)", type(error).__name__)
    return None


def _folders(directory: Path | None) -> Iterator[tuple[Path, bool]]:
    """The cache, then a private folder under the system's temporary one (a read-only
    home, as on some hosted functions); each with whether it must be this user's alone."""
    if directory is not None:
        yield directory, False
        return
    yield cache_dir(), False
    yield Path(tempfile.gettempdir()) / f"spcheck-ocr-{os.getuid()}", True


def _private(folder: Path) -> Path:
    """``folder``, made only this user's. A model another user could have put there could
    read a page wrong: a folder not this user's alone is refused (``OSError``)."""
    folder.mkdir(mode=0o700, exist_ok=True)
    status = folder.lstat()
    if status.st_uid != os.getuid() or status.st_mode & 0o077 or folder.is_symlink():
        raise PermissionError(f"{folder} is not this user's alone")
    return folder


def _build_once(source: Path, target: Path, lines: int) -> None:
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker building it: wait, then use it
        try:
            if not target.is_file():
                log.info("building the 8-bit recogniser once, into %s", target.parent)
                _clear_abandoned(target.parent)
                _build(source, target, lines)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _clear_abandoned(folder: Path) -> None:
    """Remove what a build stopped part-way (a worker killed at its time limit) left."""
    import shutil
    import time

    for work in folder.glob(".build-*"):
        if time.time() - work.stat().st_mtime > _ABANDONED:
            shutil.rmtree(work, ignore_errors=True)


def _build(source: Path, target: Path, lines: int) -> None:
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as work:
        prepared = Path(work) / "prepared.onnx"
        quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
        model = version_converter.convert_version(onnx.load(str(prepared)), _OPSET)
        onnx.save(model, str(prepared))
        built = Path(work) / "int8.onnx"
        # The calibration prints its progress: never on spcheck's own output (a JSON report).
        with contextlib.redirect_stdout(io.StringIO()):
            _quantise(prepared, built, lines)
        os.replace(built, target)  # whole or not at all: a reader never sees half a model


def _quantise(prepared: Path, built: Path, lines: int) -> None:
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    quantize_static(
        str(prepared),
        str(built),
        _Calibration(calibration_lines(lines)),
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=["Conv"],
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.Percentile,
        extra_options={"CalibPercentile": _PERCENTILE, "CalibStridedMinMax": _CHUNK},
    )


class _Calibration:
    """The calibration lines as the recogniser's inputs, a few at a time (ONNX Runtime's
    ``CalibrationDataReader`` protocol, with the ranges that strided calibration asks)."""

    def __init__(self, lines: list[NDArray[np.uint8]]) -> None:
        self.lines = lines
        self.next, self.end = 0, len(lines)

    def __len__(self) -> int:
        return len(self.lines)

    def set_range(self, start_index: int, end_index: int) -> None:
        self.next, self.end = start_index, end_index

    def get_next(self) -> dict[str, Any] | None:
        if self.next >= self.end:
            return None
        line = self.lines[self.next]
        self.next += 1
        return {"x": _recogniser_input(line)[None]}


def _recogniser_input(line: NDArray[np.uint8]) -> NDArray[np.float32]:
    """A line as PP-OCR's recogniser takes it: 48 high, scaled to -1..1, padded with 0."""
    import cv2
    import numpy as np

    height, width = line.shape[:2]
    scaled = min(_WIDTH, max(1, round(_HEIGHT * width / height)))
    resized = cv2.resize(line, (scaled, _HEIGHT)).astype(np.float32)
    padded = np.zeros((3, _HEIGHT, _WIDTH), dtype=np.float32)
    padded[:, :, :scaled] = resized.transpose(2, 0, 1) / 127.5 - 1.0
    return padded


@cache
def calibration_lines(count: int) -> list[NDArray[np.uint8]]:
    """Typed lines as the detector crops them from a scan: words, numbers, dates and
    labels in PDFium's own sans, serif and fixed fonts (what forms are typed in), 9 to 14
    points at 150 to 300 dpi, some blurred, noisy or saved as JPEG. The same every time."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = random.Random(11)  # noqa: S311 - the same lines every time, not a secret
    lines: list[NDArray[np.uint8]] = []
    for index in range(count):
        points, dpi = rng.uniform(9, 14), rng.choice((150, 200, 240, 300))
        ink = _typed(_line_text(rng), _FONTS[index % len(_FONTS)], points, dpi)
        image = Image.fromarray(ink)
        if rng.random() < 0.4:
            image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
        if rng.random() < 0.5:
            noise = np.random.default_rng(rng.randrange(1 << 30)).normal(
                0.0, rng.uniform(2, 10), (image.height, image.width)
            )
            pixels = np.asarray(image, dtype=np.float32) + noise
            image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
        if rng.random() < 0.4:
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=rng.randint(50, 85))
            image = Image.open(buffer)
        lines.append(np.asarray(image.convert("RGB")))
    return lines


_FONTS = ("Helvetica", "Times-Roman", "Courier", "Helvetica-Bold")


def _typed(text: str, font_name: str, points: float, dpi: int) -> NDArray[np.uint8]:
    """``text`` typed on a strip of paper by PDFium, cropped around its ink with the
    margins the detector leaves around a line (a fifth of its height above and below)."""
    import ctypes

    import numpy as np
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    document = pypdfium2.PdfDocument.new()
    try:
        page = document.new_page(40 + points * 0.7 * len(text), points * 3)
        font = pdfium_c.FPDFText_LoadStandardFont(document, font_name.encode())
        typed = pdfium_c.FPDFPageObj_CreateTextObj(document, font, points)
        wide = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
        pdfium_c.FPDFText_SetText(typed, ctypes.cast(wide, pdfium_c.FPDF_WIDESTRING))
        pdfium_c.FPDFPageObj_Transform(typed, 1, 0, 0, 1, 20, points)
        pdfium_c.FPDFPage_InsertObject(page, typed)
        pdfium_c.FPDFPage_GenerateContent(page)
        pixels = np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil())
    finally:
        document.close()
    rows = np.flatnonzero((pixels < 160).any(axis=1))
    columns = np.flatnonzero((pixels < 160).any(axis=0))
    height = int(rows[-1] - rows[0] + 1)
    margin = max(2, height // 5)
    top, bottom = max(0, rows[0] - margin), rows[-1] + 1 + margin
    left, right = max(0, columns[0] - 2 * margin), columns[-1] + 1 + 2 * margin
    return np.ascontiguousarray(pixels[top:bottom, left:right])


def _line_text(rng: random.Random) -> str:
    words: list[str] = []
    for _ in range(rng.randint(2, 10)):
        kind = rng.random()
        if kind < 0.55:
            word = rng.choice(_WORDS)
            words.append(word.capitalize() if rng.random() < 0.25 else word)
        elif kind < 0.75:
            words.append(str(rng.randint(0, 10 ** rng.randint(1, 10))))
        elif kind < 0.85:
            words.append(rng.choice(_WORDS) + rng.choice(":.,;"))
        else:
            day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1990, 2030)
            words.append(f"{day:02d}/{month:02d}/{year}")
    return " ".join(words)
