"""Coverage-guided fuzzing of the same parsers with atheris (libFuzzer), for long runs.

Not part of the test suite: atheris is not a dependency. Install it in the venv and
run one target at a time, with libFuzzer's own options after the target's name::

    .venv/bin/pip install atheris
    .venv/bin/python tests/fuzz/atheris_targets.py definition -max_total_time=600 -timeout=30

Targets: policy, definition, sample, views, batch, docx, xlsx, pptx, pdf, csv, text.
The contract is the one the Hypothesis tests hold (tests/fuzz/test_fuzz_*.py): a
value or the typed input error (``InputError``, ``GraphError``, ``ExtractionError``);
anything else, or a run past ``-timeout`` (the sandbox's 30 s), is reported by
libFuzzer as a crash with the input that caused it. Seeds come from the shipped
policy, the examples and the test documents (docs/fuzzing.md).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import atheris  # noqa: E402

with atheris.instrument_imports(include=["spcheck"]):
    from spcheck.content.extract.docx import DocxExtractor
    from spcheck.content.extract.pdf import PdfExtractor
    from spcheck.content.extract.pptx import PptxExtractor
    from spcheck.content.extract.text import CsvExtractor, TextExtractor
    from spcheck.content.extract.xlsx import XlsxExtractor
    from spcheck.content.interface import DEFAULT_LIMITS, ExtractionError, Extractor
    from spcheck.domain.parse import parse_inspection, parse_policy, parse_sample
    from spcheck.errors import InputError
    from spcheck.graph.batch import decode
    from spcheck.graph.interface import GraphError
    from spcheck.graph.views import ITEM_PAGE, PERMISSION_PAGE

POLICY_PATH = ROOT / "policies" / "children-at-risk-of-harm.yaml"
POLICY = parse_policy(POLICY_PATH.read_text(), str(POLICY_PATH))


def text_of(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def on_policy(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_policy(text_of(data), "fuzzed.yaml")


def on_definition(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_inspection(text_of(data), "fuzzed.yaml", POLICY)


def on_sample(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_sample(text_of(data), "fuzzed.csv", POLICY)


def on_views(data: bytes) -> None:
    from pydantic import ValidationError

    for adapter in (ITEM_PAGE, PERMISSION_PAGE):
        # The gateway turns a ValidationError into one GraphError line.
        with contextlib.suppress(ValidationError):
            adapter.validate_json(data)


def on_batch(data: bytes) -> None:
    with contextlib.suppress(GraphError):
        decode(data, "POST /$batch")


def extractor(make: Callable[[], Extractor]) -> Callable[[bytes], None]:
    def on_file(data: bytes) -> None:
        with contextlib.suppress(ExtractionError):
            make().extract(data, DEFAULT_LIMITS, positions=True)

    return on_file


TARGETS: dict[str, Callable[[bytes], None]] = {
    "policy": on_policy,
    "definition": on_definition,
    "sample": on_sample,
    "views": on_views,
    "batch": on_batch,
    "docx": extractor(DocxExtractor),
    "xlsx": extractor(XlsxExtractor),
    "pptx": extractor(PptxExtractor),
    "pdf": extractor(PdfExtractor),
    "csv": extractor(CsvExtractor),
    "text": extractor(TextExtractor),
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        raise SystemExit(f"usage: atheris_targets.py {{{'|'.join(TARGETS)}}} [libFuzzer options]")
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
