"""Hypothesis strategies that damage real files: text, bytes, and the parts inside a zip.

Property-based fuzzing starts from valid input (the shipped policy, the examples, the
test documents) and breaks it the ways files break: a slice replaced, dropped or
repeated, a token that means something to the parser dropped in, the end cut off;
for Office files, the same done to one XML part inside an otherwise valid zip, so
the XML readers are reached and not only the zip reader.

The example budget is small in the normal suite; ``SPCHECK_FUZZ_SCALE`` multiplies it
for a longer run (docs/fuzzing.md).
"""

from __future__ import annotations

import io
import os
import signal
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SCALE = max(1, int(os.environ.get("SPCHECK_FUZZ_SCALE", "1") or "1"))

# Tokens that mean something to YAML, CSV, JSON, XML or PDF readers.
TOKENS = (
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "- ",
    "&a ",
    "*a",
    "!!python/object:os.system ",
    "? ",
    "|",
    ">",
    "'",
    '"',
    "\t",
    "\n",
    "\r\n",
    "\x00",
    "\ufeff",
    "---\n",
    "...",
    "%YAML 1.1\n",
    "0x",
    "1e999",
    "-",
    "2026-02-30",
    "<",
    "<!DOCTYPE a [<!ENTITY e 'x'>]>",
    "&e;",
    "]]>",
    "obj",
    "endobj",
    "stream",
    "endstream",
    "/Length 999999",
    "xref",
    "trailer",
    "%%EOF",
    "\\u0000",
    "null",
    "true",
    "NaN",
    "9" * 40,
)


def fuzz(examples: int) -> Callable[[Any], Any]:
    """The example budget of one fuzz test (times SPCHECK_FUZZ_SCALE), and a test timeout
    that grows with it (the suite's is 120 s)."""
    budget = settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    timeout = pytest.mark.timeout(120 * SCALE)

    def apply(test: Any) -> Any:
        return timeout(budget(test))

    return apply


@st.composite
def mutated_text(draw: st.DrawFn, seed: str) -> str:
    text = seed
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            text = draw(st.text(max_size=40))
            continue
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 80)))
        operation = draw(st.sampled_from(("replace", "delete", "repeat", "token", "cut")))
        if operation == "replace":
            text = text[:start] + draw(st.text(max_size=20)) + text[end:]
        elif operation == "delete":
            text = text[:start] + text[end:]
        elif operation == "repeat":
            text = text[:end] + text[start:end] * draw(st.integers(2, 50)) + text[end:]
        elif operation == "token":
            text = text[:start] + draw(st.sampled_from(TOKENS)) + text[start:]
        else:
            text = text[:start]
    return text


@st.composite
def mutated_bytes(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            data = bytearray(draw(st.binary(max_size=64)))
            continue
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 256)))
        operation = draw(st.sampled_from(("flip", "replace", "delete", "repeat", "token", "cut")))
        if operation == "flip" and start < len(data):
            data[start] ^= 1 << draw(st.integers(0, 7))
        elif operation == "replace":
            data[start:end] = draw(st.binary(max_size=32))
        elif operation == "delete":
            del data[start:end]
        elif operation == "repeat":
            data[end:end] = bytes(data[start:end]) * draw(st.integers(2, 20))
        elif operation == "token":
            data[start:start] = draw(st.sampled_from(TOKENS)).encode("utf-8")
        else:
            del data[start:]
    return bytes(data)


@st.composite
def mutated_zip(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` (a zip) with one or two of its parts damaged, and still a valid zip."""
    with zipfile.ZipFile(io.BytesIO(seed)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    names = sorted(parts)
    for _ in range(draw(st.integers(1, 2))):
        name = draw(st.sampled_from(names))
        parts[name] = draw(mutated_bytes(parts[name]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            target.writestr(name, parts[name])
    return out.getvalue()


class Overran(BaseException):
    """An input took longer than the sandbox would let it run (a BaseException: a parser
    that catches ``Exception`` cannot swallow it)."""


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail (not hang) when the body runs past ``seconds``: the sandbox's time limit."""

    def expired(signum: int, frame: object) -> None:
        raise Overran(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
