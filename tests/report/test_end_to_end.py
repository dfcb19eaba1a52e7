"""Rules into reports: a snapshot with hostile and identifying names, every format."""

from __future__ import annotations

import json

import pytest

from spcheck.report import Report, formats, renderer
from tests.report.builders import GENERATED, XSS_NAME
from tests.rules.builders import (
    CLEAN_AS_OF,
    PIR,
    SAMPLE,
    clean_snapshot,
    clean_uploads,
    file,
    run,
)

CHI = "0101011237"


def report() -> Report:
    uploads = [
        *clean_uploads(),
        file(f"{SAMPLE}/{CHI} assessment.pdf"),
        file(f"{PIR}/{XSS_NAME}"),
        file(f"{SAMPLE}/fergus.outsider@elsewhere-mail.example.pdf"),
    ]
    result = run(clean_snapshot(uploads=uploads))
    return Report(GENERATED, CLEAN_AS_OF, "glenmorven.example:/sites/inspections", (result,))


@pytest.mark.parametrize("name", formats())
def test_no_identifier_in_any_format(name: str) -> None:
    text = renderer(name).render(report())
    assert CHI not in text
    assert "01******37" in text.replace("\\*", "*")
    assert "fergus.outsider" not in text


@pytest.mark.parametrize("name", ["html", "md", "junit"])
def test_markup_formats_never_carry_the_raw_tag(name: str) -> None:
    assert "<img" not in renderer(name).render(report())


def test_json_of_an_evaluated_inspection() -> None:
    doc = json.loads(renderer("json").render(report()))
    [inspection] = doc["inspections"]
    assert inspection["status"] == "error"
    assert inspection["week"] == 8
    rules = [f["rule"] for f in inspection["findings"]]
    assert rules.count("records.unexpected") == 1  # the CHI-named file, masked
    assert rules.count("records.naming") == 1  # a name is not a case reference
    assert "file.type_not_allowed" not in rules
    assert inspection["records"]["unexpected"] == ["01******37"]
    assert [m["state"] for m in inspection["milestones"]] == [
        "met",
        "met",
        "met",
        "met",
        "met",
        "met",
        "met",
        "met",
        "met",
        "pending",
    ]
    assert doc["summary"]["errors"] == sum(f["severity"] == "error" for f in inspection["findings"])
