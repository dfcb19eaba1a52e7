"""Labelled fields whose value is present and not a redaction mark.

"Child's name: Morag", "Address: 4 Glen Road", "GP: Dr Smith" are reported at 0.85 with
the label, never the value: ``masked`` is ``"<label>: ****"`` because names and
addresses are described, not quoted (docs/security.md). A label is recognised at the
start of a line followed by a colon, alone in the previous segment (a form's label cell),
or as a spreadsheet column's header. A value made only of redaction marks (XXXX,
[REDACTED], ███, ****, ____, "withheld", a bracketed placeholder) or with fewer than two
letters or digits left once the marks are removed is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from spcheck.content.detectors.batch import SegmentBatch
from spcheck.content.detectors.interface import Detection, Detector

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
# A line that starts with a label of its own (a few words of letters, then a colon): after
# a label whose value was redacted away it is the next field, not that label's value. A
# value with a digit before its colon ("Flat 2: 14 Glen Road") is still a value.
_OWN_LABEL = re.compile(r"[^\W\d_](?:[^\W\d_]|['’ /-]){0,40}:(?:\s|$)")
_PLACEHOLDER = re.compile(r"\s*(?:\[[^\]]*\]|<[^>]*>|\{[^}]*\})\s*")
# A value cell after a label cell is short and on one line; longer text is prose.
_MAX_CELL_VALUE = 100
_MAX_LABEL = 60
_ALNUM = re.compile(r"[^\W_]", re.UNICODE)
_TWO_DIGITS = re.compile(r"[0-9][^0-9]*[0-9]")


@lru_cache(maxsize=4096)
def is_redacted(value: str) -> bool:
    """True when a field's value is absent, a placeholder or only redaction marks (cached:
    the same names and marks recur down a column)."""
    if _PLACEHOLDER.fullmatch(value):
        return True
    # No mark removes a digit: two digits are two letters or digits left over.
    if _TWO_DIGITS.search(value) is not None:
        return False
    remainder = _MARK_TOKEN.sub("", value)
    return len(_ALNUM.findall(remainder)) < 2


@lru_cache(maxsize=1024)
def _masked(label: str) -> str:
    return " ".join(label.split())[:40] + ": ****"


class LabelledFieldDetector(Detector):
    kind = "labelled_field"
    trigger = _COLON
    needs_digit = False

    def scan(self, batch: SegmentBatch) -> Iterator[tuple[int, Detection]]:
        labels = batch.labels
        if labels is None:
            labels = {}
            for index in range(len(batch.segments)):
                label = label_of(batch.previous(index)) or label_of(batch.header(index))
                if label is not None:
                    labels[index] = label
        colons = batch.hits(_COLON)
        repeats = batch.repeats or _never
        segments, kind = batch.segments, self.kind
        for index in sorted({*colons, *labels}) if labels else colons:
            segment = segments[index]
            text = segment.text
            if ":" in text:
                fields = _inline_fields(text, index, repeats)
                if fields is not None:
                    for start, end, label in fields:
                        masked = _masked(label)
                        yield index, Detection(kind, segment.location, masked, 0.85, start, end)
                    continue
            label = labels.get(index)
            if label is None:
                continue
            span = _value_span(text, index, repeats)
            if span is not None:
                masked = _masked(label)
                yield index, Detection(kind, segment.location, masked, 0.85, span[0], span[1])


def _inline_fields(text: str, index: int, repeats: Repeats) -> list[tuple[int, int, str]] | None:
    """(start, end, label) of the fields labelled inline in segment ``index``, ``text``, or
    ``None`` when no line of it starts with a label. Read on the segment alone, not the
    joined text: a label starts a line of its own. A field that would be dropped as a repeat
    of another finding is left out before its value is examined."""
    fields: list[tuple[int, int, str]] | None = None
    # A label starts a line: on one line, only at the start.
    matches = _INLINE.finditer(text) if "\n" in text else filter(None, (_INLINE.match(text),))
    for match in matches:
        if fields is None:
            fields = []
        raw_value = match.group("value")
        value = raw_value.strip()
        if not value:
            continue
        start = match.start("value") + len(raw_value) - len(raw_value.lstrip())
        end = start + len(value)
        if repeats(index, start, end) or is_redacted(value):
            continue
        fields.append((start, end, match.group("label")))
    return fields


def _value_span(text: str, index: int, repeats: Repeats) -> tuple[int, int] | None:
    """Where the value of segment ``index``, ``text``, lies when its context is a label and
    it is a value to report: short, on one line, not redacted, not another label."""
    value = text.strip()
    if not value or len(value) > _MAX_CELL_VALUE or "\n" in value:
        return None
    start = 0 if value is text else len(text) - len(text.lstrip())
    end = start + len(value)
    if repeats(index, start, end) or is_redacted(value):
        return None
    if is_label(value):  # a header row: each cell is a label, none is a value
        return None
    if _OWN_LABEL.match(value):  # "Referrer: duty social worker": a field of its own
        return None
    return start, end


Repeats = Callable[[int, int, int], bool]


def _never(_index: int, _start: int, _end: int) -> bool:
    return False


@lru_cache(maxsize=4096)
def label_of(text: str) -> str | None:
    """The label when ``text`` is nothing but one (cached: headers repeat down a column)."""
    if not text or len(text) > _MAX_LABEL:
        return None
    alone = _ALONE.fullmatch(text)
    return alone.group("label") if alone is not None else None


def is_label(text: str) -> bool:
    """True when ``text`` is nothing but a field label ("Child's name", "DOB:")."""
    return label_of(text) is not None
