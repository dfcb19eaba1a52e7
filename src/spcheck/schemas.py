"""The JSON Schemas of the documents spcheck writes, generated from the models that write them.

    python -m spcheck.schemas [DIR]    write them into DIR (default docs/schemas)

docs/schemas/ holds the published copies, and a test fails when a model and its
published schema differ: change a model, run this, and commit both together
(docs/report-format.md and docs/scan-format.md say what each field means).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

BASE_ID = "https://spcheck.invalid/schemas/"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _models() -> dict[str, type[BaseModel]]:
    from spcheck.content.scan_format import ScanV1
    from spcheck.report.models import ReportV1, ReportV2

    return {
        "report-v2.schema.json": ReportV2,
        "report-v1.schema.json": ReportV1,
        "scan-v1.schema.json": ScanV1,
    }


def names() -> list[str]:
    """The file name of each published schema."""
    return list(_models())


def json_schema(name: str) -> dict[str, Any]:
    """The schema of the document ``name`` names, as the code writes that document."""
    model = _models()[name]
    generated = model.model_json_schema(mode="serialization", by_alias=True)
    return {"$schema": DRAFT, "$id": BASE_ID + name, **generated}


def schema_text(name: str) -> str:
    """The schema as it is published: two-space indents, a final newline."""
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"


def write(directory: Path) -> list[str]:
    """Write every schema into ``directory``; the names of those that changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name in names():
        path = directory / name
        text = schema_text(name)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(name)
    return changed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python -m spcheck.schemas [DIR]", file=sys.stderr)
        return 2
    directory = Path(args[0]) if args else Path("docs/schemas")
    changed = write(directory)
    for name in names():
        print(f"{directory / name}: {'written' if name in changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
