"""Positive and negative cases per identifier kind, on plain strings."""

from __future__ import annotations

import datetime as dt

import pytest

from spcheck.content.detectors import TextSegment, detect_identifiers
from spcheck.content.detectors.dob import DateOfBirthDetector
from spcheck.content.detectors.interface import NO_CONTEXT, Detection


def _found(text: str) -> list[Detection]:
    return detect_identifiers([TextSegment(text, "word/document.xml line 3")])


def _kinds_and_values(text: str) -> list[tuple[str, str]]:
    return [(d.kind, text[d.start : d.end]) for d in _found(text)]


POSITIVE = [
    # CHI: the documented valid examples, in running text, spaced and with cue words
    ("chi", "Record for 0101011237 reviewed.", "0101011237"),
    ("chi", "CHI: 0211165794", "0211165794"),
    ("chi", "Community Health Index 010101 1237 noted", "010101 1237"),
    ("chi", "chi no 010-101-1237", "010-101-1237"),
    ("chi", "(0211165794)", "0211165794"),
    # NHS numbers in the issued ranges, 3-3-4 spaced, plain with a cue
    ("nhs_number", "NHS no. 410 000 0006", "410 000 0006"),
    ("nhs_number", "referred, number 648 000 0005 on file", "648 000 0005"),
    ("nhs_number", "NHS 4100000014", "4100000014"),
    # Labelled, with a valid check digit: an NHS number whatever its range (the reserved
    # test range, England's 3xx, Northern Ireland's Health and Care numbers).
    ("nhs_number", "NHS 943 476 5919", "943 476 5919"),
    ("nhs_number", "NHS number: 999 000 0026", "999 000 0026"),
    ("nhs_number", "H&C number 320 000 0015 (patient)", "320 000 0015"),
    ("nhs_number", "referred, number 320 000 0015 on file", "320 000 0015"),
    # SCN: with a cue word, and inside an email local part without one
    ("scn", "Scottish Candidate Number 570000004", "570000004"),
    ("scn", "pupil number: 570000012", "570000012"),
    ("scn", "write to 570000020@glenmorven-school.example", "570000020"),
    ("scn", "gw570000004@glow.example", "570000004"),
    # National Insurance numbers
    ("nino", "NI number AB 12 34 56 C.", "AB 12 34 56 C"),
    ("nino", "JG103759A", "JG103759A"),
    ("nino", "ce 123456 d", "ce 123456 d"),
    ("nino", "ref: ST-12-34-56-B", "ST-12-34-56-B"),
    # UK postcodes in their real shapes
    ("postcode", "4 Glen Road, Glenmorven, EH99 1SP", "EH99 1SP"),
    ("postcode", "G2 1DU", "G2 1DU"),
    ("postcode", "London W1A 0AX", "W1A 0AX"),
    ("postcode", "SW1A 1AA.", "SW1A 1AA"),
    ("postcode", "KY11AA", "KY11AA"),
    # UK phone numbers (Ofcom's drama ranges)
    ("phone", "Tel 0131 496 0123", "0131 496 0123"),
    ("phone", "ring (0141) 496 0456 today", "(0141) 496 0456"),
    ("phone", "mobile: 07700 900123", "07700 900123"),
    ("phone", "+44 7700 900456", "+44 7700 900456"),
    ("phone", "+44 (0)20 7946 0789", "+44 (0)20 7946 0789"),
    ("phone", "07700900789", "07700900789"),
    ("phone", "0131-496-0999", "0131-496-0999"),
    # Email addresses, any case
    (
        "email",
        "morag.testperson@glenmorven-council.example",
        "morag.testperson@glenmorven-council.example",
    ),
    (
        "email",
        "Contact MORAG.TESTPERSON@GLENMORVEN-COUNCIL.EXAMPLE now",
        "MORAG.TESTPERSON@GLENMORVEN-COUNCIL.EXAMPLE",
    ),
    ("email", "<a.b+tag@sub.nhs-board.example>", "a.b+tag@sub.nhs-board.example"),
    # Dates of birth near their cue words
    ("date_of_birth", "DOB 03/04/2015", "03/04/2015"),
    ("date_of_birth", "D.O.B.: 3.4.15", "3.4.15"),
    ("date_of_birth", "was born on 3rd March 2015 in Fife", "3rd March 2015"),
    ("date_of_birth", "birth date 2015-03-04", "2015-03-04"),
    ("date_of_birth", "seen 12/05/2024; 03/04/2015 (DOB)", "03/04/2015"),
    ("date_of_birth", "born March 4, 2015", "March 4, 2015"),
    # Labelled fields with a value present
    ("labelled_field", "Child's name: Morag Testperson", "Morag Testperson"),
    ("labelled_field", "Child’s name: Ailsa", "Ailsa"),
    ("labelled_field", "  • Address: 4 Glen Road", "4 Glen Road"),
    ("labelled_field", "GP: Dr Testdoctor", "Dr Testdoctor"),
    ("labelled_field", "School: Glenmorven Primary", "Glenmorven Primary"),
    ("labelled_field", "Name of the young person: Kai", "Kai"),
    ("labelled_field", "line one\nSurname: Testperson\nline three", "Testperson"),
    ("labelled_field", "Name: J. Testperson", "J. Testperson"),
    ("labelled_field", "Name: Ana", "Ana"),
    ("labelled_field", "Child's name: Xena Noneley", "Xena Noneley"),
    ("labelled_field", "Address: 7 Hidden Lane", "7 Hidden Lane"),
]


