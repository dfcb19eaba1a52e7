"""Who is acting and what they typed, for the commands that record a person's decision
(`spcheck accept`, `attest` and their undoing): checked before anything is written."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from spcheck.errors import InputError
from spcheck.settings import Settings

LONDON = ZoneInfo("Europe/London")


def one_line(value: str | None, option: str, limit: int, *, required: bool = True) -> str:
    """A person's text: one printable line, at most ``limit`` characters."""
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InputError(f"{option}: must not be empty")
        return ""
    if len(cleaned) > limit:
        raise InputError(f"{option}: at most {limit} characters")
    if not cleaned.isprintable():
        raise InputError(f"{option}: one line of printable text (no control characters)")
    return cleaned


def operator_name(by: str | None, settings: Settings) -> str:
    """``--by``, else the SPCHECK_OPERATOR setting: a decision always names who made it."""
    if by is not None:
        return one_line(by, "--by", 200)
    if settings.operator:
        return settings.operator
    raise InputError("--by: say who you are (or set SPCHECK_OPERATOR)")


def parse_moment(value: str, option: str, *, day_time: dt.time) -> dt.datetime:
    """A date (at ``day_time`` that day, UK time) or an ISO date-time (UK time if naive)."""
    try:
        if len(value) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(value), day_time, tzinfo=LONDON)
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{option}: {value!r} is not a date (YYYY-MM-DD) or ISO date-time"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)
