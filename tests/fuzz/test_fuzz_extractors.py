"""Each content extractor's entry point on damaged documents: an ``Extraction`` or a typed
``ExtractionError``, within the sandbox's time limit; never any other exception.

(The check cycle runs extractors in the sandbox, which also turns any other exception
into ``file.unreadable``; this holds the extractors to the stricter contract.)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spcheck.content.extract import extract
from spcheck.content.interface import DEFAULT_LIMITS, Extraction, ExtractionError, Extractor
from tests.content import builders

from .mutations import fuzz, mutated_bytes, mutated_zip, within


def docx() -> Extractor:
    from spcheck.content.extract.docx import DocxExtractor

    return DocxExtractor()


def xlsx() -> Extractor:
    from spcheck.content.extract.xlsx import XlsxExtractor

    return XlsxExtractor()


def pptx() -> Extractor:
    from spcheck.content.extract.pptx import PptxExtractor

    return PptxExtractor()


def pdf() -> Extractor:
    from spcheck.content.extract.pdf import PdfExtractor

    return PdfExtractor()


def csv_reader() -> Extractor:
    from spcheck.content.extract.text import CsvExtractor

    return CsvExtractor()


def text_reader() -> Extractor:
    from spcheck.content.extract.text import TextExtractor

    return TextExtractor()


@cache
def seeds() -> dict[str, tuple[Callable[[], Extractor], tuple[bytes, ...]]]:
    return {
        "docx": (docx, (builders.docx_planted(), builders.docx_fake_redaction())),
        "xlsx": (xlsx, (builders.xlsx_planted(),)),
        "pptx": (pptx, (builders.pptx_planted(),)),
        "pdf": (pdf, (builders.pdf_black_boxes(), builders.pdf_incremental())),
        "csv": (csv_reader, (builders.csv_near_misses(),)),
        "txt": (text_reader, ("Case notes\nCHI 0101011237\n".encode("utf-16"),)),
    }


def read(extractor: Extractor, data: bytes, positions: bool) -> None:
    """The contract: a value or a typed error that says why, within the sandbox's time limit."""
    found: Extraction | ExtractionError
    try:
        with within(DEFAULT_LIMITS.time_limit):
            found = extractor.extract(data, DEFAULT_LIMITS, positions=positions)
    except ExtractionError as error:
        found = error
    assert isinstance(found, Extraction) or str(found)


def damaged(kind: str, zipped: bool) -> st.SearchStrategy[bytes]:
    originals = seeds()[kind][1]
    mutate = mutated_zip if zipped else mutated_bytes
    return st.sampled_from(originals).flatmap(mutate)


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx"])
@fuzz(150)
@given(data=st.data(), positions=st.booleans())
def test_office_extractors_on_damaged_parts(
    kind: str, data: st.DataObject, positions: bool
) -> None:
    document = data.draw(damaged(kind, zipped=data.draw(st.booleans())))
    read(seeds()[kind][0](), document, positions)


@fuzz(80)
@given(document=damaged("pdf", zipped=False), positions=st.booleans())
def test_pdf_extractor_on_damaged_files(document: bytes, positions: bool) -> None:
    read(pdf(), document, positions)


@pytest.mark.parametrize("kind", ["csv", "txt"])
@fuzz(100)
@given(data=st.data())
def test_text_extractors_on_damaged_files(kind: str, data: st.DataObject) -> None:
    read(seeds()[kind][0](), data.draw(damaged(kind, zipped=False)), positions=False)


NAMES = ("notes.docx", "sheet.xlsx", "deck.pptx", "scan.pdf", "list.csv", "notes.txt", "x.bin")


@fuzz(150)
@given(
    document=st.binary(max_size=2048)
    | st.sampled_from(("docx", "xlsx", "pdf")).flatmap(lambda k: damaged(k, zipped=False)),
    name=st.sampled_from(NAMES),
)
def test_the_entry_point_on_anything_under_any_name(document: bytes, name: str) -> None:
    try:
        with within(DEFAULT_LIMITS.time_limit):
            found = extract(document, name, DEFAULT_LIMITS, positions=True)
    except ExtractionError:
        return
    assert isinstance(found, Extraction)


@pytest.mark.parametrize("kind", sorted(["docx", "xlsx", "pptx", "pdf", "csv", "txt"]))
def test_the_seeds_themselves_are_read(kind: str) -> None:
    make, originals = seeds()[kind]
    for original in originals:
        assert isinstance(make().extract(original, DEFAULT_LIMITS, positions=True), Extraction)
