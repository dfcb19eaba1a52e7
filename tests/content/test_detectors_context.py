"""Context across segments (form label cells, spreadsheet column headers) and how overlapping
candidates are resolved into findings."""

from __future__ import annotations

from spcheck.content.detectors import (
    DETECTORS,
    KINDS,
    REPORT_THRESHOLD,
    TextSegment,
    detect_identifiers,
)


def _cell(sheet: str, ref: str, text: str, *, numeric: bool = False) -> TextSegment:
    return TextSegment(text, f"sheet '{sheet}' {ref}", numeric_cell=numeric)


def test_every_kind_has_exactly_one_detector() -> None:
    assert sorted(d.kind for d in DETECTORS) == sorted(KINDS)


def test_nine_digit_numeric_cell_is_a_chi_when_padded_it_passes() -> None:
    found = detect_identifiers([_cell("Cases", "B2", "101011237", numeric=True)])
    assert [(d.kind, d.masked, d.location) for d in found] == [
        ("chi", "01******37", "sheet 'Cases' B2")
    ]


def test_nine_digit_numeric_cell_that_fails_when_padded_is_not_a_chi() -> None:
    assert detect_identifiers([_cell("Cases", "B2", "101011238", numeric=True)]) == []


def test_nine_digit_text_is_a_chi_only_with_a_cue() -> None:
    assert detect_identifiers([TextSegment("ref 101011237", "line 1")]) == []
    found = detect_identifiers([TextSegment("CHI 211165794 (leading zero lost)", "line 1")])
    assert [d.kind for d in found] == ["chi"]


def test_column_header_raises_confidence_of_the_cells_below() -> None:
    cells = [
        _cell("Pupils", "A1", "Child"),
        _cell("Pupils", "B1", "SCN"),
        _cell("Pupils", "A2", "Case 7"),
        _cell("Pupils", "B2", "570000004", numeric=True),
        _cell("Pupils", "B3", "570000012", numeric=True),
        _cell("Other", "B2", "570000020", numeric=True),
    ]
    found = detect_identifiers(cells)
    assert [(d.kind, d.location) for d in found] == [
        ("scn", "sheet 'Pupils' B2"),
        ("scn", "sheet 'Pupils' B3"),
    ]


def test_column_header_names_a_labelled_field() -> None:
    cells = [
        _cell("PIR", "A1", "Case reference"),
        _cell("PIR", "B1", "Child's name"),
        _cell("PIR", "A2", "GLM-0001"),
        _cell("PIR", "B2", "Ailsa Testperson"),
        _cell("PIR", "A3", "GLM-0002"),
        _cell("PIR", "B3", "[REDACTED]"),
    ]
    found = detect_identifiers(cells)
    assert [(d.kind, d.location, d.masked) for d in found] == [
        ("labelled_field", "sheet 'PIR' B2", "Child's name: ****")
    ]


def test_label_cell_followed_by_value_cell_in_a_table() -> None:
    segments = [
        TextSegment("Date of birth", "word/document.xml table 1 row 2 cell 1"),
        TextSegment("03/04/2015", "word/document.xml table 1 row 2 cell 2"),
        TextSegment("Name", "word/document.xml table 1 row 3 cell 1"),
        TextSegment("Morag Testperson", "word/document.xml table 1 row 3 cell 2"),
        TextSegment("School", "word/document.xml table 1 row 4 cell 1"),
        TextSegment("XXXXXXXX", "word/document.xml table 1 row 4 cell 2"),
    ]
    found = detect_identifiers(segments)
    assert [(d.kind, d.location) for d in found] == [
        ("date_of_birth", "word/document.xml table 1 row 2 cell 2"),
        ("labelled_field", "word/document.xml table 1 row 3 cell 2"),
    ]


def test_cue_in_previous_line_raises_chi_confidence_for_nine_digits() -> None:
    segments = [TextSegment("CHI number", "line 1"), TextSegment("211165794", "line 2")]
    assert [d.kind for d in detect_identifiers(segments)] == ["chi"]


def test_plain_date_valid_run_is_a_chi_not_also_a_phone() -> None:
    found = detect_identifiers([TextSegment("0101011237", "x")])
    assert [d.kind for d in found] == ["chi"]


def test_phone_label_makes_the_same_run_a_phone() -> None:
    found = detect_identifiers([TextSegment("Tel: 0101011237", "x")])
    assert [d.kind for d in found] == ["phone"]


def test_labelled_value_wholly_covered_is_not_repeated() -> None:
    found = detect_identifiers([TextSegment("CHI: 0101011237", "x")])
    assert [d.kind for d in found] == ["chi"]


def test_labelled_value_partly_covered_is_reported_with_the_part() -> None:
    found = detect_identifiers([TextSegment("Address: 4 Glen Road, EH99 1SP", "x")])
    assert sorted(d.kind for d in found) == ["labelled_field", "postcode"]


def test_scn_in_email_gives_both_the_email_and_the_scn() -> None:
    text = "570000004@glenmorven-school.example"
    found = detect_identifiers([TextSegment(text, "x")])
    assert sorted((d.kind, text[d.start : d.end]) for d in found) == [
        ("email", text),
        ("scn", "570000004"),
    ]


def test_min_confidence_exposes_the_candidates_below_the_threshold() -> None:
    segment = TextSegment("total 570000004 units", "x")
    assert detect_identifiers([segment]) == []
    low = detect_identifiers([segment], min_confidence=0.0)
    assert [d.kind for d in low] == ["scn"]
    assert low[0].confidence < REPORT_THRESHOLD


def test_results_are_in_document_order() -> None:
    segments = [
        TextSegment("mobile 07700 900123 and CHI 0211165794", "page 1 line 1"),
        TextSegment("NI AB 12 34 56 C", "page 2 line 1"),
    ]
    found = detect_identifiers(segments)
    assert [(d.location, d.kind) for d in found] == [
        ("page 1 line 1", "phone"),
        ("page 1 line 1", "chi"),
        ("page 2 line 1", "nino"),
    ]


def test_generator_input_is_consumed_once() -> None:
    segments = (TextSegment(f"CHI 0101011237 #{n}", f"line {n}") for n in range(3))
    assert len(detect_identifiers(segments)) == 3


def test_cue_earlier_in_the_previous_line_does_not_carry_over() -> None:
    segments = [
        TextSegment("SCN 570000004 at transition.", "line 1"),
        TextSegment("Order ref 570000012 for the venue.", "line 2"),
    ]
    assert [(d.kind, d.location) for d in detect_identifiers(segments)] == [("scn", "line 1")]


def test_a_field_of_its_own_is_not_the_value_of_the_label_before_it() -> None:
    """A form read line by line: the value after "CHI number:" was redacted away, so the
    next line is the next field, not the CHI number's value; a value with a digit before
    its colon is still a value."""

    def fields(label: str, following: str) -> list[str]:
        segments = [TextSegment(label, "page 1 line 1"), TextSegment(following, "page 1 line 2")]
        return [d.masked for d in detect_identifiers(segments)]

    assert fields("CHI number:", "Referrer: duty social worker") == []
    assert fields("Child's name:", "Next of kin's carer: none") == []
    assert fields("Address:", "Flat 2: 14 Glen Road") == ["Address: ****"]
    assert fields("Child's name:", "Morag Example") == ["Child's name: ****"]
