"""Masking of identifiers in names: what a report may never repeat."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spcheck.rules.privacy import looks_like_chi_or_nhs, mask_email, mod11_valid, redact


def chi_check_digit(nine: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return None if check == 10 else (0 if check == 11 else check)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0101011237.pdf", "01******37.pdf"),
        ("scan 0211165794 final.docx", "scan 02******94 final.docx"),
        ("943 476 5919.pdf", "94******19.pdf"),  # an NHS test number, spaced 3-3-4
        ("NI AB123456C.pdf", "NI AB*****6C.pdf"),
        (
            "from morag.testperson@glenmorven-council.example",
            "from mo************on@glenmorven-council.example",
        ),
    ],
)
def test_identifiers_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "GM-2999.pdf",
        "2026-10-02 minutes.docx",
        "0101011238.pdf",  # fails the check digit
        "3213456789.pdf",  # 32/13: not a date, and not an NHS range
        "01010112370.pdf",  # eleven digits: not a CHI number
        "GB123456A.pdf",  # GB is never issued
    ],
)
def test_other_names_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_check_digit() -> None:
    assert mod11_valid("0101011237")
    assert mod11_valid("0211165794")
    assert not mod11_valid("0101011230")
    assert not mod11_valid("01010112")


def test_mask_email_keeps_the_domain() -> None:
    assert mask_email("ab@x.example") == "**@x.example"
    assert mask_email("fergus.outsider@elsewhere.example") == "fe***********er@elsewhere.example"


@given(
    day=st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2019, 12, 31)),
    serial=st.integers(min_value=0, max_value=999),
    prefix=st.sampled_from(["", "record ", "GM-", "x_"]),
    suffix=st.sampled_from([".pdf", " scan.docx", "", "_v2.xlsx"]),
)
def test_any_valid_chi_in_a_name_is_masked(
    day: dt.date, serial: int, prefix: str, suffix: str
) -> None:
    nine = f"{day:%d%m%y}{serial:03d}"
    check = chi_check_digit(nine)
    if check is None:
        return
    chi = nine + str(check)
    assert looks_like_chi_or_nhs(chi)
    masked = redact(f"{prefix}{chi}{suffix}")
    assert chi not in masked
    assert masked == f"{prefix}{chi[:2]}******{chi[-2:]}{suffix}"
    assert redact(masked) == masked
