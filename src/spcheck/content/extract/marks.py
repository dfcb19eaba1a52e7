"""Redaction marks: what a proper redaction leaves where the text was (XXXX, ████,
[REDACTED]). Marks under a box or a black highlight are not a failed redaction."""

from __future__ import annotations

import re

_MARK = re.compile(
    r"[\[(<{]*(?:x+|\*+|[█▇▆▅▄▃▂▁■□▪▫◼◻⬛░▒▓]+|_+|-+|\.+|redacted|removed|withheld|"
    r"redaction|deleted)[\])>}]*[.,;:]?",
    re.IGNORECASE,
)
_ALNUM = re.compile(r"[^\W_]")


def real_text(words: list[str]) -> str:
    """The words that are not redaction marks, joined; empty when only marks remain."""
    kept = [w for w in words if not _MARK.fullmatch(w) and _ALNUM.search(w)]
    return " ".join(kept)
