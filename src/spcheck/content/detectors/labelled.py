"""Labelled fields whose value is present and not a redaction mark.

"Child's name: Morag", "Address: 4 Glen Road", "GP: Dr Smith" are reported at 0.85 with
the label, never the value: ``masked`` is ``"<label>: ****"`` because names and
addresses are described, not quoted (DESIGN.md section 6). A label is recognised at the
start of a line followed by a colon, alone in the previous segment (a form's label cell),
or as a spreadsheet column's header. A value made only of redaction marks (XXXX,
[REDACTED], ███, ****, ____, "withheld", a bracketed placeholder) or with fewer than two
letters or digits left once the marks are removed is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from spcheck.content.detectors.interface import Detection, Detector, SegmentContext, TextSegment

_PERSON = (
    r"(?:child|young\s+person|pupil|learner|mother|father|parent|carer|sibling|baby|"
    r"victim|subject|client|service\s+user|patient)"
)
LABELS = (
    rf"{_PERSON}(?:['’]?s)?\s+(?:full\s+|first\s+|last\s+|sur)?name",
    rf"name\s+of\s+(?:the\s+)?{_PERSON}",
    r"(?:full\s+|first\s+|last\s+|family\s+|given\s+|preferred\s+|maiden\s+)?names?",
    r"surname|forenames?|known\s+as|alias",
    r"(?:home\s+|current\s+|previous\s+|postal\s+|residential\s+)?address",
    r"date\s+of\s+birth|birth\s*date|d\.?\s?o\.?\s?b\.?",
    r"(?:current\s+|previous\s+)?(?:school|nursery)(?:\s+attended)?",
    r"gp(?:\s+(?:practice|surgery|name))?|health\s+visitor|named\s+person",
    r"chi(?:\s+(?:number|no\.?))?|nhs\s+(?:number|no\.?)|scn|candidate\s+number",
    r"ni\s+(?:number|no\.?)|national\s+insurance(?:\s+(?:number|no\.?))?",
    r"post\s?code",
    r"(?:home\s+|mobile\s+)?(?:tel|telephone|phone|mobile)(?:\s+(?:number|no\.?))?",
    r"e-?mail(?:\s+address)?",
    r"next\s+of\s+kin",
)
_LABEL = "|".join(LABELS)
# A label at the start of a line (after list bullets), a colon, then the value.
_INLINE = re.compile(
    rf"^[ \t>*•·\-–]*(?P<label>{_LABEL})[ \t]*:[ \t]*(?P<value>[^\n\r]{{0,200}})",
    re.IGNORECASE | re.MULTILINE,
)
# A label on its own (a form's label cell or a column header), colon optional.
_ALONE = re.compile(rf"\s*(?P<label>{_LABEL})\s*:?\s*", re.IGNORECASE)

# Whole words only: "Ana" is a name, not "A" followed by "na".
_MARK_TOKEN = re.compile(
    r"\b(?:x{2,}|redacted|removed|withheld|deleted|hidden|anonymi[sz]ed|"
    r"not\s+(?:known|applicable|recorded|given|disclosed)|unknown|n/a|na|nil|none|tbc|tba)\b"
    r"|[\[\](){}<>.,;:/|_\-–—*#?█▇▆▅▄▃▂▁■□▪▫●•◼◻⬛░▒▓\s]",
    re.IGNORECASE,
)
_COLON = re.compile(":")
_PLACEHOLDER = re.compile(r"\s*(?:\[[^\]]*\]|<[^>]*>|\{[^}]*\})\s*")
# A value cell after a label cell is short and on one line; longer text is prose.
_MAX_CELL_VALUE = 100
_MAX_LABEL = 60
_ALNUM = re.compile(r"[^\W_]", re.UNICODE)


def is_redacted(value: str) -> bool:
    """True when a field's value is absent, a placeholder or only redaction marks."""
    if _PLACEHOLDER.fullmatch(value):
        return True
    remainder = _MARK_TOKEN.sub("", value)
    return len(_ALNUM.findall(remainder)) < 2


def _masked(label: str) -> str:
    return " ".join(label.split())[:40] + ": ****"


class LabelledFieldDetector(Detector):
    kind = "labelled_field"
    trigger = _COLON
    needs_digit = False

    def wants(self, segment: TextSegment, context: SegmentContext) -> bool:
        return bool(context.previous or context.header) and (
            _label_of(context.previous) is not None or _label_of(context.header) is not None
        )

    def detect(self, segment: TextSegment, context: SegmentContext) -> Iterator[Detection]:
        text = segment.text
        labelled_inline = False
        if ":" in text:
            for match in _INLINE.finditer(text):
                labelled_inline = True
                raw_value = match.group("value")
                value = raw_value.strip()
                if not value or is_redacted(value):
                    continue
                start = match.start("value") + len(raw_value) - len(raw_value.lstrip())
                yield Detection(
                    self.kind,
                    segment.location,
                    _masked(match.group("label")),
                    0.85,
                    start,
                    start + len(value),
                )
        if labelled_inline:
            return
        label = _label_of(context.previous) or _label_of(context.header)
        if label is None:
            return
        value = text.strip()
        if not value or len(value) > _MAX_CELL_VALUE or "\n" in value or is_redacted(value):
            return
        if is_label(value):  # a header row: each cell is a label, none is a value
            return
        start = len(text) - len(text.lstrip())
        yield Detection(
            self.kind, segment.location, _masked(label), 0.85, start, start + len(value)
        )


@lru_cache(maxsize=4096)
def _label_of(text: str) -> str | None:
    """The label when ``text`` is nothing but one (cached: headers repeat down a column)."""
    if not text or len(text) > _MAX_LABEL:
        return None
    alone = _ALONE.fullmatch(text)
    return alone.group("label") if alone is not None else None


def is_label(text: str) -> bool:
    """True when ``text`` is nothing but a field label ("Child's name", "DOB:")."""
    return _label_of(text) is not None
