"""Fixtures of the content tests: the documents (built once per session) and the rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spcheck.domain.policy import ContentRules, FileRules
from tests.content import builders

STRICT = ContentRules(identifiers="forbid", redaction="verify", hidden_data="forbid")
FILES = FileRules(
    allowed_extensions=["docx", "xlsx", "pptx", "pdf", "csv", "txt", "png", "jpg", "tif", "mp3"]
)

BUILT: dict[str, Callable[[], bytes]] = {
    "planted.docx": builders.docx_planted,
    "fake-redaction.docx": builders.docx_fake_redaction,
    "styled-hidden.docx": builders.docx_hidden_by_style,
    "macros.docm": builders.docm_with_macros,
    "bomb.docx": builders.docx_zip_bomb,
    "laughs.docx": builders.docx_billion_laughs,
    "encrypted.docx": builders.encrypted_office,
    "planted.xlsx": builders.xlsx_planted,
    "planted.pptx": builders.pptx_planted,
    "boxes.pdf": builders.pdf_black_boxes,
    "redacted.pdf": builders.pdf_properly_redacted,
    "invisible.pdf": builders.pdf_invisible_text,
    "annotated.pdf": builders.pdf_unapplied_redaction,
    "incremental.pdf": builders.pdf_incremental,
    "password.pdf": builders.pdf_password,
    "truncated.pdf": lambda: builders.truncated(builders.pdf_black_boxes()),
    "near-miss.docx": lambda: builders.docx_clean(builders.NEAR_MISS_LINES),
    "near-miss.pdf": lambda: builders.pdf_with_text(builders.NEAR_MISS_LINES),
    "near-miss.xlsx": builders.xlsx_near_misses,
    "near-miss.txt": lambda: "\n".join(builders.NEAR_MISS_LINES).encode("utf-8"),
    "near-miss.csv": builders.csv_near_misses,
}


@pytest.fixture(scope="session")
def documents() -> dict[str, bytes]:
    return {name: build() for name, build in BUILT.items()}


@pytest.fixture(scope="session")
def strict() -> ContentRules:
    return STRICT


@pytest.fixture(scope="session")
def file_rules() -> FileRules:
    return FILES
