"""The batched detector pass: a document's segments read in one joined text.

The pass must find exactly what reading the segments one at a time finds. The reference
below is that segment-by-segment reading (each segment's context worked out in a loop, each
segment detected on its own with ``detect_segment``); the generated documents mix sheet
cells, lines, blanks, label cells, identifiers split across segments and hostile text (the
separator character itself, newlines in sheet names, letters that fold onto ASCII).

The fast paths stand for slower, plainer patterns: sketch patterns for text patterns, cue
gates for cues, string operations for the sheet-cell pattern. Each is held to its plain
form here.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from spcheck.content.detectors import (
    REPORT_THRESHOLD,
    SegmentContext,
    TextSegment,
    cues,
    detect_identifiers,
    detect_segment,
    dob,
    nino,
    phone,
    postcode,
    reading,
)
from spcheck.content.detectors.batch import SEPARATOR, SegmentBatch
from spcheck.content.detectors.interface import NO_CONTEXT, Detection
from spcheck.content.detectors.labelled import is_label
from spcheck.content.detectors.sketches import DIGIT_RUNS, latin1

# ---- the reference: one segment at a time ------------------------------------------------

_SHEET_CELL = re.compile(r"sheet '(?P<sheet>.*)' (?P<column>[A-Z]{1,3})(?P<row>[0-9]+)")
_HEADER_CUE = re.compile(
    "|".join(
        f"(?:{cue.pattern})"
        for cue in (cues.CHI_CUE, cues.NHS_CUE, cues.SCN_CUE, cues.DOB_CUE, cues.PHONE_CUE)
    ),
    re.IGNORECASE,
)


def _is_header(text: str) -> bool:
    stripped = text.strip().rstrip(":").rstrip()
    if not stripped or len(stripped) > 60 or re.search(r"[0-9]", stripped):
        return False
    if ":" in stripped:
        return False
    return is_label(stripped) or _HEADER_CUE.search(stripped) is not None


def _reference(
    segments: list[TextSegment], min_confidence: float = REPORT_THRESHOLD
) -> list[Detection]:
    """Each segment's context from a loop over the segments, each segment on its own."""
    headers: dict[tuple[str, str], str] = {}
    row: tuple[str, str] | None = None
    row_headers = 0
    previous = ""
    found: list[Detection] = []
    for segment in segments:
        text = segment.text
        if not text or text.isspace():
            continue
        cell = _SHEET_CELL.fullmatch(segment.location)
        if cell is None:
            row = None
            context = SegmentContext(previous, "")
        else:
            left = previous
            if (cell["sheet"], cell["row"]) != row:
                row, row_headers, left = (cell["sheet"], cell["row"]), 0, ""
            key = (cell["sheet"], cell["column"])
            context = SegmentContext(left if row_headers < 2 else "", headers.get(key, ""))
            if not segment.numeric_cell and _is_header(text):
                headers[key] = text.strip()
                row_headers += 1
        found.extend(detect_segment(segment, context, min_confidence=min_confidence))
        previous = text[-80:]
    return found


# ---- generated documents -----------------------------------------------------------------

PIECES = [
    "0101011237",
    "0211165794",
    "101011237",
    "010101 1237",
    "410 000 0006",
    "4100000014",
    "570000004",
    "AB 12 34 56 C",
    "jg103759a",
    "EH99 1SP",
    "KY11AA",
    "0131 496 0123",
    "+44 7700 900456",
    "(0141) 496 0456",
    "07700900789",
    "morag.testperson@glenmorven-council.example",
    "570000004@glow.example",
    "enquiries@careinspectorate.example",
    "DOB",
    "born",
    "Date of birth",
    "03/04/2015",
    "3rd March 2015",
    "2015-03-04",
    "5 ſep 2015",
    "Child's name:",
    "Name",
    "CHI",
    "NHS no.",
    "SCN",
    "Tel",
    "Invoice no.",
    "[REDACTED]",
    "XXXX",
    "Address: 4 Glen Road",
    "Postcode",
    "Ailsa Testperson",
    "children",
    "chronology",
    "ratio 3.",
    "123 456 789 0123",
]
FOLDS_AND_MARKS = "ſKıİ█’•\x00\n\r\t :;.,-/()+@"


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(PIECES),
                st.text(alphabet=string.digits + FOLDS_AND_MARKS + "aAbBcCdDxX", max_size=8),
            ),
            max_size=4,
        )
    )
    return draw(st.sampled_from(["", " ", ", ", "\n"])).join(parts)


