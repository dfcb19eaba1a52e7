"""Scanned-page benchmark: spcheck's OCR checks against Presidio's image redactor (not a test).

    .venv/bin/python bench/ocr_scan.py [--pages 72] [--workers N] [--out DIR] [--no-presidio]

A corpus of generated scanned pages (A4 referral forms typed in 11 pt, drawn with Pillow),
each with planted identifiers and near misses, at mixed quality: clean at 300 and 200 dpi,
150 dpi with skew and noise, 200 dpi with skew, noise, blur and JPEG quality 70, 300 dpi
JPEG with skew, a phone photo (uneven light, tilt, JPEG), and a 100 dpi tier below the
target's floor, reported apart. The pages are saved as PNG, JPEG, TIFF or a one-page PDF
(an image-only scan) in turn, as uploads arrive.

spcheck side: ``scan_many`` on the files under the training folder's rules (identifiers
forbidden, redaction verified), in the sandbox's warm pool sized to the machine, so a
cycle of scanned uploads is timed end to end (rendering, OCR, detection). Pages per
second overall and per core; recall and precision on the planted identifiers (matched by
kind and masked value, as bench/content_scan.py matches them), per quality tier; and the
count of files reported as pass while carrying an identifier (the target is 0).

Presidio side (``presidio-image-redactor``, Tesseract through pytesseract, which needs
Debian's ``tesseract-ocr``): its ``ImageAnalyzerEngine`` steps (preprocess, OCR, text
analysis) on the same pictures, with the four pattern recognizers bench/content_scan.py
gives it (NHS, NINO, email, phone) and no spaCy model (a blank English pipeline: the
pattern recognizers need none), in a pool of the same size with one Tesseract thread per
process. Scored on those four kinds, against spcheck on the same four. Installing
presidio-image-redactor pulls in ``opencv-python``, which shadows spcheck's
``opencv-python-headless``: reinstall the latter afterwards
(``pip install --force-reinstall --no-deps opencv-python-headless``).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from corpus import (
    make_chi,
    make_email,
    make_name,
    make_nhs,
    make_nino,
    make_phone,
    make_postcode,
    mask,
    national_phone,
)
from spcheck.content.api import scan_many
from spcheck.domain.policy import ContentRules, FileRules

TRAINING = ContentRules(identifiers="forbid", redaction="verify")
FILES = FileRules(allowed_extensions=["png", "jpg", "tif", "pdf"])
SHARED_KINDS = ("nhs_number", "nino", "email", "phone")
PRESIDIO_KINDS = {
    "UK_NHS": "nhs_number",
    "UK_NINO": "nino",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
}
A4_INCHES = (8.27, 11.69)


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    dpi: int
    skew: float = 0.0
    noise: float = 0.0
    blur: float = 0.0
    jpeg: int | None = None
    photo: bool = False
    target: bool = True  # 150 dpi and above: the recall and precision targets apply


TIERS = (
    Tier("300 dpi clean", 300),
    Tier("200 dpi clean", 200),
    Tier("150 dpi skew+noise", 150, skew=1.5, noise=10),
    Tier("200 dpi skew+noise+blur+JPEG70", 200, skew=-1.5, noise=8, blur=0.9, jpeg=70),
    Tier("300 dpi skew+JPEG70", 300, skew=2.0, jpeg=70),
    Tier("phone photo", 200, skew=1.0, noise=6, blur=0.6, jpeg=70, photo=True),
    Tier("100 dpi (below the floor)", 100, skew=0.5, target=False),
)


@dataclass(slots=True)
class Page:
    name: str
    tier: Tier
    data: bytes
    picture: Image.Image
    lines: list[str]
    planted: Counter[tuple[str, str]] = field(default_factory=Counter)


def _font(size: int) -> ImageFont.FreeTypeFont:
    import reportlab

    return ImageFont.truetype(str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"), size)


def _bad_invoice(rng: random.Random) -> str:
    """Ten digits that fail the modulus 11 check: an invoice number, never an identifier."""
    while True:
        digits = f"{rng.randint(1_000_000_000, 9_999_999_999)}"
        total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
        check = (11 - total % 11) % 11
        if check == 10 or str(check) != digits[9]:
            return digits


def _form(rng: random.Random) -> tuple[list[str], Counter[tuple[str, str]]]:
    planted: Counter[tuple[str, str]] = Counter()
    name = make_name(rng)
    chi = make_chi(rng)
    nhs = make_nhs(rng)
    nino = make_nino(rng)
    postcode = make_postcode(rng)
    phone = make_phone(rng)
    email = make_email(rng)
    day, month, year = int(chi[:2]), int(chi[2:4]), 2000 + int(chi[4:6])
    born = f"{day:02d}/{month:02d}/{year}"
    spaced_nhs = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    candidates: list[tuple[str, list[tuple[str, str]]]] = [
        (f"Child's name: {name}", [("labelled_field", "Child's name: ****")]),
        (f"Date of birth: {born}", [("date_of_birth", mask(born))]),
        (
            rng.choice([f"CHI number: {chi}", f"CHI {chi[:6]} {chi[6:]}"]),
            [("chi", mask(chi))],
        ),
        (f"NHS number: {spaced_nhs}", [("nhs_number", mask(nhs))]),
        (
            f"Address: {rng.randint(2, 98)} Glen Road, Kirkton {postcode}",
            [("labelled_field", "Address: ****"), ("postcode", mask(postcode))],
        ),
        (f"Tel: {phone}", [("phone", mask(national_phone(phone)))]),
        (f"Email: {email}", [("email", mask(email))]),
        (f"NI number: {nino}", [("nino", mask(nino))]),
    ]
    chosen = rng.sample(candidates, k=6)
    near_misses = [
        f"Invoice no. {_bad_invoice(rng)} paid on "
        f"{rng.randint(1, 28):02d}/0{rng.randint(1, 9)}/2024",
        f"Meeting held on {rng.randint(1, 28):02d}/{rng.randint(10, 12)}/2025 at 10:30",
        f"Sort code {rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}, "
        f"order {rng.randint(100_000, 999_999)}",
        f"Case reference GM-{rng.randint(1000, 9999)}, review due in 6 weeks",
    ]
    prose = [
        "The core group met to review the plan and the progress made since the last review.",
        "Attendance at school has improved; the family engaged well with the support offered.",
        "Actions agreed: the lead professional will arrange the next visit within two weeks.",
    ]
    lines = ["Referral for a child protection assessment", ""]
    for line, found in chosen:
        lines.append(line)
        planted.update(found)
    lines.append("")
    lines.extend(rng.sample(near_misses, k=3))
    lines.extend(prose)
    return lines, planted


def _draw(lines: list[str], tier: Tier, rng: random.Random) -> Image.Image:
    dpi = tier.dpi
    width, height = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    image = Image.new("L", (width, height), 248)
    draw = ImageDraw.Draw(image)
    font = _font(round(11 * dpi / 72))
    y = round(0.9 * dpi)
    for line in lines:
        draw.text((round(0.8 * dpi), y), line, font=font, fill=20)
        y += round(11 * 1.9 * dpi / 72)
    return _age(image, tier, rng)


def _age(image: Image.Image, tier: Tier, rng: random.Random) -> Image.Image:
    import numpy as np

    if tier.skew:
        angle = tier.skew * rng.choice((-1, 1)) * rng.uniform(0.6, 1.0)
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=248)
    if tier.blur:
        image = image.filter(ImageFilter.GaussianBlur(tier.blur))
    pixels = np.asarray(image, dtype=np.float32)
    if tier.photo:
        # A phone picture of paper: light falling off across the sheet, a grey cast.
        ys, xs = np.mgrid[0 : pixels.shape[0], 0 : pixels.shape[1]]
        light = 0.72 + 0.25 * (xs / pixels.shape[1]) + 0.05 * (ys / pixels.shape[0])
        pixels = pixels * light
    if tier.noise:
        seed = rng.randint(0, 2**31)
        pixels = pixels + np.random.default_rng(seed).normal(0.0, tier.noise, pixels.shape)
    image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    if tier.jpeg is not None:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=tier.jpeg)
        image = Image.open(io.BytesIO(buffer.getvalue()))
        image.load()
    return image


def _saved(picture: Image.Image, index: int, tier: Tier) -> tuple[str, bytes]:
    buffer = io.BytesIO()
    kind = index % 4
    if tier.jpeg is not None or kind == 1:
        picture.convert("RGB").save(buffer, "JPEG", quality=tier.jpeg or 85)
        return "jpg", buffer.getvalue()
    if kind == 0:
        picture.save(buffer, "PNG")
        return "png", buffer.getvalue()
    if kind == 2:
        picture.save(buffer, "TIFF", compression="tiff_lzw")
        return "tif", buffer.getvalue()
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(buffer, pagesize=A4)
    canvas.drawImage(ImageReader(picture), 0, 0, *A4)
    canvas.showPage()
    canvas.save()
    return "pdf", buffer.getvalue()


def build_pages(count: int, seed: int = 11) -> list[Page]:
    rng = random.Random(seed)
    pages: list[Page] = []
    target_tiers = [t for t in TIERS if t.target]
    floor = [t for t in TIERS if not t.target]
    below = max(1, count // 12)
    plan = [target_tiers[i % len(target_tiers)] for i in range(count - below)]
    plan += [floor[0]] * below
    for index, tier in enumerate(plan):
        lines, planted = _form(rng)
        picture = _draw(lines, tier, rng)
        ext, data = _saved(picture, index, tier)
        pages.append(Page(f"scan-{index:03d}.{ext}", tier, data, picture, lines, planted))
    return pages


@dataclass(slots=True)
class Score:
    planted: int = 0
    matched: int = 0
    detected: int = 0

    def add(self, planted: Counter[tuple[str, str]], found: Counter[tuple[str, str]]) -> None:
        self.planted += sum(planted.values())
        self.detected += sum(found.values())
        self.matched += sum((planted & found).values())

    @property
    def recall(self) -> float:
        return self.matched / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.detected if self.detected else 1.0

    def line(self) -> str:
        return (
            f"recall {self.recall:.3f} ({self.matched}/{self.planted})  "
            f"precision {self.precision:.3f} ({self.matched}/{self.detected})"
        )


def _only(counter: Counter[tuple[str, str]], kinds: tuple[str, ...]) -> Counter[tuple[str, str]]:
    return Counter({key: n for key, n in counter.items() if key[0] in kinds})


def cpu_per_page(pages: list[Page]) -> tuple[float, float]:
    """CPU seconds a page costs one core, read in this process with a one-thread engine,
    with the 8-bit recogniser (as shipped) and with the wheel's 32-bit one, page by page in
    turn so that both see the same machine: unlike pages per second, this does not depend
    on what else the machine is doing."""
    from spcheck.content.ocr import rapid
    from spcheck.content.pipeline import scan_file

    engines = (rapid.RapidOcrEngine(threads=1), rapid.RapidOcrEngine(threads=1, int8=False))
    spent = [0.0, 0.0]
    for engine in engines:
        rapid._engine = engine  # this process's engine, one thread
        scan_file(pages[0].data, pages[0].name, TRAINING, FILES)  # warm
    for page in pages:
        for index, engine in enumerate(engines):
            rapid._engine = engine
            started = time.process_time()
            scan_file(page.data, page.name, TRAINING, FILES)
            spent[index] += time.process_time() - started
    rapid._engine = None
    return spent[0] / len(pages), spent[1] / len(pages)


def run_spcheck(pages: list[Page], workers: int) -> tuple[float, list[Any]]:
    items = [(page.name, page.data) for page in pages]
    scan_many(items[:workers], TRAINING, FILES, workers=workers)  # warm: engines loaded
    started = time.perf_counter()
    scans = scan_many(items, TRAINING, FILES, workers=workers)
    return time.perf_counter() - started, scans


# ---- Presidio's image redactor ------------------------------------------------------------

_presidio: Any = None


def _presidio_engine() -> Any:
    """ImageAnalyzerEngine with Tesseract and four pattern recognizers, no spaCy model."""
    global _presidio
    if _presidio is None:
        import spacy
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
        from presidio_image_redactor import ImageAnalyzerEngine, TesseractOCR

        from content_scan import presidio_recognizers

        class BlankEnglish(SpacyNlpEngine):  # type: ignore[misc]
            def load(self) -> None:
                self.nlp = {"en": spacy.blank("en")}

        registry = RecognizerRegistry()
        for recognizer, _ in presidio_recognizers():
            registry.add_recognizer(recognizer)
        nlp = BlankEnglish(models=[{"lang_code": "en", "model_name": "blank"}])
        nlp.load()
        analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])
        _presidio = ImageAnalyzerEngine(analyzer_engine=analyzer, ocr=TesseractOCR())
    return _presidio


def _presidio_page(picture: Image.Image) -> Counter[tuple[str, str]]:
    engine = _presidio_engine()
    image, _ = engine.image_preprocessor.preprocess_image(picture.convert("RGB"))
    ocr = engine.ocr.perform_ocr(image)
    ocr = engine.threshold_ocr_result(ocr, 0)
    text = engine.ocr.get_text_from_ocr_dict(ocr)
    found: Counter[tuple[str, str]] = Counter()
    for result in engine.analyzer_engine.analyze(text=text, language="en"):
        kind = PRESIDIO_KINDS.get(result.entity_type)
        if kind is None:
            continue
        value = text[result.start : result.end]
        value = national_phone(value) if kind == "phone" else value
        found[(kind, mask(value))] += 1
    return found


def _presidio_init() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"


def run_presidio(pages: list[Page], workers: int) -> tuple[float, list[Counter[tuple[str, str]]]]:
    context = multiprocessing.get_context("forkserver")
    with context.Pool(workers, initializer=_presidio_init) as pool:
        pool.map(_presidio_page, [pages[0].picture] * workers)  # warm
        started = time.perf_counter()
        found = pool.map(_presidio_page, [page.picture for page in pages])
        return time.perf_counter() - started, found


def presidio_available() -> str | None:
    """None when Presidio's image redactor can run here, else why not."""
    import shutil

    try:
        import presidio_image_redactor  # noqa: F401
        import pytesseract  # noqa: F401
    except ImportError as error:
        return f"presidio-image-redactor is not installed ({error.name})"
    if shutil.which("tesseract") is None:
        return "Tesseract is not installed (apt-get install tesseract-ocr)"
    return None


