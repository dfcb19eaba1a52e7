"""The JSON reports field by field: ``spcheck.report/v2`` (``json``) and the ``v1`` shape
kept for one release (``json-v1``), as docs/report-format.md describes them."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from spcheck.errors import InputError
from spcheck.report import (
    REPORT_SCHEMA,
    REPORT_SCHEMA_V1,
    Report,
    UnknownFormat,
    formats,
    renderer,
)
from tests.report.builders import (
    ACCEPTED_BY,
    ACCEPTED_PATH,
    ACCEPTED_REASON,
    AS_OF,
    FIRST_SEEN,
    GENERATED,
    RESOLVED_KEY,
    XSS_PATH,
    followed_result,
    sample_report,
    sample_result,
)


def rendered(fmt: str = "json") -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(renderer(fmt).render(sample_report()))
    return doc


def followed(fmt: str = "json") -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(renderer(fmt).render(sample_report(followed_result())))
    return doc


def test_top_level_fields() -> None:
    doc = rendered()
    assert list(doc) == ["schema", "generated_at", "as_of", "site", "summary", "inspections"]
    assert doc["schema"] == REPORT_SCHEMA == "spcheck.report/v2"
    assert doc["generated_at"] == "2026-11-02T09:30:00+00:00"  # GMT in November
    assert doc["as_of"] == "2026-11-02T09:00:00+00:00"
    assert doc["site"] == "glenmorven.example:/sites/inspections"
    # Without a recorded history every finding is seen for the first time.
    assert doc["summary"] == {
        "errors": 7,
        "warnings": 1,
        "accepted": 0,
        "new": 7,
        "resolved": 0,
        "inspections": 1,
    }


def test_summary_leaves_accepted_findings_out_of_the_counts() -> None:
    assert followed()["summary"] == {
        "errors": 6,
        "warnings": 1,
        "accepted": 1,
        "new": 5,
        "resolved": 1,
        "inspections": 1,
    }


def test_inspection_fields() -> None:
    [inspection] = rendered()["inspections"]
    assert list(inspection) == [
        "id",
        "partnership",
        "week",
        "status",
        "next_milestone",
        "errors",
        "trend",
        "milestones",
        "records",
        "findings",
        "resolved",
    ]
    assert inspection["id"] == "glenmorven-2026"
    assert inspection["partnership"] == "Glenmorven <Community> Planning & Partnership"
    assert inspection["week"] == 7
    assert inspection["status"] == "error"


def test_overview_fields_next_milestone_error_counts_and_trend() -> None:
    [inspection] = followed()["inspections"]
    assert inspection["next_milestone"] == {
        "id": "records",
        "title": "Records for the sample of 60 plus 15 reserves uploaded",
        "due": "2026-11-06T23:59:00+00:00",
        "state": "due_soon",
    }
    assert inspection["errors"] == {"new": 5, "open": 1, "accepted": 1}
    assert inspection["trend"] == [2, 3, 5, 7, 6]
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
        "kind": None,
        "waiting_for": [],
    }
    assert records["due"] == "2026-11-06T23:59:00+00:00"
    assert records["state"] == "due_soon"
    assert records["met_at"] is None
    assert records["waiting_for"] == [
        "2 sample records not uploaded",
        "<b>2 reserves</b> not uploaded",
    ]
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
        "readers": None,  # the permissions were not read: not known, never "nobody"
    }


NEW_AT_AS_OF = {
    "state": "new",
    "first_seen": "2026-11-02T09:00:00+00:00",
    "last_seen": "2026-11-02T09:00:00+00:00",
    "cycles": 1,
    "reopened": False,
    "accepted": None,
}


def test_findings_carry_detail_only_when_present_and_their_history() -> None:
    findings = rendered()["inspections"][0]["findings"]
    assert findings[0] == {
        "rule": "records.unexpected",
        "severity": "error",
        "path": XSS_PATH,
        "message": "a file named as record GM-0001, which is not on the sample list",
        "milestone": "records",
        "key": f"records.unexpected|{XSS_PATH}||",
        **NEW_AT_AS_OF,
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
        "key": "content.personal_identifier|01 Pre-inspection return/PIR.xlsx|chi|"
        "sheet Cases cell B7",
        **NEW_AT_AS_OF,
    }
    assert findings[2]["path"] is None
    assert findings[2]["milestone"] is None
    assert len(findings) == len(sample_result().findings)
    assert "0101011237" not in json.dumps(findings)


def test_open_and_accepted_findings_say_since_when_and_by_whom() -> None:
    findings = followed()["inspections"][0]["findings"]
    unexpected = findings[0]
    assert (unexpected["state"], unexpected["first_seen"], unexpected["cycles"]) == (
        "open",
        FIRST_SEEN.isoformat(),
        4,
    )
    assert unexpected["accepted"] is None
    [accepted] = [f for f in findings if f["path"] == ACCEPTED_PATH]
    assert accepted["severity"] == "error"  # still listed as what it is
    assert accepted["accepted"] == {
        "by": ACCEPTED_BY,
        "at": "2026-11-01T09:00:00+00:00",
        "reason": ACCEPTED_REASON,
        "until": "2026-11-12T09:00:00+00:00",
    }
    assert len(findings) == len(sample_result().findings)


def test_resolved_since_the_last_report() -> None:
    assert followed()["inspections"][0]["resolved"] == [
        {
            "key": RESOLVED_KEY,
            "rule": "pir.missing",
            "severity": "error",
            "path": "01 Pre-inspection return",
            "milestone": "pir",
            "location": None,
            "first_seen": FIRST_SEEN.isoformat(),
            "last_seen": "2026-11-01T09:00:00+00:00",
            "resolved_at": "2026-11-02T09:00:00+00:00",
            "cycles": 3,
        }
    ]


def test_week_not_counted_is_null_and_empty_report() -> None:
    paused = dataclasses.replace(sample_result(), week=None, findings=(), status="ok")
    doc = json.loads(renderer("json").render(sample_report(paused)))
    assert doc["inspections"][0]["week"] is None
    assert doc["summary"] == {
        "errors": 0,
        "warnings": 0,
        "accepted": 0,
        "new": 0,
        "resolved": 0,
        "inspections": 1,
    }
    empty = Report(GENERATED, AS_OF, "site", ())
    assert json.loads(renderer("json").render(empty))["inspections"] == []


# -- v1, kept for one release -----------------------------------------------------------


def test_v1_keeps_its_shape() -> None:
    doc = followed("json-v1")
    assert list(doc) == ["schema", "generated_at", "as_of", "site", "summary", "inspections"]
    assert doc["schema"] == REPORT_SCHEMA_V1 == "spcheck.report/v1"
    assert doc["summary"] == {"errors": 6, "warnings": 1, "inspections": 1}
    [inspection] = doc["inspections"]
    assert list(inspection) == [
        "id",
        "partnership",
        "week",
        "status",
        "milestones",
        "records",
        "findings",
    ]
    assert list(inspection["milestones"][0]) == [
        "id",
        "title",
        "due",
        "state",
        "met_at",
        "evidence",
    ]
    assert inspection["findings"][0] == {
        "rule": "records.unexpected",
        "severity": "error",
        "path": XSS_PATH,
        "message": "a file named as record GM-0001, which is not on the sample list",
        "milestone": "records",
    }


def test_v1_lists_an_accepted_finding_and_says_so_in_its_message() -> None:
    findings = followed("json-v1")["inspections"][0]["findings"]
    assert len(findings) == len(sample_result().findings)
    [accepted] = [f for f in findings if f["path"] == ACCEPTED_PATH]
    assert accepted["severity"] == "error"
    assert accepted["message"] == (
        f"not allowed [accepted by {ACCEPTED_BY} until Thu 12 Nov 2026 09:00 GMT: "
        f"{ACCEPTED_REASON}]"
    )


def test_report_needs_aware_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Report(GENERATED.replace(tzinfo=None), AS_OF, "site", ())


def test_formats_and_unknown_format() -> None:
    assert formats() == ["json", "json-v1", "html", "md", "csv", "junit", "table", "sarif"]
    for name in formats():
        r = renderer(name)
        assert r.name == name
        assert r.suffix.startswith(".")
        assert "/" in r.media_type
    with pytest.raises(UnknownFormat, match="known: json") as refused:
        renderer("pdf")
    assert isinstance(refused.value, InputError)
    assert refused.value.exit_code == 2