LABELS = ["Name", "CHI", "Date of birth", "Postcode", "SCN", "Child's name:", "DOB", "Tel"]


@st.composite
def rows(draw: st.DrawFn) -> list[TextSegment]:
    """A run of segments: a sheet row (labels and values often) or lines."""
    if draw(st.booleans()):
        sheet = draw(st.sampled_from(["Cases", "Cases", "x' A1", "a\nb", ""]))
        row = draw(st.sampled_from(["1", "2", "3", "12", ""]))
        cells = []
        for column in draw(st.lists(st.sampled_from(["A", "B", "C", "AB", "ABCD"]), max_size=5)):
            numeric = draw(st.integers(0, 5)) == 0
            if numeric:
                text = draw(st.sampled_from(["101011237", "570000004", " 211165794.0"]))
            else:
                text = draw(st.one_of(st.sampled_from(LABELS), texts()))
            cells.append(TextSegment(text, f"sheet '{sheet}' {column}{row}", numeric_cell=numeric))
        return cells
    where = draw(st.sampled_from(["line 1", "page 2 line 5", "sheet name 1", ""]))
    lines = draw(st.lists(st.one_of(st.sampled_from(LABELS), texts()), max_size=4))
    return [TextSegment(text, where) for text in lines]


documents = st.lists(rows(), max_size=6).map(lambda runs: [s for run in runs for s in run])


@settings(max_examples=300, deadline=None)
@given(documents, st.sampled_from([0.0, REPORT_THRESHOLD, 0.9]))
def test_the_batch_finds_what_reading_segment_by_segment_finds(
    document: list[TextSegment], min_confidence: float
) -> None:
    assert detect_identifiers(document, min_confidence=min_confidence) == _reference(
        document, min_confidence
    )


# ---- matches stay in their segment; locations and offsets map back ------------------------


@pytest.mark.parametrize(
    ("first", "second", "kind"),
    [
        ("CHI 01010", "11237", "chi"),
        ("0101011", "237 CHI", "chi"),
        ("NHS 410 000 ", "0006", "nhs_number"),
        ("SCN 5700", "00004", "scn"),
        ("NI AB 12 34", " 56 C", "nino"),
        ("EH99 ", "1SP", "postcode"),
        ("Tel 0131 496 ", "0123", "phone"),
        ("morag.testperson@", "glenmorven-council.example", "email"),
        ("DOB 03/04/", "2015", "date_of_birth"),
        ("DOB 3rd ", "March 2015", "date_of_birth"),
    ],
)
def test_a_match_never_spans_two_segments(first: str, second: str, kind: str) -> None:
    joined = detect_identifiers([TextSegment(first + second, "line 1")])
    assert kind in [d.kind for d in joined]
    apart = detect_identifiers([TextSegment(first, "line 1"), TextSegment(second, "line 2")])
    assert kind not in [d.kind for d in apart]


def test_locations_and_offsets_point_into_each_segment() -> None:
    values = {
        "chi": "0101011237",
        "nhs_number": "410 000 0006",
        "nino": "AB 12 34 56 C",
        "postcode": "EH99 1SP",
        "phone": "0131 496 0123",
        "email": "morag.testperson@glenmorven-council.example",
        "date_of_birth": "03/04/2015",
    }

    def lines(page: int) -> list[str]:
        padding = "seen. " * page
        return [
            f"{padding}CHI {values['chi']} and",
            f"NHS {values['nhs_number']}{padding}",
            f"{padding}NI {values['nino']}.",
            f"moved to {padding}{values['postcode']}",
            f"Tel: {values['phone']}",
            f"{padding}write to {values['email']}",
            f"DOB {values['date_of_birth']}",
        ]

    document = [
        TextSegment(line, f"page {page} line {number}")
        for page in range(4)
        for number, line in enumerate(lines(page), 1)
    ]
    by_location = {segment.location: segment.text for segment in document}
    found = detect_identifiers(document)
    assert len(found) == len(document)
    for detection in found:
        text = by_location[detection.location]
        assert 0 <= detection.start < detection.end <= len(text)
        assert text[detection.start : detection.end] == values[detection.kind]


