"""JUnit XML for schedulers and CI dashboards that read it.

One test suite per inspection and one test case per rule in the catalogue: a rule with
live findings of severity error fails (``check.unverifiable`` is reported as an ``error``,
the check itself could not run); warnings, information and accepted findings leave the
case passing and are listed in its ``system-out`` (accepted ones saying by whom, until
when and why). Each line says whether the finding is new or how long it has been open.
ElementTree escapes text and attributes; characters XML 1.0 cannot carry at all are
dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from spcheck.domain.catalogue import RULE_IDS
from spcheck.domain.findings import Finding, Severity
from spcheck.report.document import accepted_text, history_text, iso, note_of, runbook
from spcheck.report.interface import Renderer, Report
from spcheck.rules.interface import InspectionResult

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text(value: object) -> str:
    return _NOT_XML.sub("", "" if value is None else str(value))


def _line(result: InspectionResult, finding: Finding) -> str:
    where = f"{finding.path}: " if finding.path else ""
    extra = f" [{finding.location}]" if finding.location else ""
    masked = f" ({finding.masked})" if finding.masked else ""
    note = note_of(result, finding)
    since = f"; {history_text(note)}"
    accepted = f"; {accepted_text(note.accepted)}" if note.accepted else ""
    return text(
        f"{finding.severity.value}: {where}{finding.message}{extra}{masked}{since}{accepted}"
    )


class JunitRenderer(Renderer):
    name = "junit"
    media_type = "application/xml"
    suffix = ".xml"

    def render(self, report: Report) -> str:
        root = ET.Element("testsuites", name="spcheck", timestamp=text(iso(report.as_of)))
        totals = {"tests": 0, "failures": 0, "errors": 0}
        for result in report.inspections:
            suite = self._suite(result)
            root.append(suite)
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
        for key, value in totals.items():
            root.set(key, str(value))
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"

    def _suite(self, result: InspectionResult) -> ET.Element:
        suite = ET.Element(
            "testsuite",
            name=text(f"{result.id} ({result.partnership})"),
            timestamp=text(iso(result.as_of)),
        )
        failures = errors = 0
        for rule_id in RULE_IDS:
            found = [f for f in result.findings if f.rule == rule_id]
            case = ET.SubElement(suite, "testcase", classname=text(result.id), name=rule_id)
            blocking = [
                f for f in found if f.severity == Severity.ERROR and not result.is_accepted(f)
            ]
            if blocking:
                tag = "error" if rule_id == "check.unverifiable" else "failure"
                errors += tag == "error"
                failures += tag == "failure"
                element = ET.SubElement(
                    case,
                    tag,
                    message=_line(result, blocking[0]),
                    type=rule_id,
                )
                element.text = "\n".join(
                    [_line(result, f) for f in blocking] + [f"runbook: {runbook(rule_id)}"]
                )
            others = [f for f in found if f not in blocking]
            if others:
                ET.SubElement(case, "system-out").text = "\n".join(_line(result, f) for f in others)
        suite.set("tests", str(len(RULE_IDS)))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        return suite
