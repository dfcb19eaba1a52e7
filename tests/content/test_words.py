"""Word count for the position statement's limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spcheck.content.words import count_words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("   \n\t ", 0),
        ("one", 1),
        ("Our position statement", 3),
        ("multi-agency child protection", 3),
        ("self-evaluation — four statements", 3),
        ("• bullet\n• points\n", 2),
        ("1. Outcomes  2. Leadership", 4),
        ("children's plans, co-ordinated (2026).", 4),
        ("e-mail: x@y.example", 2),
        ("Ceòl agus òrain", 3),
        ("* * * ---", 0),
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert count_words(text) == words


@given(st.lists(st.text(alphabet="abcdefXYZ019", min_size=1, max_size=12), max_size=300))
def test_count_is_the_number_of_words_joined_by_any_whitespace(words: list[str]) -> None:
    assert count_words(" ".join(words)) == len(words)
    assert count_words("\n\t".join(words)) == len(words)


def test_five_thousand_and_one_words() -> None:
    assert count_words("word " * 5001) == 5001
