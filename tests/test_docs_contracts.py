"""The contracts written in docs/ cover what the code reads: every setting, every key of a
policy and of an inspection definition. A setting or key added without its documentation,
or a documented one the code no longer reads, fails here with its name."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from spcheck.domain.inspection import Inspection
from spcheck.domain.policy import Policy
from spcheck.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SETTING = re.compile(r"\bSPCHECK_[A-Z][A-Z0-9_]*[A-Z0-9]\b")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _read_by_code() -> set[str]:
    """Every SPCHECK_ variable the product or its test suite reads or names."""
    names = {ENV_PREFIX + field.upper() for field in Settings.model_fields}
    sources = [*sorted((ROOT / "src").rglob("*.py")), ROOT / "function_app.py"]
    sources += [ROOT / "tests" / "conftest.py", ROOT / "tests" / "azure" / "conftest.py"]
    for path in sources:
        names |= set(SETTING.findall(path.read_text(encoding="utf-8")))
    return names


def _documented_settings() -> set[str]:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `SPCHECK_")]
    return {SETTING.findall(row)[0] for row in rows}


def test_every_setting_the_code_reads_has_a_row_in_the_configuration_page() -> None:
    assert sorted(_read_by_code() - _documented_settings()) == []


def test_every_setting_the_configuration_page_lists_is_read_by_the_code() -> None:
    assert sorted(_documented_settings() - _read_by_code()) == []


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin is not None or isinstance(annotation, types.UnionType):
        return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]
    return []


def _keys(model: type[BaseModel]) -> set[str]:
    """The keys a file may hold at any depth of ``model``, by the names a file uses."""
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        keys.add(field.alias or name)
        for inner in _models_in(field.annotation):
            keys |= _keys(inner)
    return keys


def _code_spans(page: str) -> set[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    # A key is named alone (`folders`) or within a span: `{week, weekday, time}`,
    # `satisfied_by.kind`, `checks_pass: true`.
    return {word for span in CODE_SPAN.findall(text) for word in KEY.findall(span)}


def test_every_policy_key_is_documented() -> None:
    assert sorted(_keys(Policy) - _code_spans("policy-format.md")) == []


def test_every_inspection_definition_key_is_documented() -> None:
    assert sorted(_keys(Inspection) - _code_spans("inspection-format.md")) == []


def test_the_key_walk_reaches_nested_models() -> None:
    keys = _keys(Policy)
    assert {"schema", "due_soon_working_days", "ocr", "checks_pass", "where"} <= keys
    assert {"email", "folders", "published_on"} <= _keys(Inspection)


def test_the_readme_links_only_to_files_the_project_holds() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if not re.match(r"[a-z]+:", t)]
    assert local, "the README links into docs/ and runbooks/"
    assert [t for t in local if not (ROOT / t).exists()] == []


def test_every_kind_a_finding_may_carry_is_documented() -> None:
    from spcheck.content.detectors.interface import KINDS
    from spcheck.content.interface import HIDDEN_KINDS

    page = (ROOT / "docs" / "scan-format.md").read_text("utf-8")
    missing = [kind for kind in (*KINDS, *sorted(HIDDEN_KINDS)) if f"| `{kind}` |" not in page]
    assert missing == []
