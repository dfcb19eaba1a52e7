"""Masking of identifiers that turn up in names: a report never repeats them.

File and folder names are chosen by the partnership, and a record uploaded under a
child's CHI number instead of its case reference is exactly the mistake the report
must show without repeating it. Kept small and dependency-free (rules do no I/O and do
not import the content module): CHI and NHS numbers (ten digits with a valid mod-11
check), National Insurance numbers and email addresses are masked as
``spcheck.domain.findings.mask`` does.
"""

from __future__ import annotations

import datetime as dt
import re

from spcheck.domain.findings import mask

_TEN_DIGITS = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
_NINO = re.compile(
    r"(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D](?![A-Za-z0-9])",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+*-])([\w.+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def mod11_valid(digits: str) -> bool:
    """The CHI and NHS number check digit: weights 10..2 on the first nine digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _real_ddmmyy(digits: str) -> bool:
    day, month, year = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    for century in (1900, 2000):
        try:
            dt.date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def looks_like_chi_or_nhs(digits: str) -> bool:
    """A CHI number (real DDMMYY date) or an NHS number (issued or test range)."""
    if not mod11_valid(digits):
        return False
    leading = int(digits[:3])
    nhs_range = 400 <= leading <= 499 or 600 <= leading <= 799 or leading >= 900
    return _real_ddmmyy(digits) or nhs_range


def _mask_ten(match: re.Match[str]) -> str:
    digits = "".join(match.groups())
    return mask(digits) if looks_like_chi_or_nhs(digits) else match.group(0)


def _mask_email(match: re.Match[str]) -> str:
    return f"{mask(match.group(1))}@{match.group(2)}"


def redact(text: str) -> str:
    """``text`` with every CHI or NHS number, NI number and email address in it masked."""
    if not text:
        return text
    text = _TEN_DIGITS.sub(_mask_ten, text)
    text = _NINO.sub(lambda m: mask(m.group(0)), text)
    return _EMAIL.sub(_mask_email, text)


def redact_optional(text: str | None) -> str | None:
    return None if text is None else redact(text)


def mask_email(address: str) -> str:
    """An address with its local part masked: the domain says whose it is, not who."""
    local, at, domain = address.rpartition("@")
    return f"{mask(local)}@{domain}" if at else mask(address)
