"""Counts in messages, worded as a person would say them."""

from __future__ import annotations


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``counted(1, "value")`` is "1 value"; ``counted(3, "value")`` is "3 values"."""
    return f"{number:,} {singular if number == 1 else (plural or singular + 's')}"
