"""Strings from outside made safe to show: the one place every output goes through.

File names, sheet names and display names come from the partnership and from
Graph, and error messages quote them. Shown raw, an ESC starts a terminal escape
sequence (a colour, a cursor move, a retitled window, a hidden line), a NUL cuts a
CSV cell, a bidirectional override makes ``cod.exe`` read as ``exe.doc``, and
most control characters are not allowed in XML at all. So before anything is
written out (terminal, report, CSV, JUnit XML, mail), every such character
becomes a visible escape: ESC is shown as ``\\x1b``, U+202E as ``\\u202e``.

``visible`` does one string, ``one_line`` one message, ``neutralise`` a whole
value (a report, a plan, audit entries: frozen dataclasses, tuples, lists and
mappings, rebuilt only where something changed). Renderers get values already
neutralised (``report.interface.Renderer`` does it for every report format).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Any, TypeVar

T = TypeVar("T")

# C0 and C1 controls and DEL; bidirectional formatting (the "Trojan Source" characters);
# the Unicode line and paragraph separators; lone surrogates (undecodable file names);
# and the two non-characters XML refuses.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u2028\u2029\ud800-\udfff\ufffe\uffff]"
)


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control, bidirectional and non-character shown as an escape."""
    return _UNSAFE.sub(_escape, text)


def one_line(text: object) -> str:
    """A message as one safe line: whitespace runs folded to a space, the rest made visible."""
    return visible(" ".join(str(text).split()))


def neutralise(value: T) -> T:
    """``value`` with every string inside it made ``visible``; the same object when clean."""
    result: T = _walk(value)
    return result


def _walk(value: Any) -> Any:
    if type(value) is str:
        return visible(value)
    if value is None or isinstance(value, int | float | bool | bytes | Enum):
        return value  # an Enum's value is spcheck's own, never from outside
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _dataclass(value)
    if isinstance(value, tuple):
        items = tuple(_walk(item) for item in value)
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return type(value)(*items) if hasattr(value, "_fields") else items
    if isinstance(value, list):
        return [_walk(item) for item in value]
    if isinstance(value, frozenset | set):
        return type(value)(_walk(item) for item in value)
    if isinstance(value, Mapping):
        walked = {_walk(key): _walk(item) for key, item in value.items()}
        if isinstance(value, MappingProxyType):
            return MappingProxyType(walked)
        return walked if isinstance(value, dict) else MappingProxyType(walked)
    return value


def _dataclass(value: Any) -> Any:
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(value):
        if not field.init:
            continue
        current = getattr(value, field.name)
        walked = _walk(current)
        if walked is not current and walked != current:
            changes[field.name] = walked
    return dataclasses.replace(value, **changes) if changes else value
