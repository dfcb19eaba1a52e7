"""The definition, policy and sample-list parsers on damaged files: an ``InputError`` (one
line, naming the file) or a valid model, never anything else."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spcheck.domain.parse import parse_inspection, parse_policy, parse_sample
from spcheck.domain.policy import Policy
from spcheck.errors import InputError
from tests.conftest import DEFAULT_POLICY, EXAMPLES

from .mutations import fuzz, mutated_text

POLICY_TEXT = DEFAULT_POLICY.read_text()
POLICY = parse_policy(POLICY_TEXT, str(DEFAULT_POLICY))
DEFINITIONS = [(EXAMPLES / n).read_text() for n in ("glenmorven-2026.yaml", "kinloch-2026.yaml")]
SAMPLE = (EXAMPLES / "glenmorven-2026.sample.csv").read_text()
LABEL = "inspections/fuzzed.yaml"


def refused_in_one_line(error: InputError, label: str) -> None:
    message = str(error)
    assert message.startswith(f"{label}: ") or message.startswith(f"{label}:"), message
    assert "\n" not in message


@fuzz(120)
@given(mutated_text(POLICY_TEXT))
def test_policy_parser(text: str) -> None:
    try:
        parse_policy(text, "policies/fuzzed.yaml")
    except InputError as error:
        refused_in_one_line(error, "policies/fuzzed.yaml")


@fuzz(150)
@given(st.sampled_from(DEFINITIONS).flatmap(mutated_text), st.booleans())
def test_definition_parser(text: str, with_policy: bool) -> None:
    try:
        parse_inspection(text, LABEL, POLICY if with_policy else None)
    except InputError as error:
        refused_in_one_line(error, LABEL)


@fuzz(150)
@given(mutated_text(SAMPLE))
def test_sample_list_parser(text: str) -> None:
    try:
        parse_sample(text, "inspections/fuzzed.sample.csv", POLICY)
    except InputError as error:
        refused_in_one_line(error, "inspections/fuzzed.sample.csv")


@fuzz(80)
@given(st.text(max_size=2000))
def test_any_text_at_all(text: str) -> None:
    for parse in (
        lambda: parse_policy(text, LABEL),
        lambda: parse_inspection(text, LABEL),
        lambda: parse_sample(text, LABEL, POLICY),
    ):
        try:
            result = parse()
        except InputError as error:
            refused_in_one_line(error, LABEL)
        else:
            assert result is not None


def test_the_seeds_themselves_parse() -> None:
    assert isinstance(POLICY, Policy)
    for text in DEFINITIONS:
        parse_inspection(text, LABEL, POLICY)
