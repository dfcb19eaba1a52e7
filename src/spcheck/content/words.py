"""Word count for the position statement's limit (at most 5,000 words).

A word is a whitespace-separated token holding at least one letter or digit, so
"multi-agency" is one word and a lone dash or bullet is none. Linear in the text:
hostile documents reach this code.
"""

from __future__ import annotations

import re

_ALNUM = re.compile(r"[^\W_]")


def count_words(text: str) -> int:
    """The number of words in ``text``."""
    search = _ALNUM.search
    return sum(1 for token in text.split() if search(token) is not None)
