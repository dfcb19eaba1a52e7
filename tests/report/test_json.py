"""The JSON report against DESIGN.md section 6, field by field."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from spcheck.errors import InputError
from spcheck.report import REPORT_SCHEMA, Report, UnknownFormat, formats, renderer
from tests.report.builders import AS_OF, GENERATED, XSS_PATH, sample_report, sample_result


def rendered() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(renderer("json").render(sample_report()))
    return doc


def test_top_level_fields() -> None:
    doc = rendered()
    assert list(doc) == ["schema", "generated_at", "as_of", "site", "summary", "inspections"]
    assert doc["schema"] == REPORT_SCHEMA == "spcheck.report/v1"
    assert doc["generated_at"] == "2026-11-02T09:30:00+00:00"  # GMT in November
    assert doc["as_of"] == "2026-11-02T09:00:00+00:00"
    assert doc["site"] == "glenmorven.example:/sites/inspections"
    assert doc["summary"] == {"errors": 7, "warnings": 1, "inspections": 1}


def test_inspection_fields() -> None:
    [inspection] = rendered()["inspections"]
    assert list(inspection) == [
        "id",
        "partnership",
        "week",
        "status",
        "milestones",
        "records",
        "findings",
    ]
    assert inspection["id"] == "glenmorven-2026"
    assert inspection["partnership"] == "Glenmorven <Community> Planning & Partnership"
    assert inspection["week"] == 7
    assert inspection["status"] == "error"


def test_milestones_in_london_time() -> None:
    pir, records = rendered()["inspections"][0]["milestones"]
    assert pir == {
        "id": "pir",
        "title": "Pre-inspection return uploaded",
        "due": "2026-10-02T23:59:00+01:00",
        "state": "met",
        "met_at": "2026-09-30T11:15:00+01:00",
        "evidence": ["01 Pre-inspection return/PIR.xlsx"],
    }
    assert records["due"] == "2026-11-06T23:59:00+00:00"
    assert records["state"] == "due_soon"
    assert records["met_at"] is None
    assert records["evidence"] == []


def test_records() -> None:
    assert rendered()["inspections"][0]["records"] == {
        "sample_expected": 60,
        "sample_uploaded": 58,
        "reserves_expected": 15,
        "reserves_uploaded": 13,
        "missing": ["GM-2999", "GM-9233"],
        "unexpected": ["GM-0001"],
        "duplicates": [],
    }


def test_findings_carry_detail_only_when_present() -> None:
    findings = rendered()["inspections"][0]["findings"]
    assert findings[0] == {
        "rule": "records.unexpected",
        "severity": "error",
        "path": XSS_PATH,
        "message": "a file named as record GM-0001, which is not on the sample list",
        "milestone": "records",
    }
    assert findings[1] == {
        "rule": "content.personal_identifier",
        "severity": "error",
        "path": "01 Pre-inspection return/PIR.xlsx",
        "message": "a CHI number (confidence 0.95)",
        "milestone": "pir",
        "kind": "chi",
        "location": "sheet Cases cell B7",
        "masked": "01******37",
    }
    assert findings[2]["path"] is None
    assert findings[2]["milestone"] is None
    assert len(findings) == len(sample_result().findings)


def test_week_not_counted_is_null_and_empty_report() -> None:
    paused = dataclasses.replace(sample_result(), week=None, findings=(), status="ok")
    doc = json.loads(renderer("json").render(sample_report(paused)))
    assert doc["inspections"][0]["week"] is None
    assert doc["summary"] == {"errors": 0, "warnings": 0, "inspections": 1}
    empty = Report(GENERATED, AS_OF, "site", ())
    assert json.loads(renderer("json").render(empty))["inspections"] == []


def test_report_needs_aware_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Report(GENERATED.replace(tzinfo=None), AS_OF, "site", ())


def test_formats_and_unknown_format() -> None:
    assert formats() == ["json", "html", "md", "csv", "junit", "table"]
    for name in formats():
        r = renderer(name)
        assert r.name == name
        assert r.suffix.startswith(".")
        assert "/" in r.media_type
    with pytest.raises(UnknownFormat, match="known: json") as refused:
        renderer("pdf")
    assert isinstance(refused.value, InputError)
    assert refused.value.exit_code == 2
