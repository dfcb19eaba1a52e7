"""Text to validated models: YAML definitions and the sample CSV.

Pure functions of the text and a label (the file name used in messages). Every
refusal is one ``InputError`` line: ``<file>: <field or line>: <reason>``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Hashable
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from spcheck.domain.inspection import (
    Inspection,
    RecordKind,
    SampleList,
    SampleRecord,
    check_against_policy,
)
from spcheck.domain.policy import Policy
from spcheck.errors import InputError

M = TypeVar("M", bound=BaseModel)
SAMPLE_HEADER = ("record_id", "kind", "network_of_support")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}
# A CHI is 10 digits (9 once a spreadsheet drops the leading zero); record ids must not be one.
_LOOKS_LIKE_CHI = re.compile(r"^\d{9,10}$")


class _DefinitionLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and leaves dates to pydantic.

    YAML's own timestamp parsing raises a bare ValueError on 2026-02-30 and
    turns 17:00 into an integer; pydantic gives a message we can point at a field.
    """

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


def read_yaml(text: str, label: str) -> dict[str, Any]:
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


def parse_sample(text: str, label: str, policy: Policy) -> SampleList:
    """The sample list CSV: record_id,kind,network_of_support, with the policy's counts."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(rows)
    except StopIteration:
        raise InputError(
            f"{label}: empty file; expected the header {','.join(SAMPLE_HEADER)}"
        ) from None
    if tuple(cell.strip().lower() for cell in header) != SAMPLE_HEADER:
        raise InputError(f"{label}: line 1: expected the header {','.join(SAMPLE_HEADER)}")
    id_pattern = re.compile(policy.sample.record_id_pattern)
    records: list[SampleRecord] = []
    first_line: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
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
    sample = SampleList(records=tuple(records))
    _check_counts(sample, label, policy)
    return sample


def _check_counts(sample: SampleList, label: str, policy: Policy) -> None:
    wanted = policy.sample
    counts = {
        "sample": (len(sample.ids("sample")), wanted.sample),
        "reserve": (len(sample.ids("reserve")), wanted.reserve),
        "network_of_support": (
            sum(r.network_of_support for r in sample.records),
            wanted.network_of_support,
        ),
    }
    for name, (found, expected) in counts.items():
        if found != expected:
            raise InputError(
                f"{label}: {name}: {found} records, "
                f"the policy {policy.programme} expects {expected}"
            )
