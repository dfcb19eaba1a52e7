"""Markdown, CSV, JUnit XML and the terminal table: escaping and content."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from spcheck.domain.catalogue import RULE_IDS
from spcheck.report import renderer
from tests.report.builders import FORMULA_PATHS, XSS_PATH, sample_report, sample_result

# -- Markdown --------------------------------------------------------------------------


def test_markdown_escapes_html_and_markdown() -> None:
    text = renderer("md").render(sample_report())
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;.pdf" in text
    assert "<b>" not in text
    assert "reference \\| pipe &amp; &lt;b&gt;bold&lt;/b&gt;" in text
    assert "\\~notes\\*\\_\\[x\\]\\(y\\).pdf" in text
    assert "Glenmorven &lt;Community&gt; Planning &amp; Partnership" in text


def test_markdown_content() -> None:
    text = renderer("md").render(sample_report())
    lines = text.splitlines()
    assert lines[0] == "# spcheck report"
    assert "7 errors, 1 warning, 1 inspection." in text
    assert "Records: sample 58/60, reserves 13/15." in text
    assert "| Pre-inspection return uploaded | Fri 02 Oct 2026 23:59 BST | met |" in text
    headings = [line for line in lines if line.startswith("### ")]
    assert headings == ["### Errors (7)", "### Warnings (1)", "### Information (1)"]
    assert "([runbook](runbooks/records.md#recordsunexpected))" in text
    assert "01\\*\\*\\*\\*\\*\\*37" in text
    assert lines[-1].startswith("What to do about a finding: `spcheck rules <rule>`")


def test_markdown_without_findings_has_no_runbook_pointer() -> None:
    import dataclasses

    bare = dataclasses.replace(sample_result(), findings=(), status="ok")
    assert "spcheck rules" not in renderer("md").render(sample_report(bare))


def test_markdown_line_breaks_in_a_name_cannot_start_a_heading() -> None:
    import dataclasses

    from spcheck.domain.findings import Finding, Severity

    result = sample_result()
    odd = Finding("records.naming", Severity.WARNING, "x\n# injected heading", "a\r\nb.pdf")
    text = renderer("md").render(sample_report(dataclasses.replace(result, findings=(odd,))))
    assert "\n# injected" not in text
    assert "x \\# injected heading" in text


# -- CSV -------------------------------------------------------------------------------


def csv_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(renderer("csv").render(sample_report()))))


def test_csv_one_row_per_finding() -> None:
    rows = csv_rows()
    result = sample_result()
    assert len(rows) == len(result.findings)
    first = rows[0]
    assert first["inspection"] == "glenmorven-2026"
    assert first["rule"] == "records.unexpected"
    assert first["severity"] == "error"
    assert first["milestone"] == "records"
    assert first["path"] == XSS_PATH  # CSV is data, not markup: the name is kept as is
    assert first["runbook"] == "runbooks/records.md#recordsunexpected"
    assert first["as_of"] == "2026-11-02T09:00:00+00:00"
    identifier = rows[1]
    assert (identifier["kind"], identifier["location"], identifier["masked"]) == (
        "chi",
        "sheet Cases cell B7",
        "01******37",
    )


def test_csv_neutralises_formulas() -> None:
    paths = {row["path"] for row in csv_rows() if row["rule"] == "file.type_not_allowed"}
    assert paths == {"'" + p for p in FORMULA_PATHS}
    for row in csv_rows():
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


# -- JUnit -----------------------------------------------------------------------------


def junit() -> ET.Element:
    return ET.fromstring(renderer("junit").render(sample_report()))


def test_junit_structure_and_counts() -> None:
    root = junit()
    assert root.tag == "testsuites"
    [suite] = root
    assert suite.get("name") == "glenmorven-2026 (Glenmorven <Community> Planning & Partnership)"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == set(RULE_IDS)
    assert suite.get("tests") == str(len(RULE_IDS))
    # records.unexpected, content.personal_identifier, file.type_not_allowed fail;
    # check.unverifiable is an error (the check could not run).
    assert (suite.get("failures"), suite.get("errors")) == ("3", "1")
    assert (root.get("failures"), root.get("errors")) == ("3", "1")
    assert cases["check.unverifiable"].find("error") is not None
    assert cases["records.naming"].find("failure") is None
    assert "warning:" in (cases["records.naming"].findtext("system-out") or "")
    assert len(cases["pir.missing"]) == 0


def test_junit_escapes_names() -> None:
    source = renderer("junit").render(sample_report())
    assert "<img" not in source
    failure = next(c for c in junit().iter("testcase") if c.get("name") == "records.unexpected")
    element = failure.find("failure")
    assert element is not None
    assert XSS_PATH in (element.get("message") or "")
    assert "runbook: runbooks/records.md#recordsunexpected" in (element.text or "")


def test_junit_drops_characters_xml_cannot_carry() -> None:
    import dataclasses

    from spcheck.domain.findings import Finding, Severity

    odd = Finding("file.empty", Severity.ERROR, "bell\x07 and nul\x00", "x\x1b.pdf")
    report = sample_report(dataclasses.replace(sample_result(), findings=(odd,)))
    root = ET.fromstring(renderer("junit").render(report))
    case = next(c for c in root.iter("testcase") if c.get("name") == "file.empty")
    assert "bell and nul" in (case.find("failure").get("message") or "")  # type: ignore[union-attr]


# -- terminal table --------------------------------------------------------------------


def test_table_text() -> None:
    text = renderer("table").render(sample_report())
    assert "glenmorven-2026" in text
    assert "records: sample 58/60, reserves 13/15" in text
    assert "7 errors, 1 warning, 1 inspection" in text
    assert "records.unexpected" in text
    assert "\x1b[" not in text  # plain text, no colour codes
