"""Reads the policy and inspection directories from disk into validated models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spcheck.domain.inspection import Inspection, SampleList
from spcheck.domain.parse import MAX_TEXT_CHARS, parse_inspection, parse_policy, parse_sample
from spcheck.domain.policy import ContentRules, FileRules, Policy
from spcheck.errors import InputError

DEFINITION_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class LoadedInspection:
    inspection: Inspection
    policy: Policy
    sample: SampleList | None
    path: Path


# Definitions, policies and sample lists are a few KiB; a file many times the text limit is
# refused before it is read whole.
MAX_FILE_BYTES = 4 * MAX_TEXT_CHARS


def read_text(path: Path) -> str:
    """A definition, policy or sample list as text; a failure is one InputError line."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise InputError(f"{path}: over the {MAX_FILE_BYTES:,}-byte limit for this file")
        return data.decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None


def load_policy(path: Path) -> Policy:
    policy = parse_policy(read_text(path), str(path))
    if path.stem != policy.programme:
        raise InputError(
            f"{path}: programme: {policy.programme!r} must match the file name {path.stem!r}"
        )
    return policy


def load_policies(directory: Path) -> dict[str, Policy]:
    if not directory.is_dir():
        raise InputError(f"SPCHECK_POLICIES: {directory} is not a directory of policy files")
    policies = {}
    for path in sorted(directory.iterdir()):
        if path.suffix in DEFINITION_SUFFIXES:
            policy = load_policy(path)
            policies[policy.programme] = policy
    if not policies:
        raise InputError(f"SPCHECK_POLICIES: {directory} holds no policy (*.yaml)")
    return policies


def load_inspection(path: Path, policies: dict[str, Policy]) -> LoadedInspection:
    label = str(path)
    # Read once without the policy to learn the programme, then validate against it.
    bare = parse_inspection(read_text(path), label)
    policy = policies.get(bare.programme)
    if policy is None:
        known = ", ".join(sorted(policies)) or "none"
        raise InputError(f"{label}: programme: no policy {bare.programme!r} (known: {known})")
    inspection = parse_inspection(read_text(path), label, policy)
    if path.stem != inspection.id:
        raise InputError(f"{label}: id: {inspection.id!r} must match the file name {path.stem!r}")
    sample = None
    if inspection.sample is not None:
        sample_path = path.parent / inspection.sample
        sample = parse_sample(read_text(sample_path), str(sample_path), policy)
    return LoadedInspection(inspection=inspection, policy=policy, sample=sample, path=path)


def definition_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise InputError(f"SPCHECK_INSPECTIONS: {directory} is not a directory")
    return sorted(
        p for p in directory.rglob("*") if p.suffix in DEFINITION_SUFFIXES and p.is_file()
    )


def find_inspection(directory: Path, inspection_id: str) -> Path:
    """The definition file for an id: ``<id>.yaml`` anywhere under the directory, or a path."""
    candidate = Path(inspection_id)
    if candidate.suffix in DEFINITION_SUFFIXES and candidate.is_file():
        return candidate
    matches = [p for p in definition_files(directory) if p.stem == inspection_id]
    if not matches:
        raise InputError(f"inspection {inspection_id!r}: no {inspection_id}.yaml under {directory}")
    if len(matches) > 1:
        listed = ", ".join(str(p) for p in matches)
        raise InputError(f"inspection {inspection_id!r}: defined more than once ({listed})")
    return matches[0]


def load_all(directory: Path, policies: dict[str, Policy]) -> list[LoadedInspection]:
    loaded = [load_inspection(path, policies) for path in definition_files(directory)]
    ids: dict[str, Path] = {}
    for item in loaded:
        if item.inspection.id in ids:
            raise InputError(
                f"{item.path}: id: {item.inspection.id!r} "
                f"is also defined in {ids[item.inspection.id]}"
            )
        ids[item.inspection.id] = item.path
    return loaded


def looks_like_policy(path: Path) -> bool:
    """A policy file declares its schema on a top-level ``schema:`` line; a definition does not."""
    try:
        with path.open(encoding="utf-8") as handle:
            return any(line.startswith("schema:") for line in handle)
    except (OSError, UnicodeDecodeError):
        return False


def packaged_policies() -> Path:
    """The policies shipped with spcheck (in the wheel, or beside src/ in a checkout)."""
    inside = Path(__file__).parent / "_policies"
    return inside if inside.is_dir() else Path(__file__).parents[2] / "policies"


def policies_dir(configured: Path) -> Path:
    """The configured directory, or the shipped one when the default ./policies is absent."""
    if configured.is_dir() or configured != Path("policies"):
        return configured
    return packaged_policies()


def scan_rules(
    directory: Path, programme: str | None, folder_key: str | None
) -> tuple[ContentRules, FileRules]:
    """Content and file rules for `spcheck scan`: one folder's, or the strictest of the policy."""
    policies = load_policies(policies_dir(directory))
    if programme is None:
        if len(policies) > 1:
            known = ", ".join(sorted(policies))
            raise InputError(f"--programme: several policies ({known}); name one")
        policy = next(iter(policies.values()))
    elif programme in policies:
        policy = policies[programme]
    else:
        raise InputError(f"--programme: no policy {programme!r} in {directory}")
    if folder_key is None:
        return ContentRules(
            identifiers="forbid", redaction="verify", hidden_data="forbid"
        ), policy.files
    try:
        return policy.folder(folder_key).content, policy.files
    except KeyError:
        known = ", ".join(f.key for f in policy.folders)
        raise InputError(f"--policy-folder: no folder {folder_key!r} (known: {known})") from None
