"""Check digits and dates for CHI, NHS number and SCN, against documented and hand-worked values."""

from __future__ import annotations

import pytest

from spcheck.content.detectors.checksums import (
    chi_valid,
    ddmmyy_valid,
    mod11_valid,
    nhs_issued,
    nhs_valid,
    scn_valid,
)


@pytest.mark.parametrize("number", ["0101011237", "0211165794"])
def test_public_health_scotland_examples_are_valid_chi(number: str) -> None:
    assert chi_valid(number)


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("0101011238", "check digit off by one"),
        ("0101011230", "check digit zero where seven is due"),
        ("3202011237", "day 32"),
        ("0113011237", "month 13"),
        ("0000001237", "day zero"),
        ("2902011237", "29 February in a year that is not a multiple of four"),
        ("010101123", "nine digits"),
        ("01010112370", "eleven digits"),
        ("01010112a7", "a letter"),
        ("０１０１０１１２３７", "full-width digits"),
    ],
)
def test_invalid_chi(number: str, why: str) -> None:
    assert not chi_valid(number), why


def _weighted(digits: str) -> int:
    return sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))


def _first_prefix_with_remainder(remainder: int) -> str:
    for serial in range(1000):
        digits = f"010101{serial:03d}"
        if _weighted(digits) % 11 == remainder:
            return digits
    raise AssertionError(f"no prefix with remainder {remainder}")


def test_check_digit_ten_is_never_valid() -> None:
    # Remainder 1 makes 11 - 1 = 10, which no single digit can carry.
    digits = _first_prefix_with_remainder(1)
    assert not any(mod11_valid(digits + check) for check in "0123456789")


def test_remainder_zero_gives_check_digit_zero() -> None:
    digits = _first_prefix_with_remainder(0)
    assert chi_valid(digits + "0")
    assert not any(chi_valid(digits + check) for check in "123456789")


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("290200", True),  # 2000 was a leap year
        ("290296", True),
        ("290201", False),
        ("310412", False),
        ("300412", True),
        ("311299", True),
        ("010100", True),
    ],
)
def test_ddmmyy(digits: str, valid: bool) -> None:
    assert ddmmyy_valid(digits) is valid


@pytest.mark.parametrize(
    ("number", "valid", "issued"),
    [
        ("9434765919", True, False),  # the NHS's own example, in the reserved 9xx range
        ("4010232137", True, True),
        ("4010232138", False, True),
        ("0101011237", True, False),  # CHI range
        ("5010232138", True, False),  # 5xx is not issued
        ("3200000015", True, True),  # Northern Ireland's Health and Care numbers
    ],
)
def test_nhs_number(number: str, valid: bool, issued: bool) -> None:
    assert nhs_valid(number) is valid
    assert nhs_issued(number) is issued


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        # 1*3+2*2+3*7+4*6+5*5+6*4+7*3+8*2 = 138, 138 mod 11 = 6, check 5
        ("123456785", True),
        ("123456782", False),
        # 0*3+...: 00000000 sums to 0, remainder 0 gives check 0
        ("000000000", True),
        ("000000001", False),
        ("12345678", False),
        ("1234567850", False),
    ],
)
def test_scn(number: str, valid: bool) -> None:
    assert scn_valid(number) is valid


def test_scn_remainder_one_is_invalid() -> None:
    # 40000000: 4*3 = 12, remainder 1: no check digit is valid
    assert not any(scn_valid("40000000" + check) for check in "0123456789")
