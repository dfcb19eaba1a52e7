"""The JSON Schemas of what spcheck writes: its own (docs/schemas/: the reports and the scan)
and SARIF 2.1.0's (vendored here from the OASIS sarif-spec repository, sarif-2.1/schema/,
errata 01)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker

ROOT = Path(__file__).resolve().parents[2]
REPORT_SCHEMAS = ROOT / "docs" / "schemas"
SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


# The published schema of each document spcheck writes.
PUBLISHED = {"v2": "report-v2", "v1": "report-v1", "scan": "scan-v1"}


@cache
def _spcheck_validator(version: str) -> Draft202012Validator:
    schema = json.loads((REPORT_SCHEMAS / f"{PUBLISHED[version]}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@cache
def _sarif_validator() -> Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text())
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=FormatChecker())


def problems(document: Any, version: str) -> list[str]:
    """Every way ``document`` breaks the schema (``v1``, ``v2``, ``scan`` or ``sarif``), as
    lines."""
    validator = _sarif_validator() if version == "sarif" else _spcheck_validator(version)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]