@pytest.mark.parametrize(
    ("row", "kinds"),
    [
        (["Name", "Ailsa Testperson"], ["labelled_field"]),
        (["Case", "Name", "Ailsa Testperson"], ["labelled_field"]),
        # A header row: two header-like cells before, so the cell to the left is no label.
        (["Name", "CHI", "Ailsa Testperson"], []),
        (["Name", "CHI", "Postcode", "Ailsa Testperson"], []),
    ],
)
def test_a_label_cell_names_the_next_cell_except_in_a_header_row(
    row: list[str], kinds: list[str]
) -> None:
    cells = [TextSegment(text, f"sheet 'S' {'ABCD'[n]}1") for n, text in enumerate(row)]
    found = detect_identifiers(cells)
    assert [d.kind for d in found] == kinds
    assert found == _reference(cells)


def test_a_segment_holding_the_separator_character_is_read_as_it_is() -> None:
    text = f"CHI{SEPARATOR}0101011237 and{SEPARATOR}07700 900123"
    document = [TextSegment(f"x{SEPARATOR}", "line 1"), TextSegment(text, "line 2")]
    found = detect_identifiers(document)
    assert found == _reference(document)
    assert [(d.kind, text[d.start : d.end]) for d in found] == [
        ("chi", "0101011237"),
        ("phone", "07700 900123"),
    ]


def test_a_month_that_matching_folds_onto_ascii_is_read_not_a_crash() -> None:
    found = detect_identifiers([TextSegment("DOB 5 ſep 2015", "line 1")])
    assert [d.kind for d in found] == ["date_of_birth"]


def test_one_segment_detected_alone_is_its_own_batch() -> None:
    segment = TextSegment("570000004", "sheet 'S' B2", numeric_cell=True)
    assert detect_segment(segment, SegmentContext("", "SCN")) == detect_identifiers(
        [TextSegment("SCN", "sheet 'S' B1"), segment]
    )
    assert detect_segment(segment, NO_CONTEXT) == []


# ---- the fast forms against their plain forms --------------------------------------------

