"""Check-digit and date tests for the numeric identifiers (runbooks/content.md).

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


# The ranges NHS numbers are issued from, by their first three digits. Sources: the NHS
# Data Model and Dictionary, "NHS NUMBER" (ten digits, the tenth a modulus 11 check digit:
# https://archive.datadictionary.nhs.uk/DD%20Release%20August%202021/attributes/nhs_number.html)
# and "HEALTH AND CARE NUMBER" (Northern Ireland's, in the same format, from 320 000 001 to
# 399 999 999: https://archive.datadictionary.nhs.uk/DD%20Release%20August%202024/
# attributes/health_and_care_number.html); England, Wales and the Isle of Man issue
# 400 000 000 to 499 999 999 and 600 000 000 to 799 999 999, and England also 3xx below
# Northern Ireland's range. 010 100 0000 to 311 299 9999 is Scotland's CHI (read by the CHI
# detector, with its date), and 999 000 0000 to 999 999 9999 is reserved for tests.
_ISSUED_PREFIXES = frozenset(f"{n:03d}" for n in (*range(300, 500), *range(600, 800)))


def nhs_valid(number: str) -> bool:
    """Ten digits with a valid NHS modulus 11 check digit, whatever the range."""
    return len(number) == 10 and mod11_valid(number)


def nhs_issued(number: str) -> bool:
    """True when ``number`` lies in a range NHS (and Health and Care) numbers are issued
    from. The range only weighs an unlabelled number: a number labelled as an NHS number
    with a valid check digit is one, whatever its range (test data included)."""
    return number[:3] in _ISSUED_PREFIXES


def scn_valid(number: str) -> bool:
    """A Scottish Candidate Number: weights 3,2,7,6,5,4,3,2 on eight digits, check digit ninth."""
    if len(number) != 9 or not number.isascii() or not number.isdigit():
        return False
    return _check_digit_holds(number, _SCN_WEIGHTS)
