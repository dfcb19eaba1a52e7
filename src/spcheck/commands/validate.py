"""`spcheck policy validate`: every policy and definition, one line each."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from spcheck.domain.policy import Policy
from spcheck.errors import InputError
from spcheck.loader import (
    definition_files,
    load_inspection,
    load_policies,
    load_policy,
    looks_like_policy,
)


def _check(label: str, action: Callable[[], object]) -> bool:
    try:
        action()
    except InputError as error:
        print(f"refused: {error}", file=sys.stderr)
        return False
    print(f"ok: {label}")
    return True


def _inspection(path: Path, policies: Callable[[], dict[str, Policy]]) -> object:
    return load_inspection(path, policies())


def validate_paths(paths: list[Path], policies_dir: Path, inspections_dir: Path) -> int:
    """Print ``ok`` or the reason for each file; 0 when all pass, else 2 (DESIGN.md section 5)."""
    policies: dict[str, Policy] = {}

    def policies_loaded() -> dict[str, Policy]:
        if not policies:
            policies.update(load_policies(policies_dir))
        return policies

    if not paths:
        if not _check(f"policies in {policies_dir}", policies_loaded):
            return 2
        try:
            paths = definition_files(inspections_dir)
        except InputError as error:
            print(f"refused: {error}", file=sys.stderr)
            return 2
    results = []
    for path in paths:
        if path.is_file() and looks_like_policy(path):
            results.append(_check(f"policy {path}", partial(load_policy, path)))
        else:
            results.append(
                _check(f"inspection {path}", partial(_inspection, path, policies_loaded))
            )
    return 0 if all(results) else 2
