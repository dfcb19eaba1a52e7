"""Markdown, CSV, JUnit XML and the terminal table: escaping and content."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from spcheck.domain.catalogue import RULE_IDS
from spcheck.report import renderer
from tests.report.builders import (
    ACCEPTED_BY,
    ACCEPTED_PATH,
    ACCEPTED_REASON,
    FORMULA_PATHS,
    XSS_PATH,
    followed_result,
    sample_report,
    sample_result,
)

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
    assert (
        "7 errors (7 new), 1 warning, 0 accepted, 0 resolved since the last report, "
        "1 inspection." in text
    )
    assert "Records: sample 58/60, reserves 13/15." in text
    assert "| Pre-inspection return uploaded | Fri 02 Oct 2026 23:59 BST | met |" in text
    # What a milestone still waits for sits in its row, escaped like everything else.
    assert (
        "| due_soon |  | waiting for 2 sample records not uploaded; &lt;b&gt;2 reserves&lt;/b&gt; "
        "not uploaded |" in text
    )
    headings = [line for line in lines if line.startswith("### ")]
    assert headings == ["### Errors (7)", "### Warnings (1)", "### Information (1)"]
    assert "([runbook](runbooks/records.md#recordsunexpected))" in text
    assert "01\\*\\*\\*\\*\\*\\*37" in text
    assert lines[-1].startswith("What to do about a finding: `spcheck rules <rule>`")


def test_markdown_history_accepted_and_resolved() -> None:
    text = renderer("md").render(sample_report(followed_result()))
    lines = text.splitlines()
    assert "6 errors (5 new), 1 warning, 1 accepted, 1 resolved since the last report" in text
    headings = [line for line in lines if line.startswith("### ")]
    assert headings == [
        "### Errors (6)",
        "### Warnings (1)",
        "### Information (1)",
        "### Accepted (1): listed, not counted",
        "### Resolved since the last report (1)",
    ]
    unexpected = next(line for line in lines if "records.unexpected" in line)
    assert "_open for 3 days_" in unexpected
    identifier = next(line for line in lines if "content.personal\\_identifier" in line)
    assert identifier.endswith("_new_ ([runbook](runbooks/content.md#contentpersonal_identifier))")
    accepted = lines[lines.index("### Accepted (1): listed, not counted") + 2]
    assert accepted.startswith("- **file.type\\_not\\_allowed** =HYPERLINK\\(1\\).xlsx")
    assert "**accepted by Ailsa Placeholder \\(SSO\\) until Thu 12 Nov 2026 09:00 GMT: " in accepted
    assert "- pir.missing (error) 01 Pre-inspection return milestone pir: resolved" in text


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
    # The line break arrives as a visible escape (outward.py), then Markdown escapes it.
    assert "x\\\\x0a\\# injected heading" in text


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


def test_csv_marks_accepted_findings_and_their_history() -> None:
    text = renderer("csv").render(sample_report(followed_result()))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(sample_result().findings)
    [accepted] = [r for r in rows if r["path"] == "'" + ACCEPTED_PATH]
    assert (accepted["accepted_by"], accepted["accepted_reason"]) == (ACCEPTED_BY, ACCEPTED_REASON)
    assert accepted["accepted_until"] == "2026-11-12T09:00:00+00:00"
    assert accepted["state"] == "open"
    unexpected = rows[0]
    assert (unexpected["state"], unexpected["first_seen"]) == ("open", "2026-10-30T09:00:00+00:00")
    assert unexpected["accepted_by"] == ""
    assert all(r["state"] in ("new", "open") for r in rows)


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


def test_junit_an_accepted_error_does_not_fail_and_says_why() -> None:
    root = ET.fromstring(renderer("junit").render(sample_report(followed_result())))
    [suite] = root
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    # Three of the four files of refused types still fail the case; the accepted one is
    # listed apart.
    failure = cases["file.type_not_allowed"].find("failure")
    assert failure is not None
    assert ACCEPTED_PATH not in (failure.text or "")
    out = cases["file.type_not_allowed"].findtext("system-out") or ""
    assert ACCEPTED_PATH in out
    assert f"accepted by {ACCEPTED_BY}" in out
    assert "open for 3 days" in (cases["records.unexpected"].find("failure").text or "")  # type: ignore[union-attr]


def test_junit_accepting_every_error_of_a_rule_passes_its_case() -> None:
    import dataclasses

    from spcheck.domain.findings import finding_key
    from spcheck.domain.history import Accepted, FindingNote, FindingState

    result = followed_result()
    unexpected = result.findings[0]
    key = finding_key(unexpected)
    accepted = Accepted(ACCEPTED_BY, result.notes[key].first_seen, "x", result.notes[key].last_seen)
    notes = {
        **result.notes,
        key: FindingNote(key, FindingState.OPEN, accepted.at, accepted.at, 2, accepted=accepted),
    }
    changed = dataclasses.replace(result).with_history(notes, result.resolved, result.trend)
    root = ET.fromstring(renderer("junit").render(sample_report(changed)))
    case = next(c for c in root.iter("testcase") if c.get("name") == "records.unexpected")
    assert case.find("failure") is None
    assert "accepted by" in (case.findtext("system-out") or "")


def test_junit_escapes_names() -> None:
    source = renderer("junit").render(sample_report())
    assert "<img" not in source
    failure = next(c for c in junit().iter("testcase") if c.get("name") == "records.unexpected")
    element = failure.find("failure")
    assert element is not None
    assert XSS_PATH in (element.get("message") or "")
    assert "runbook: runbooks/records.md#recordsunexpected" in (element.text or "")


def test_junit_shows_characters_xml_cannot_carry_as_escapes() -> None:
    import dataclasses

    from spcheck.domain.findings import Finding, Severity

    odd = Finding("file.empty", Severity.ERROR, "bell\x07 and nul\x00", "x\x1b.pdf")
    report = sample_report(dataclasses.replace(sample_result(), findings=(odd,)))
    root = ET.fromstring(renderer("junit").render(report))
    case = next(c for c in root.iter("testcase") if c.get("name") == "file.empty")
    message = case.find("failure").get("message") or ""  # type: ignore[union-attr]
    assert message.startswith("error: x\\x1b.pdf: bell\\x07 and nul\\x00")


# -- terminal table --------------------------------------------------------------------


def test_table_text() -> None:
    text = renderer("table").render(sample_report())
    assert "glenmorven-2026" in text
    assert "records: sample 58/60, reserves 13/15" in text
    assert "7 errors (7 new), 1 warning, 0 accepted" in text
    assert "waiting for" in text
    assert "2 sample records not uploaded" in " ".join(text.split())
    assert "records.unexpected" in text
    assert "\x1b[" not in text  # plain text, no colour codes


def test_table_marks_accepted_and_open_findings() -> None:
    text = renderer("table").render(sample_report(followed_result()))
    assert "6 errors (5 new), 1 warning, 1 accepted" in text
    assert "error (accepted)" in text
    assert "open for 3 days" in text
    assert "resolved since the last report: pir.missing 01 Pre-inspection return" in text
