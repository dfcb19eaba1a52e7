"""Who is acting and what they typed, for the commands that record a person's decision
(`spcheck accept`, `attest` and their undoing): checked before anything is written; and
what those commands share (loading the inspection, failing with one line)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TextIO
from zoneinfo import ZoneInfo

from spcheck.errors import InputError, SpcheckError, error_line
from spcheck.loader import LoadedInspection, find_inspection, load_inspection, load_policies
from spcheck.loader import policies_dir as resolve_policies
from spcheck.settings import Settings
from spcheck.store.records import Store

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


def load_one(settings: Settings, inspection_id: str) -> LoadedInspection:
    """The inspection's definition under its policy (InputError naming the file if not)."""
    policies = load_policies(resolve_policies(settings.policies))
    return load_inspection(find_inspection(settings.inspections, inspection_id), policies)


def fail(error: SpcheckError, err: TextIO | None) -> int:
    """One line on stderr; the error's exit code."""
    print(error_line(error), file=err or sys.stderr)
    return error.exit_code


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def settle(store: Store, inspection_id: str, err: TextIO | None) -> None:
    """Read back a decision an interrupted run left unrecorded (write-ahead), and say so."""
    from spcheck.writeahead.reconcile import settle_in_store

    line = settle_in_store(store, inspection_id)
    if line:
        print(error_line(line), file=err or sys.stderr)