# The plain text patterns that cues.NUMBERS stands for (as the detectors had them).
TEN = re.compile(
    r"[0-9](?<![0-9][0-9])(?<![0-9][.,][0-9])"
    r"(?:(?P<plain>[0-9]{9})"
    r"|(?<![0-9][ -][0-9])(?P<dated>[0-9]{5}[ -][0-9]{4})(?![ -][0-9])"
    r"|(?<![0-9][ -][0-9])(?P<spaced>[0-9]{2}([ -])[0-9]{3}\4[0-9]{4})(?![ -][0-9]))"
    r"(?![0-9])(?![.,][0-9])"
)
NHS = re.compile(
    r"[467](?<![0-9][467])(?<![0-9][.,][467])"
    r"(?:(?P<plain>[0-9]{9})"
    r"|(?<![0-9][ -][467])(?P<spaced>[0-9]{2}([ -])[0-9]{3}\3[0-9]{4})(?![ -][0-9]))"
    r"(?![0-9])(?![.,][0-9])"
)
NUMBER_TEXT = st.lists(
    st.one_of(
        st.text(alphabet=string.digits, min_size=1, max_size=11),
        st.sampled_from(["4", "41", "0101011237", "410000000", " ", "-", ".", ",", "x", "é"]),
    ),
    max_size=10,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(NUMBER_TEXT)
@example("0101011237.5 and 1.0101011237, 101011237,5")
@example("123 456 789 0123 and 410 000 0006 1 and 4-100-000-006")
@example("010101 1237 01010 1237 12-345-6789 410 000-0006")
def test_numbers_on_the_sketch_are_the_text_patterns_matches(text: str) -> None:
    sketch = DIGIT_RUNS.of(latin1(text))
    assert len(sketch) == len(text)
    found = list(cues.NUMBERS.finditer(sketch))
    nine = [m.span() for m in found if m.start("nine") >= 0]
    assert nine == [m.span() for m in cues.NINE_DIGITS.finditer(text)]
    tens = [m for m in found if m.start("nine") < 0]
    assert [(m.span(), m.start("spaced") >= 0) for m in tens] == [
        (m.span(), m.group("spaced") is not None) for m in TEN.finditer(text)
    ]
    nhs = [m.span() for m in tens if text[m.start()] in "467" and m.start("dated") < 0]
    assert nhs == [m.span() for m in NHS.finditer(text)]


def test_the_sketch_marks_where_runs_of_digits_start() -> None:
    assert DIGIT_RUNS.of(latin1("ab 0101, 12-34 x9 ſ█ C d")) == b"aa S000, S0-S0 xS xx a a"
    assert DIGIT_RUNS.of(b"") == b""


SHAPE_TEXT = st.text(alphabet="0123456789 -./()+:aAbBcCdDEHKSPWYZ\u017f", max_size=30)


@settings(max_examples=400, deadline=None)
@given(SHAPE_TEXT)
def test_triggers_on_the_sketch_hit_every_candidate(text: str) -> None:
    batch = SegmentBatch.single(TextSegment(text, "x"))
    if nino._CANDIDATE.search(text):
        assert batch.sketch_hits(nino._SKETCH_TRIGGER) == [0]
    if dob._DATE.search(text):
        years = [batch.hits(year) for year in dob._YEARS]
        assert [0] in [batch.sketch_hits(dob._SKETCH_DAY_MONTH_YEAR), *years]
    assert bool(batch.sketch_hits(postcode._SKETCH_TRIGGER, postcode._INWARD)) == bool(
        postcode._TRIGGER.search(text)
    )
    halves = batch.hits(phone._INTERNATIONAL) + batch.hits(phone._TRUNK)
    assert bool(halves) == bool(phone._TRIGGER.search(text))


CUE_TEXT = st.text(
    alphabet="chinspatedobrlumfxyCHINSPATEDOBRLUMFXY.:/# \n\u017f\u0130\u0131\u212a", max_size=40
)


@settings(max_examples=400, deadline=None)
@given(CUE_TEXT, st.sampled_from(sorted(cues.GATES, key=lambda cue: cue.pattern)))
def test_a_cue_gate_matches_where_every_cue_match_starts(text: str, cue: re.Pattern[str]) -> None:
    gate = cues.gate_of(cue)
    for match in cue.finditer(text):
        assert gate.match(text, match.start()) is not None, (cue.pattern, text)
    assert cues.has_cue(cue, text) == (cue.search(text) is not None)


@pytest.mark.parametrize(
    "text",
    ["CHI", "c.h.i.", "PATIENT", "ſcn", "Scottiſh candidate", "born", "d o b", "DATE OF BIRTH"],
)
def test_cue_gates_pass_cues_in_any_case(text: str) -> None:
    assert any(cues.has_cue(cue, text) for cue in cues.GATES)


DATE_TEXT = st.text(alphabet="0123456789 ./-,JjFfMmAaSsOoNnDdUuLlCcTtEePpRrYyHh\u017f", max_size=30)
UNGUARDED_DATE = re.compile(dob._DATE.pattern.removeprefix("(?=[0-9jfmasond])"), re.IGNORECASE)


@settings(max_examples=400, deadline=None)
@given(DATE_TEXT)
def test_the_date_look_ahead_only_saves_work(text: str) -> None:
    assert [m.span() for m in dob._DATE.finditer(text)] == [
        m.span() for m in UNGUARDED_DATE.finditer(text)
    ]


LOCATION = st.text(alphabet="sheet' ABCZ019\n\r", max_size=20) | st.builds(
    lambda name, column, row: f"sheet '{name}' {column}{row}",
    st.text(alphabet="ab' 1\n", max_size=4),
    st.text(alphabet="ABZa", max_size=4),
    st.text(alphabet="0129a", max_size=3),
)


@settings(max_examples=400, deadline=None)
@given(LOCATION)
def test_sheet_cells_are_told_apart_as_the_cell_pattern_does(location: str) -> None:
    column = location.rstrip("0123456789")
    row = location.removeprefix(column)
    sheet = reading._sheets([column])[column]
    cell = _SHEET_CELL.fullmatch(location)
    if cell is None:
        assert sheet is None or not row
    else:
        # The location less its row names one column of one sheet, and only that one.
        assert column == f"sheet '{cell['sheet']}' {cell['column']}"
        assert (sheet, row) == (cell["sheet"], cell["row"])
