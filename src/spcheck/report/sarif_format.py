"""SARIF 2.1.0, so the findings can feed any tool that reads static-analysis results.

One run for the report; the rule catalogue (id, default level, meaning, runbook) from
the rule registry as the driver's rules; one result per finding, at the policy's
level for it, located in the inspection folder (``INSPECTIONS`` base) or, for findings
about a milestone or the inspection as a whole, at a logical location. Each result
carries the finding's key as a partial fingerprint, its history as ``baselineState``
(new or unchanged) and properties, and an acceptance as an external suppression with
its justification. Strings go through ``json`` (escaped), masked as in every report.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

from spcheck import __version__
from spcheck.domain.findings import Finding, Severity
from spcheck.domain.history import FindingNote, FindingState
from spcheck.report.document import iso, note_of
from spcheck.report.interface import Renderer, Report
from spcheck.rules.interface import InspectionResult
from spcheck.rules.privacy import redact

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT = "spcheckFindingKey/v1"
BASE = "INSPECTIONS"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_BASELINE = {FindingState.NEW: "new", FindingState.OPEN: "unchanged"}


def _rules() -> list[dict[str, Any]]:
    from spcheck.rules.registry import all_rules

    return [
        {
            "id": spec.id,
            "name": spec.id.replace(".", "_"),
            "shortDescription": {"text": spec.description},
            "help": {
                "text": f"What to do: `spcheck rules {spec.id}` prints its runbook "
                f"({spec.runbook}); the HTML report carries it too."
            },
            "defaultConfiguration": {"level": _LEVELS[spec.severity]},
            "properties": {"family": spec.family, "runbook": spec.runbook, "tags": [spec.family]},
        }
        for spec in all_rules()
    ]


def _locations(result: InspectionResult, finding: Finding) -> dict[str, Any]:
    if finding.path:
        uri = quote(f"{result.id}/{finding.path}", safe="/")
        return {
            "locations": [
                {
                    "physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": BASE}},
                    "logicalLocations": [{"name": result.id, "kind": "inspection"}],
                }
            ]
        }
    if finding.milestone:
        name, kind = finding.milestone, "milestone"
    else:
        name, kind = result.id, "inspection"
    return {
        "locations": [
            {
                "logicalLocations": [
                    {"name": name, "fullyQualifiedName": f"{result.id}/{name}", "kind": kind}
                ]
            }
        ]
    }


def _result(
    result: InspectionResult, finding: Finding, note: FindingNote, index: dict[str, int]
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "inspection": result.id,
        "partnership": result.partnership,
        "state": note.state.value,
        "first_seen": iso(note.first_seen),
        "last_seen": iso(note.last_seen),
        "cycles": note.cycles,
    }
    for name in ("milestone", "kind", "location", "masked"):
        value = getattr(finding, name)
        if value is not None:
            properties[name] = value
    entry: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        **_locations(result, finding),
        "partialFingerprints": {FINGERPRINT: note.key},
        "baselineState": _BASELINE.get(note.state, "new"),
        "properties": properties,
    }
    accepted = note.accepted
    if accepted is not None:
        entry["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": redact(accepted.reason),
                "properties": {
                    "by": redact(accepted.by),
                    "at": iso(accepted.at),
                    "until": iso(accepted.until),
                },
            }
        ]
    return entry


class SarifRenderer(Renderer):
    name = "sarif"
    media_type = "application/sarif+json"
    suffix = ".sarif"

    def render(self, report: Report) -> str:
        rules = _rules()
        index = {rule["id"]: position for position, rule in enumerate(rules)}
        results = [
            _result(result, finding, note_of(result, finding), index)
            for result in report.inspections
            for finding in result.findings
        ]
        document = {
            "$schema": SARIF_SCHEMA,
            "version": SARIF_VERSION,
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "spcheck",
                            "version": __version__,
                            "rules": rules,
                        }
                    },
                    "invocations": [
                        {
                            "executionSuccessful": True,
                            "endTimeUtc": report.generated_at.astimezone(dt.UTC).strftime(
                                "%Y-%m-%dT%H:%M:%SZ"
                            ),
                        }
                    ],
                    "originalUriBaseIds": {
                        BASE: {
                            "description": {
                                "text": f"the inspections' root folder on {report.site}"
                            }
                        }
                    },
                    "results": results,
                    "properties": {"site": report.site, "as_of": iso(report.as_of)},
                }
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