# ---- report -----------------------------------------------------------------------------------


def _spcheck_found(scan: Any) -> Counter[tuple[str, str]]:
    return Counter(
        (f.kind, f.masked)
        for f in scan.findings
        if f.rule == "content.personal_identifier" and f.kind and f.masked
    )


def report(
    pages: list[Page], workers: int, presidio: bool, say: Callable[[str], None] = print
) -> None:
    cores = os.cpu_count() or 1
    seconds, scans = run_spcheck(pages, workers)
    say(f"corpus: {len(pages)} scanned pages, {cores} cores, pool of {workers} workers")
    say("")
    rate = len(pages) / seconds
    say(f"spcheck: {rate:.2f} pages/s ({rate / cores:.2f} per core)")
    cpu, wide = cpu_per_page([page for page in pages if page.tier.target][:12])
    say(f"  {cpu:.2f} CPU s a page on one core: {1 / cpu:.2f} pages/s per core when it is free")
    say(
        f"  with the wheel's 32-bit recogniser: {wide:.2f} CPU s a page ({1 / wide:.2f} pages/s"
        f" per core); ratio 8-bit / 32-bit, pages per CPU second: {wide / cpu:.2f}"
    )
    overall, target, shared = Score(), Score(), Score()
    by_tier: dict[str, Score] = {}
    passed_with_identifier = 0
    for page, scan in zip(pages, scans, strict=True):
        found = _spcheck_found(scan)
        overall.add(page.planted, found)
        if page.tier.target:
            target.add(page.planted, found)
            shared.add(_only(page.planted, SHARED_KINDS), _only(found, SHARED_KINDS))
        by_tier.setdefault(page.tier.name, Score()).add(page.planted, found)
        if scan.status == "pass" and page.planted:
            passed_with_identifier += 1
    say(f"  150 dpi and above: {target.line()}")
    for name, score in by_tier.items():
        say(f"    {name:<32} {score.line()}")
    say(f"  scanned files reported as pass while carrying an identifier: {passed_with_identifier}")
    say(f"  on Presidio's four kinds (150 dpi and above): {shared.line()}")
    missed = Counter(
        key[0]
        for page, scan in zip(pages, scans, strict=True)
        if page.tier.target
        for key in (page.planted - _spcheck_found(scan))
    )
    extra = Counter(
        key[0]
        for page, scan in zip(pages, scans, strict=True)
        if page.tier.target
        for key in (_spcheck_found(scan) - page.planted)
    )
    say(f"  missed by kind: {dict(missed)}; extra by kind: {dict(extra)}")
    say("")
    why = presidio_available() if presidio else "skipped (--no-presidio)"
    if why is not None:
        say(f"presidio-image-redactor: not run: {why}")
        return
    theirs_seconds, theirs = run_presidio(pages, workers)
    theirs_score = Score()
    for page, found in zip(pages, theirs, strict=True):
        if page.tier.target:
            theirs_score.add(_only(page.planted, SHARED_KINDS), found)
    theirs_rate = len(pages) / theirs_seconds
    say(f"presidio-image-redactor: {theirs_rate:.2f} pages/s ({theirs_rate / cores:.2f} per core)")
    say(f"  on its four kinds (150 dpi and above): {theirs_score.line()}")
    say("")
    say(f"ratio spcheck / presidio, pages per second: {rate / theirs_rate:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=72)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, help="also write the corpus here")
    parser.add_argument("--no-presidio", action="store_true")
    args = parser.parse_args(argv)
    pages = build_pages(args.pages)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for page in pages:
            (args.out / page.name).write_bytes(page.data)
    report(pages, args.workers, not args.no_presidio)
    return 0


if __name__ == "__main__":
    sys.exit(main())