@pytest.mark.parametrize(("kind", "text", "value"), POSITIVE)
def test_found(kind: str, text: str, value: str) -> None:
    assert (kind, value) in _kinds_and_values(text)


NEGATIVE = [
    # CHI near misses: failed check, impossible dates, longer runs, decimals, labels
    ("chi", "Invoice 0101011238"),
    ("chi", "Invoice no. 0101011237"),
    ("chi", "order 3202011237"),
    ("chi", "amount 0101011237.50"),
    ("chi", "ratio 3.0101011237"),
    ("chi", "ref 01010112370"),
    ("chi", "ref 90101011237"),
    ("chi", "123 456 789 0123"),
    ("chi", "010101123"),
    # NHS near misses: test range, failed check, CHI range
    ("nhs_number", "referred, number 943 476 5919 on file"),  # unlabelled, not issued
    ("nhs_number", "NHS 410 000 0007"),
    ("nhs_number", "5100000006"),
    ("nhs_number", "Invoice number 4100000006"),
    # SCN: a bare nine-digit number is too common to report, a bad check digit never
    ("scn", "total 570000004 units"),
    ("scn", "SCN 570000005"),
    ("scn", "pupil 5700000040@school.example"),
    # NINO: forbidden letters, unused prefixes, bad suffix, mixed case, glued to words
    ("nino", "QQ 12 34 56 C"),
    ("nino", "AO123456A"),
    ("nino", "GB123456A"),
    ("nino", "DA123456A"),
    ("nino", "AB123456E"),
    ("nino", "Ab123456c"),
    ("nino", "XAB123456C"),
    ("nino", "AB1234567C"),
    # postcodes: wrong letters, lower case, ordinary codes
    ("postcode", "meet on the g12 3rd floor"),
    ("postcode", "G12 3rd floor"),
    ("postcode", "EH1 1CA"),
    ("postcode", "QA1 1AA"),
    ("postcode", "A4 paper and the M25"),
    ("postcode", "version 2.1 build 3AB"),
    # phones: international prefix, short, long, not UK shapes, other numbers
    ("phone", "0044 131 496 0000"),
    ("phone", "01234 56"),
    ("phone", "0131 496 00001"),
    ("phone", "12 345 6789"),
    ("phone", "ISBN 978-0-14-044913-6"),
    ("phone", "0912 345 6789"),
    ("phone", "2026-01-12"),
    ("phone", "Invoice no. 01314960000"),
    ("phone", "04 1234 56789"),
    # emails: obfuscated, no dot, role mailboxes
    ("email", "morag at glenmorven dot example"),
    ("email", "user@localhost"),
    ("email", "@handle"),
    ("email", "enquiries@careinspectorate.example"),
    ("email", "Write to NoReply@glenmorven-council.example"),
    # dates with no cue, impossible, in the future
    ("date_of_birth", "Meeting on 03/04/2015"),
    ("date_of_birth", "born 31/02/2015"),
    ("date_of_birth", "DOB: 03/04/2099"),
    ("date_of_birth", "DOB: 03/04/1850"),
    ("date_of_birth", "DOB: 03/04/2015/7"),
    # labelled fields: empty or redacted values, labels in prose
    ("labelled_field", "Name:"),
    ("labelled_field", "Name: XXXX XXXXX"),
    ("labelled_field", "Name: [REDACTED]"),
    ("labelled_field", "Address: ███████"),
    ("labelled_field", "Child's name: ****"),
    ("labelled_field", "School: withheld"),
    ("labelled_field", "Name: [child's name]"),
    ("labelled_field", "Name: J. XXXX"),
    ("labelled_field", "GP: ____"),
    ("labelled_field", "Date of birth: N/A"),
    ("labelled_field", "Address: not known"),
    ("labelled_field", "Name: n/a"),
    ("labelled_field", "School: XXXX (removed)"),
    ("labelled_field", "The name of the child was withheld."),
    ("labelled_field", "We will address: outcomes"),
]


