"""Check-digit and date tests for the numeric identifiers (DOMAIN.md "Identifiers to detect").

Plain Python on digit strings: these run once per candidate on the hot path.
"""

from __future__ import annotations

_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def mod11_check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """11 - (weighted sum mod 11), 11 meaning 0; ``None`` when the result is 10 (never valid)."""
    total = 0
    for digit, weight in zip(digits, weights, strict=True):
        total += (ord(digit) - 48) * weight
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


_TEN_DIGIT_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_SCN_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def mod11_valid(number: str) -> bool:
    """The CHI and NHS number check: weights 10..2 on the first nine digits, check digit tenth."""
    if len(number) != 10 or not number.isascii() or not number.isdigit():
        return False
    return mod11_check_digit(number[:9], _TEN_DIGIT_WEIGHTS) == ord(number[9]) - 48


def ddmmyy_valid(digits: str) -> bool:
    """True when the first six digits are a real DDMMYY date.

    The century is unknown, so 29 February passes when the two-digit year is a multiple of
    4: 2000 was a leap year, and 1900 cannot be told apart from it.
    """
    if len(digits) < 6 or not digits[:6].isascii() or not digits[:6].isdigit():
        return False
    day = int(digits[0:2])
    month = int(digits[2:4])
    year = int(digits[4:6])
    if not 1 <= month <= 12 or day < 1:
        return False
    if month == 2 and day == 29:
        return year % 4 == 0
    return day <= _DAYS_IN_MONTH[month]


def chi_valid(number: str) -> bool:
    """A CHI number: ten digits, a real DDMMYY date of birth and a valid mod-11 check digit."""
    return len(number) == 10 and ddmmyy_valid(number) and mod11_valid(number)


def nhs_valid(number: str) -> bool:
    """An NHS number in an issued range (400-499 or 600-799 million) with a valid check digit.

    9xx numbers are test numbers and 0xx-3xx are CHI's range, so neither is an NHS number.
    """
    return len(number) == 10 and number[0] in "467" and mod11_valid(number)


def scn_valid(number: str) -> bool:
    """A Scottish Candidate Number: weights 3,2,7,6,5,4,3,2 on eight digits, check digit ninth."""
    if len(number) != 9 or not number.isascii() or not number.isdigit():
        return False
    return mod11_check_digit(number[:8], _SCN_WEIGHTS) == ord(number[8]) - 48
