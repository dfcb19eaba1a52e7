"""Sketches of a batch's text, a byte a character, on which some patterns run much faster.

The regular expression engine skips to a literal first character about ten times faster
than to a character class, and a pattern that starts with a digit is tried at every digit
of a long number, each try costing far more than the skipping. A sketch maps each
character to a byte that stands for its class, so that a pattern written for the sketch
starts with a literal and finds, at the same offsets, what its text form finds.

``DIGIT_RUNS`` is the sketch of the digit patterns: a digit that starts a run of digits is
"S" and any other digit "0", so a number pattern starts with the literal "S" and is tried
once a run. The characters the digit patterns look at besides digits stay as they are
(space, "-", ".", ",", "/"), the letters A-D and a-d (the suffix of a National Insurance
number) become "a", and every other character "x". tests/content/test_detectors_batch.py
holds each sketch pattern to the text pattern it stands for.
"""

from __future__ import annotations

from dataclasses import dataclass

RUN_START = "S"


@dataclass(frozen=True, slots=True, eq=False)
class Sketch:
    """A byte for each character (``table``, applied to its latin-1 byte; a character
    outside latin-1 counts as "?"), and whether digits that start a run become "S"."""

    table: bytes
    marks_runs: bool = False

    def of(self, encoded: bytes) -> bytes:
        """The sketch of a text given as ``latin1(text)``: a byte for each character."""
        sketch = encoded.translate(self.table)
        if not self.marks_runs:
            return sketch
        # Whole-text integer arithmetic, one byte a character (little-endian: byte i of
        # the number is character i): a run starts at a digit after a non-digit.
        digits = int.from_bytes(encoded.translate(_DIGITS), "little")
        starts = digits ^ (digits & (digits << 8))
        marked = int.from_bytes(sketch, "little") + starts * _RUN_START_STEP
        return marked.to_bytes(len(encoded), "little")


def latin1(text: str) -> bytes:
    """``text`` as one byte a character: "?" for a character outside latin-1."""
    return text.encode("latin-1", "replace")


def table(classes: dict[str, str]) -> bytes:
    """A sketch table: each character of a key becomes that key's byte, the rest "x"."""
    codes = [ord("x")] * 256
    for characters, code in classes.items():
        for character in characters:
            codes[ord(character)] = ord(code)
    return bytes(codes)


_DIGITS = bytes(1 if 48 <= byte <= 57 else 0 for byte in range(256))
_RUN_START_STEP = ord(RUN_START) - ord("0")
DIGIT_RUNS = Sketch(
    table({"0123456789": "0", " ": " ", "-": "-", ".": ".", ",": ",", "/": "/", "ABCDabcd": "a"}),
    marks_runs=True,
)
