"""Check-digit and date tests for the numeric identifiers (DOMAIN.md "Identifiers to detect").

Plain Python on digit strings: these run once per candidate on the hot path.
"""

from __future__ import annotations

from operator import mul

_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# Every real DDMM, 29 February included (its year is checked apart).
_DAY_MONTHS = frozenset(
    f"{day:02d}{month:02d}" for month in range(1, 13) for day in range(1, _DAYS_IN_MONTH[month] + 1)
)


def mod11_check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """11 - (weighted sum mod 11), 11 meaning 0; ``None`` when the result is 10 (never valid)."""
    if len(digits) != len(weights):
        raise ValueError("one weight per digit")
    total: int = sum(map(mul, map(ord, digits), weights)) - 48 * sum(weights)
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


_TEN_DIGIT_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_SCN_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
# The check digit as a character for each remainder of the weighted sum: 11 - remainder,
# 11 meaning 0, and 10 never valid ("" equals no character).
_CHECK = ("0", "", "9", "8", "7", "6", "5", "4", "3", "2", "1")


def _check_digit_holds(number: str, weights: tuple[int, ...]) -> bool:
    """True when the last digit of ``number`` (ASCII digits, one more than ``weights``) is the
    mod-11 check digit of the others: one expression, as it runs once per candidate."""
    total = sum(map(mul, map(ord, number), weights)) - 48 * sum(weights)
    return _CHECK[total % 11] == number[-1]


def mod11_valid(number: str) -> bool:
    """The CHI and NHS number check: weights 10..2 on the first nine digits, check digit tenth."""
    if len(number) != 10 or not number.isascii() or not number.isdigit():
        return False
    return _check_digit_holds(number, _TEN_DIGIT_WEIGHTS)


def ddmmyy_valid(digits: str) -> bool:
    """True when the first six digits are a real DDMMYY date.

    The century is unknown, so 29 February passes when the two-digit year is a multiple of
    4: 2000 was a leap year, and 1900 cannot be told apart from it.
    """
    if len(digits) < 6 or not digits[:6].isascii() or not digits[:6].isdigit():
        return False
    day_month = digits[:4]
    if day_month not in _DAY_MONTHS:
        return False
    return day_month != "2902" or int(digits[4:6]) % 4 == 0


def chi_valid(number: str) -> bool:
    """A CHI number: ten digits, a real DDMMYY date of birth and a valid mod-11 check digit."""
    if len(number) != 10 or not number.isascii() or not number.isdigit():
        return False
    day_month = number[:4]
    if day_month not in _DAY_MONTHS or (day_month == "2902" and int(number[4:6]) % 4 != 0):
        return False
    return _check_digit_holds(number, _TEN_DIGIT_WEIGHTS)


def nhs_valid(number: str) -> bool:
    """An NHS number in an issued range (400-499 or 600-799 million) with a valid check digit.

    9xx numbers are test numbers and 0xx-3xx are CHI's range, so neither is an NHS number.
    """
    return len(number) == 10 and number[0] in "467" and mod11_valid(number)


def scn_valid(number: str) -> bool:
    """A Scottish Candidate Number: weights 3,2,7,6,5,4,3,2 on eight digits, check digit ninth."""
    if len(number) != 9 or not number.isascii() or not number.isdigit():
        return False
    return _check_digit_holds(number, _SCN_WEIGHTS)