@pytest.mark.parametrize(("kind", "text"), NEGATIVE)
def test_not_found(kind: str, text: str) -> None:
    assert all(d.kind != kind for d in _found(text)), _kinds_and_values(text)


NEAR_MISSES = """\
Invoice 4829301756 paid on 12/03/2024. Order ref 1029384756, PO 5566778899.
Meeting held 03/04/2025 at 10:30; next review 2025-06-30. Room 0.14, version 2.3.1.
Budget line 1234-5678-9012, cost centre 40021, sort code 12-34-56.
Account 12345678, reference ABC123456D, call back ext 4492.
The partnership will address the findings. Name and address fields were removed.
Figures: 0.0101011237, 1,234,567,890 and 20,145 children across 32 areas.
Helpline enquiries@careinspectorate.example; see www.glenmorven-council.example/plans.
"""


def test_clean_document_full_of_near_misses_has_no_finding() -> None:
    segments = [
        TextSegment(line, f"page 1 line {n}") for n, line in enumerate(NEAR_MISSES.splitlines())
    ]
    assert detect_identifiers(segments) == []


def test_location_and_offsets_point_at_the_value() -> None:
    text = "Child 1: CHI 0101011237, born 03/04/2015, Tel 0131 496 0123."
    found = detect_identifiers([TextSegment(text, "sheet 'Cases' C4")])
    assert {d.location for d in found} == {"sheet 'Cases' C4"}
    by_kind = {d.kind: text[d.start : d.end] for d in found}
    assert by_kind == {
        "chi": "0101011237",
        "date_of_birth": "03/04/2015",
        "phone": "0131 496 0123",
    }


def test_dob_detector_uses_its_own_today() -> None:
    detector = DateOfBirthDetector(today=dt.date(2016, 1, 1))
    segment = TextSegment("DOB 03/04/2015 and born 03/04/2017", "x")
    found = list(detector.detect(segment, NO_CONTEXT))
    assert [segment.text[d.start : d.end] for d in found] == ["03/04/2015"]


def test_nothing_in_empty_or_blank_text() -> None:
    assert detect_identifiers([TextSegment("", "a"), TextSegment(" \n\t ", "b")]) == []
