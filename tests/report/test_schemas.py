"""The published JSON Schemas (docs/schemas/) are the ones generated from the models that
write the documents; the JSON reports follow them, and the SARIF log the SARIF 2.1.0
schema: reports built from values here; real ones from check cycles and the demo are
validated in tests/cycle and tests/demo, real scans in tests/content/test_scan_cli.py."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from spcheck import schemas
from spcheck.domain.catalogue import RULE_IDS
from spcheck.report import renderer
from tests.report.builders import ACCEPTED_PATH, ACCEPTED_REASON, followed_result, sample_report
from tests.report.schemas import PUBLISHED, REPORT_SCHEMAS, problems

CASES = {"without history": sample_report, "with history": lambda: sample_report(followed_result())}


def document(fmt: str, case: str) -> Any:
    return json.loads(renderer(fmt).render(CASES[case]()))


@pytest.mark.parametrize("name", schemas.names())
def test_the_published_schema_is_the_one_the_code_writes(name: str) -> None:
    published = REPORT_SCHEMAS / name
    assert published.is_file(), f"{name} is not published: run python -m spcheck.schemas"
    assert published.read_text(encoding="utf-8") == schemas.schema_text(name), (
        f"docs/schemas/{name} differs from the model that writes the document: run "
        "python -m spcheck.schemas, and say what changed in the format's docs page"
    )


def test_every_published_schema_is_generated_and_validated() -> None:
    on_disk = {path.name for path in REPORT_SCHEMAS.glob("*.schema.json")}
    assert on_disk == set(schemas.names())
    assert {f"{stem}.schema.json" for stem in PUBLISHED.values()} == on_disk


def test_the_generator_writes_only_what_changed(tmp_path, capsys) -> None:
    assert schemas.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(schemas.names())
    (tmp_path / "scan-v1.schema.json").write_text("{}\n")
    assert schemas.write(tmp_path) == ["scan-v1.schema.json"]
    assert schemas.main(["--help"]) == 2
    assert "usage: python -m spcheck.schemas" in capsys.readouterr().err


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(
    ("fmt", "version"), [("json", "v2"), ("json-v1", "v1"), ("sarif", "sarif")]
)
def test_each_format_follows_its_schema(fmt: str, version: str, case: str) -> None:
    assert problems(document(fmt, case), version) == []


def test_v1_and_v2_are_not_interchangeable() -> None:
    assert problems(document("json", "with history"), "v1") != []
    assert problems(document("json-v1", "with history"), "v2") != []


@pytest.mark.parametrize(
    "damage",
    [
        "an unknown field",
        "no acceptance field",
        "a state outside new and open",
        "an acceptance without its reason",
        "a trend of fifteen cycles",
    ],
)
def test_the_v2_schema_is_strict(damage: str) -> None:
    doc = copy.deepcopy(document("json", "with history"))
    finding = doc["inspections"][0]["findings"][0]
    accepted = next(f for f in doc["inspections"][0]["findings"] if f["accepted"] is not None)[
        "accepted"
    ]
    if damage == "an unknown field":
        finding["extra"] = 1
    elif damage == "no acceptance field":
        del finding["accepted"]
    elif damage == "a state outside new and open":
        finding["state"] = "resolved"
    elif damage == "an acceptance without its reason":
        del accepted["reason"]
    else:
        doc["inspections"][0]["trend"] = [1] * 15
    assert problems(doc, "v2") != []


# -- SARIF --------------------------------------------------------------------------------------


def sarif() -> dict[str, Any]:
    found: dict[str, Any] = document("sarif", "with history")
    return found


def test_sarif_has_one_result_per_finding_and_the_rule_catalogue() -> None:
    log = sarif()
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULE_IDS)
    assert run["tool"]["driver"]["name"] == "spcheck"
    result = followed_result()
    assert len(run["results"]) == len(result.findings)
    for entry in run["results"]:
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]
        assert entry["partialFingerprints"]["spcheckFindingKey/v1"]
        assert entry["properties"]["inspection"] == "glenmorven-2026"
    unverifiable = next(r for r in rules if r["id"] == "check.unverifiable")
    assert unverifiable["defaultConfiguration"] == {"level": "error"}
    assert "runbooks/unverifiable.md" in unverifiable["help"]["text"]


def test_sarif_levels_locations_history_and_acceptance() -> None:
    results = sarif()["runs"][0]["results"]
    levels = {(r["ruleId"], r["level"]) for r in results}
    assert ("records.naming", "warning") in levels
    assert ("deadline.due_soon", "note") in levels
    unexpected = results[0]
    assert unexpected["baselineState"] == "unchanged"  # open since an earlier cycle
    location = unexpected["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uriBaseId"] == "INSPECTIONS"
    # The hostile name is percent-encoded in the URI, never markup.
    assert location["uri"].startswith("glenmorven-2026/03%20Records%20sample/%3Cimg")
    due = next(r for r in results if r["ruleId"] == "deadline.due_soon")
    assert due["baselineState"] == "new"
    assert due["locations"][0]["logicalLocations"][0] == {
        "name": "records",
        "fullyQualifiedName": "glenmorven-2026/records",
        "kind": "milestone",
    }
    [accepted] = [r for r in results if "suppressions" in r]
    uri = accepted["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "glenmorven-2026/%3DHYPERLINK%281%29.xlsx"
    assert ACCEPTED_PATH == "=HYPERLINK(1).xlsx"
    [suppression] = accepted["suppressions"]
    assert (suppression["kind"], suppression["status"]) == ("external", "accepted")
    assert suppression["justification"] == ACCEPTED_REASON
    identifier = next(r for r in results if r["ruleId"] == "content.personal_identifier")
    assert identifier["properties"]["masked"] == "01******37"
    assert "0101011237" not in json.dumps(results)
