"""Properties of the detectors over generated identifiers and arbitrary text.

The generators compute check digits on their own (not with spcheck's checksums), so a
shared mistake cannot make both sides agree.
"""

from __future__ import annotations

import calendar
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from spcheck.content.detectors import DETECTORS, TextSegment, detect_identifiers
from spcheck.content.detectors.interface import NO_CONTEXT
from spcheck.content.detectors.labelled import is_label

NEUTRAL = st.sampled_from(["", "Child", "record", "seen,", "and", "(", ";", "the file", "-"])


def _ten_digit_check(nine: str) -> int | None:
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(nine)) % 11
    check = (11 - remainder) % 11
    return None if check == 10 else check


@st.composite
def valid_chis(draw: st.DrawFn) -> str:
    year = draw(st.integers(0, 99))
    month = draw(st.integers(1, 12))
    # calendar's leap rule on 2000 + yy: a two-digit year cannot tell 1900 from 2000
    last_day = calendar.monthrange(2000 + year, month)[1]
    day = draw(st.integers(1, last_day))
    serial = draw(st.integers(0, 999))
    nine = f"{day:02d}{month:02d}{year:02d}{serial:03d}"
    check = _ten_digit_check(nine)
    if check is None:
        # move the serial's last digit: exactly one in eleven remainders is refused
        nine = nine[:-1] + str((int(nine[-1]) + 1) % 10)
        check = _ten_digit_check(nine)
    assert check is not None
    return nine + str(check)


@st.composite
def valid_scns(draw: st.DrawFn) -> str:
    eight = draw(st.text(string.digits, min_size=8, max_size=8))
    remainder = sum(int(d) * w for d, w in zip(eight, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
    if remainder == 1:
        eight = eight[:-1] + str((int(eight[-1]) + 1) % 10)
        remainder = (
            sum(int(d) * w for d, w in zip(eight, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        )
    return eight + str((11 - remainder) % 11)


def _is_date(ddmmyy: str) -> bool:
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000 + year, month)[1]


def _chi_like(number: str) -> bool:
    return _is_date(number) and _ten_digit_check(number[:9]) == int(number[9])


@given(valid_chis(), NEUTRAL, NEUTRAL)
def test_every_valid_chi_is_found(chi: str, before: str, after: str) -> None:
    text = f"{before} {chi} {after}"
    found = detect_identifiers([TextSegment(text, "line 1")])
    chis = [d for d in found if d.kind == "chi"]
    assert len(chis) == 1
    assert text[chis[0].start : chis[0].end] == chi
    assert chis[0].masked == chi[:2] + "******" + chi[-2:]


@given(valid_chis())
def test_a_valid_chi_that_lost_its_zero_is_found_in_a_numeric_cell(chi: str) -> None:
    if not chi.startswith("0"):
        return
    found = detect_identifiers([TextSegment(chi[1:], "sheet 'S' A2", numeric_cell=True)])
    assert [d.kind for d in found] == ["chi"]


@given(st.text(string.digits, min_size=10, max_size=10))
def test_ten_digits_that_fail_the_tests_are_never_a_chi(number: str) -> None:
    found = detect_identifiers([TextSegment(f"CHI {number}", "line 1")])
    if not _chi_like(number):
        assert all(d.kind != "chi" for d in found)


@given(valid_scns(), st.sampled_from(["", "gw", "pupil.", "s"]), st.sampled_from(["glow", "sch"]))
def test_every_valid_scn_in_an_email_local_part_is_found(scn: str, prefix: str, host: str) -> None:
    text = f"Send to {prefix}{scn}@{host}.glenmorven.example today"
    found = detect_identifiers([TextSegment(text, "line 1")])
    assert ("scn", scn) in [(d.kind, text[d.start : d.end]) for d in found]
    assert any(d.kind == "email" for d in found)


FIRST = "ABCEGHJKLMNPRSTWXYZ"
SECOND = "ABCEGHJKLMNPRSTWXYZ"


@given(
    st.sampled_from(FIRST),
    st.sampled_from(SECOND),
    st.text(string.digits, min_size=6, max_size=6),
    st.sampled_from("ABCD"),
)
def test_nino_prefix_rules(first: str, second: str, digits: str, suffix: str) -> None:
    value = f"{first}{second}{digits}{suffix}"
    found = [d.kind for d in detect_identifiers([TextSegment(f"NI {value}", "x")])]
    unused = first + second in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
    assert ("nino" in found) is not unused


@given(st.sampled_from("DFIQUV"), st.sampled_from(string.ascii_uppercase), st.booleans())
def test_nino_forbidden_letters_never_match(bad: str, other: str, bad_first: bool) -> None:
    prefix = bad + other if bad_first else other + bad
    found = detect_identifiers([TextSegment(f"NI {prefix}123456A", "x")])
    assert all(d.kind != "nino" for d in found)


IDENTIFIER_TEXT = st.one_of(
    valid_chis(),
    valid_scns().map(lambda s: f"{s}@glow.example"),
    st.sampled_from(
        [
            "AB 12 34 56 C",
            "EH99 1SP",
            "0131 496 0123",
            "07700 900456",
            "morag.testperson@glenmorven-council.example",
            "DOB 03/04/2015",
            "Child's name: Ailsa Testperson",
            "Address: 4 Glen Road",
            "NHS 410 000 0006",
        ]
    ),
)


@settings(max_examples=200)
@given(st.lists(st.one_of(IDENTIFIER_TEXT, st.text(max_size=40)), max_size=6))
def test_masking_never_leaks_more_than_four_characters(parts: list[str]) -> None:
    text = " ".join(parts)
    for detection in detect_identifiers([TextSegment(text, "x")]):
        value = "".join(text[detection.start : detection.end].split())
        if detection.kind == "labelled_field":
            label, _, stars = detection.masked.rpartition(": ")
            assert stars == "****"
            assert is_label(label)
        else:
            shown = [c for c in detection.masked if c != "*"]
            assert len(shown) <= 4
            assert len(value) <= 6 or value not in detection.masked


@settings(max_examples=200)
@given(st.text(), st.booleans())
def test_any_text_is_handled(text: str, numeric: bool) -> None:
    found = detect_identifiers([TextSegment(text, "sheet 'S' A1", numeric_cell=numeric)])
    for detection in found:
        assert 0 <= detection.start < detection.end <= len(text)
        assert 0.0 <= detection.confidence <= 1.0
    assert found == detect_identifiers([TextSegment(text, "sheet 'S' A1", numeric_cell=numeric)])


IDENTIFIER_ALPHABET = "0123456789 -+()./:@AaBbCcEeHhXxOoGIRWT\n"


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(IDENTIFIER_TEXT, st.text(alphabet=IDENTIFIER_ALPHABET, max_size=30)),
        max_size=5,
    ),
    st.booleans(),
)
def test_every_candidate_contains_its_detectors_trigger(parts: list[str], numeric: bool) -> None:
    # The registry skips a detector whose trigger misses: that is only safe if the
    # trigger is a superset of everything the detector can find.
    segment = TextSegment(" ".join(parts), "x", numeric_cell=numeric)
    for detector in DETECTORS:
        if list(detector.detect(segment, NO_CONTEXT)):
            assert detector.trigger.search(segment.text) is not None, detector.kind
            if detector.needs_digit:
                assert any(ch.isdigit() for ch in segment.text), detector.kind
