"""Text to validated models: YAML definitions and the sample CSV.

Pure functions of the text and a label (the file name used in messages). Every
refusal is one ``InputError`` line: ``<file>: <field or line>: <reason>``.

What they read is bounded, so a hostile or broken file costs little and is refused
in one line naming the limit: at most ``MAX_TEXT_CHARS`` of text; YAML nested at
most ``MAX_DEPTH`` levels, with at most ``MAX_NODES`` values and no aliases (an
alias can make a few bytes stand for billions of values); a sample list of at
most ``MAX_SAMPLE_ROWS`` rows with no cell over the csv module's field limit.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Hashable, Iterator
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from spcheck.domain.inspection import (
    Inspection,
    RecordKind,
    SampleList,
    SampleRecord,
    check_against_policy,
    sample_counts,
)
from spcheck.domain.policy import Policy
from spcheck.errors import InputError

M = TypeVar("M", bound=BaseModel)
MAX_TEXT_CHARS = 1024 * 1024
MAX_DEPTH = 32  # the shipped policy is 5 levels deep
MAX_NODES = 50_000  # values in one YAML file: the shipped policy has about 700
MAX_SAMPLE_ROWS = 10_000  # a sample list holds 75 records
SAMPLE_HEADER = ("record_id", "kind", "network_of_support")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}
# A CHI is 10 digits (9 once a spreadsheet drops the leading zero); record ids must not be one.
_LOOKS_LIKE_CHI = re.compile(r"^\d{9,10}$")


class _DefinitionLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, deep nesting, too many values and aliases,
    and leaves dates to pydantic.

    YAML's own timestamp parsing raises a bare ValueError on 2026-02-30 and
    turns 17:00 into an integer; pydantic gives a message we can point at a field.
    Composing is recursive: the depth is checked here, long before Python's own
    recursion limit would end the read with a traceback.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted: write the value out in full", mark
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"more than {MAX_NODES:,} values in one file", mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", mark
                )
            return super().compose_node(parent, index)  # type: ignore[no-untyped-call,unused-ignore]
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call,unused-ignore]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_DefinitionLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _bounded(text: str, label: str) -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"{label}: {len(text):,} characters, over the {MAX_TEXT_CHARS:,}-character limit"
        )


def read_yaml(text: str, label: str) -> dict[str, Any]:
    _bounded(text, label)
    try:
        data = yaml.load(text, Loader=_DefinitionLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}" if mark is not None else "YAML"
        raise InputError(f"{label}: {where}: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise InputError(f"{label}: not valid YAML ({type(error).__name__})") from None
    if not isinstance(data, dict):
        raise InputError(f"{label}: expected a mapping of keys at the top level")
    return data


def describe_validation(error: ValidationError, label: str) -> str:
    first = error.errors(include_url=False, include_input=False)[0]
    loc = ".".join(str(part) for part in first["loc"])
    reason = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        reason = "unknown key"
    elif first["type"] == "missing":
        reason = "required key is missing"
    return f"{label}: {loc}: {reason}" if loc else f"{label}: {reason}"


def validate(model: type[M], data: dict[str, Any], label: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InputError(describe_validation(error, label)) from None


def parse_policy(text: str, label: str) -> Policy:
    return validate(Policy, read_yaml(text, label), label)


def parse_inspection(text: str, label: str, policy: Policy | None = None) -> Inspection:
    inspection = validate(Inspection, read_yaml(text, label), label)
    if policy is not None:
        try:
            check_against_policy(inspection, policy)
        except ValueError as error:
            raise InputError(f"{label}: {error}") from None
    return inspection


def _rows(text: str, label: str) -> Iterator[tuple[int, list[str]]]:
    """The CSV's rows with their line numbers; a malformed row is one ``InputError``."""
    reader = csv.reader(io.StringIO(text), strict=True)
    count = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line = reader.line_num
            if "field larger than field limit" in str(error):
                reason = f"a cell over the {csv.field_size_limit():,}-character limit"
            else:
                reason = f"not valid CSV ({' '.join(str(error).split())})"
            raise InputError(f"{label}: line {line}: {reason}") from None
        count += 1
        if count > MAX_SAMPLE_ROWS:
            raise InputError(
                f"{label}: more than {MAX_SAMPLE_ROWS:,} rows; a sample list holds the "
                "records the Intelligence Team chose"
            )
        yield reader.line_num, row


def parse_sample(text: str, label: str, policy: Policy) -> SampleList:
    """The sample list CSV: record_id,kind,network_of_support, every line checked.

    The counts are not refused here: a check cycle reports a list whose counts differ
    from the policy's (``sample.counts``), and ``check_sample_counts`` refuses it for
    `spcheck policy validate`.
    """
    _bounded(text, label)
    rows = _rows(text.lstrip("\ufeff"), label)
    try:
        _, header = next(rows)
    except StopIteration:
        raise InputError(
            f"{label}: empty file; expected the header {','.join(SAMPLE_HEADER)}"
        ) from None
    if tuple(cell.strip().lower() for cell in header) != SAMPLE_HEADER:
        raise InputError(f"{label}: line 1: expected the header {','.join(SAMPLE_HEADER)}")
    id_pattern = re.compile(policy.sample.record_id_pattern)
    records: list[SampleRecord] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            raise InputError(f"{label}: line {line}: expected 3 columns, found {len(row)}")
        record_id, kind, network = (cell.strip() for cell in row)
        if _LOOKS_LIKE_CHI.match(record_id):
            raise InputError(
                f"{label}: line {line}, record_id: looks like a CHI number; "
                "use the partnership's pseudonymous case reference"
            )
        if not id_pattern.match(record_id):
            raise InputError(
                f"{label}: line {line}, record_id: not a case reference "
                f"(letters, digits and '-' matching {policy.sample.record_id_pattern})"
            )
        folded = record_id.casefold()
        if folded in first_line:
            raise InputError(
                f"{label}: line {line}, record_id: duplicate of line {first_line[folded]}"
            )
        first_line[folded] = line
        if kind.lower() not in {k.value for k in RecordKind}:
            raise InputError(f"{label}: line {line}, kind: expected sample or reserve")
        if network.lower() not in _TRUE | _FALSE:
            raise InputError(f"{label}: line {line}, network_of_support: expected true or false")
        flagged = network.lower() in _TRUE
        if flagged and kind.lower() == RecordKind.RESERVE:
            raise InputError(
                f"{label}: line {line}, network_of_support: only sample records are followed up"
            )
        records.append(
            SampleRecord(
                record_id=record_id,
                kind=RecordKind(kind.lower()),
                network_of_support=flagged,
                line=line,
            )
        )
    return SampleList(records=tuple(records))


def check_sample_counts(sample: SampleList, label: str, policy: Policy) -> None:
    """Refuse a list whose counts differ from the policy's, naming every count that does."""
    wrong = [count for count in sample_counts(sample, policy.sample) if not count.right]
    if wrong:
        raise InputError(
            f"{label}: "
            + "; ".join(
                f"{count.name}: {count.found} records, "
                f"the policy {policy.programme} expects {count.expected}"
                for count in wrong
            )
        )
