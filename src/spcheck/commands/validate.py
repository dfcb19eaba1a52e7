"""`spcheck policy validate`: every policy, definition and sample list, one line each.

A definition is checked with its sample list, whose counts must be the policy's
(60 sample, 15 reserve, 12 of the 60 for network of support meetings under the
shipped policy). A sample list given on its own (``x.sample.csv``) is checked
against the definition beside it that names it, or, when none does, against the
counts of the only policy.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from spcheck.domain.inspection import SampleList
from spcheck.domain.parse import check_sample_counts, parse_sample, read_yaml
from spcheck.domain.policy import Policy
from spcheck.errors import InputError
from spcheck.loader import (
    DEFINITION_SUFFIXES,
    definition_files,
    load_inspection,
    load_policies,
    load_policy,
    looks_like_policy,
    read_text,
)

SAMPLE_SUFFIX = ".csv"


def _check(action: Callable[[], str]) -> bool:
    """Run one validation; print its ``ok`` line, or the refusal on stderr."""
    try:
        done = action()
    except InputError as error:
        print(f"refused: {error}", file=sys.stderr)
        return False
    print(f"ok: {done}")
    return True


def _counted(sample: SampleList) -> str:
    flagged = sum(r.network_of_support for r in sample.records)
    return (
        f"{len(sample.ids('sample'))} sample, {len(sample.ids('reserve'))} reserve, "
        f"{flagged} for network of support"
    )


def _inspection(path: Path, policies: Callable[[], dict[str, Policy]]) -> str:
    loaded = load_inspection(path, policies())
    if loaded.sample is not None and loaded.inspection.sample is not None:
        check_sample_counts(
            loaded.sample, str(path.parent / loaded.inspection.sample), loaded.policy
        )
    return f"inspection {path}"


def _notes(policy: Policy, where: str) -> str:
    """Lines under the ``ok`` line for what the policy says but no plan will ever do."""
    from spcheck.domain.team import never_given

    return "".join(f"\nnote: {where}: {note}" for note in never_given(policy))


def _policy(path: Path) -> str:
    policy = load_policy(path)
    return f"policy {path}{_notes(policy, str(path))}"


def _policies(policies: Callable[[], dict[str, Policy]], directory: Path) -> str:
    loaded = policies()
    notes = "".join(_notes(policy, name) for name, policy in sorted(loaded.items()))
    return f"policies in {directory}{notes}"


def _naming(path: Path) -> Path | None:
    """The definition beside ``path`` whose ``sample:`` names it (the first, by name)."""
    for candidate in sorted(path.parent.iterdir()):
        if candidate.suffix not in DEFINITION_SUFFIXES or not candidate.is_file():
            continue
        if looks_like_policy(candidate):
            continue
        try:
            data = read_yaml(read_text(candidate), str(candidate))
        except InputError:
            continue  # a definition that does not read is refused when it is validated
        if data.get("sample") == path.name:
            return candidate
    return None


def _sample(path: Path, policies: Callable[[], dict[str, Policy]]) -> str:
    """Validate a sample list on its own; the ``ok`` line says what it was checked against."""
    text = read_text(path)
    definition = _naming(path)
    if definition is not None:
        loaded = load_inspection(definition, policies())
        assert loaded.sample is not None  # the definition names this file
        check_sample_counts(loaded.sample, str(path), loaded.policy)
        return f"sample list {path} of {loaded.inspection.id} ({_counted(loaded.sample)})"
    known = policies()
    if len(known) != 1:
        raise InputError(
            f"{path}: no definition beside it names it (`sample: {path.name}`) and there are "
            f"several policies ({', '.join(sorted(known))}): validate the definition that names it"
        )
    policy = next(iter(known.values()))
    sample = parse_sample(text, str(path), policy)
    check_sample_counts(sample, str(path), policy)
    return (
        f"sample list {path} ({_counted(sample)}); no definition beside it names it yet, so it "
        f"was checked against the policy {policy.programme}"
    )


def validate_paths(paths: list[Path], policies_dir: Path, inspections_dir: Path) -> int:
    """Print ``ok`` or the reason for each file; 0 when all pass, else 2 (docs/commands.md)."""
    policies: dict[str, Policy] = {}

    def policies_loaded() -> dict[str, Policy]:
        if not policies:
            policies.update(load_policies(policies_dir))
        return policies

    if not paths:
        if not _check(partial(_policies, policies_loaded, policies_dir)):
            return 2
        try:
            paths = definition_files(inspections_dir)
        except InputError as error:
            print(f"refused: {error}", file=sys.stderr)
            return 2
    results = []
    for path in paths:
        if path.suffix.lower() == SAMPLE_SUFFIX:
            results.append(_check(partial(_sample, path, policies_loaded)))
        elif path.is_file() and looks_like_policy(path):
            results.append(_check(partial(_policy, path)))
        else:
            results.append(_check(partial(_inspection, path, policies_loaded)))
    return 0 if all(results) else 2
