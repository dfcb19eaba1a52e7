"""RapidOCR (PaddleOCR's PP-OCR models on ONNX Runtime, CPU): the models ship inside the
``rapidocr`` wheel, so it runs offline from a plain ``pip install``.

Chosen against rapidocr-onnxruntime (PP-OCRv4) and Tesseract on generated typed scans at
100-300 dpi with skew, noise, blur and JPEG artefacts (bench/ocr_scan.py): the same or
better on identifiers, and the only one that keeps the spaces between words. Each
sandbox worker loads the engine once, with one ONNX Runtime thread per worker's share of
the cores, so a pool of workers uses every core without oversubscribing them. Lines are
recognised by the wheel's model turned to 8-bit integers once, at first use (``int8``),
about a third faster a line with the same readings; without ``onnx`` it is the wheel's own.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spcheck.content.ocr.interface import OcrEngine, OcrError, OcrText

if TYPE_CHECKING:
    from PIL.Image import Image

# Text is found on the picture shrunk to this longer side, PaddleOCR's own default, and
# read at full size. Measured on bench/ocr_scan.py's pages: 960 finds every line that 2,000
# finds, at about half the CPU time per page (detection was half the cost at 2,000).
DETECTION_SIDE = 960
# Below this the engine's own text score drops mostly noise (stray marks read as text).
_MIN_SCORE = 0.5
# The recogniser RapidOCR loads by default (Rec: PP-OCRv6, small), from its wheel.
RECOGNISER = "PP-OCRv6_rec_small.onnx"


class RapidOcrEngine(OcrEngine):
    name = "rapidocr"

    def __init__(self, threads: int = 1, *, int8: bool = True) -> None:
        try:
            import rapidocr  # noqa: F401
        except ImportError as error:  # pragma: no cover - a broken install
            raise OcrError(f"the OCR engine is not installed ({error.name})") from None
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        built = int8_recogniser() if int8 else None
        failure = ""
        # A cached 8-bit model that will not load (a damaged disk): the wheel's own reads.
        for recogniser in (built, None) if built is not None else (None,):
            try:
                self._engine: Any = self._started(threads, recogniser)
            except Exception as error:
                failure = type(error).__name__
                continue
            self._int8 = recogniser is not None
            return
        raise OcrError(f"the OCR engine could not start ({failure})")

    @staticmethod
    def _started(threads: int, recogniser: Path | None) -> Any:
        from rapidocr import RapidOCR

        chosen = {"Rec.model_path": str(recogniser)} if recogniser is not None else {}
        engine: Any = RapidOCR(
            params={
                **chosen,
                "Global.log_level": "warning",
                "Global.text_score": _MIN_SCORE,
                # One line at a time: a batch pads every line to its widest, and
                # measured on bench/ocr_scan.py's pages one at a time costs 0.8 s of
                # recognition a page against 1.3 s in the default batches of six.
                "Rec.rec_batch_num": 1,
                "Det.limit_type": "max",
                "Det.limit_side_len": DETECTION_SIDE,
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                # Without the arena a worker peaks at about 1.2 GB resident (2 GB of
                # address space) on an A4 page; with it, 1.7 GB (3.2 GB), for about a
                # fifth less time.
                "EngineConfig.onnxruntime.enable_cpu_mem_arena": False,
            }
        )
        # RapidOCR loads its models at first use: load them now, so that a model that will
        # not load is known here, where the wheel's own can stand in, not at the first page.
        # The loaders are RapidOCR's own, not its published interface: a version without
        # them loads at the first page instead, as before.
        for loader in ("_load_det_model", "_load_cls_model", "_load_rec_model"):
            load = getattr(engine, loader, None)
            if callable(load):
                load()
        return engine

    @property
    def version(self) -> str:
        return engine_version() if self._int8 else engine_version(int8=False)

    def read(self, image: Image) -> list[OcrText]:
        import numpy as np

        pixels = np.asarray(image.convert("RGB"))
        try:
            result = self._engine(pixels)
        except MemoryError:
            raise
        except Exception as error:
            raise OcrError(f"the OCR engine failed ({type(error).__name__})") from None
        boxes = result.boxes if result.boxes is not None else []
        texts = result.txts or ()
        scores = result.scores or ()
        found: list[OcrText] = []
        for polygon, text, score in zip(boxes, texts, scores, strict=False):
            xs = [float(point[0]) for point in polygon]
            ys = [float(point[1]) for point in polygon]
            if text.strip():
                found.append(OcrText(text, (min(xs), min(ys), max(xs), max(ys)), float(score)))
        return found


def int8_recogniser() -> Path | None:
    """The wheel's recogniser in 8 bits (built into the cache at first use, about half a
    minute of one core), or None: then the wheel's own model reads."""
    try:
        import rapidocr
    except ImportError:  # pragma: no cover - a broken install
        return None
    from spcheck.content.ocr.int8 import recogniser

    source = Path(rapidocr.__file__).parent / "models" / RECOGNISER
    return recogniser(source) if source.is_file() else None


@cache
def engine_version(*, int8: bool = True) -> str:
    """The engine's, runtime's and recogniser's versions, from the installed packages (no
    import): the 8-bit recogniser's recipe and tools when ``onnx`` is there to build it."""
    from importlib.metadata import PackageNotFoundError, version

    from spcheck.content.ocr.int8 import RECIPE, tools_version

    try:
        engine = f"rapidocr {version('rapidocr')}, onnxruntime {version('onnxruntime')}"
    except PackageNotFoundError:
        return "no OCR engine"
    tools = tools_version() if int8 else None
    return f"{engine}, recogniser {RECIPE} ({tools})" if tools else f"{engine}, recogniser fp32"


_engine: OcrEngine | None = None


def engine() -> OcrEngine:
    """This process's engine, loaded on first use (one per sandbox worker), with the
    worker's share of the cores."""
    global _engine
    if _engine is None:
        from spcheck.content.sandbox import cores_per_worker

        _engine = RapidOcrEngine(threads=cores_per_worker())
    return _engine
