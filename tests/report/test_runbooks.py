"""Runbooks carried inside the HTML report: shipped, rendered safely, and every link landing."""

from __future__ import annotations

import re

import pytest

from spcheck.report import renderer
from spcheck.report.runbooks import embedded, page_link, render, runbooks_dir, slug
from spcheck.rules.registry import all_rules, runbook_for
from tests.report.builders import sample_report, sample_result
from tests.report.test_html import parse

IDS = re.compile(r'id="([^"]+)"')


def test_the_runbooks_are_shipped_with_the_package() -> None:
    # In CI the package is installed from a wheel, so this is the wheel's copy.
    directory = runbooks_dir()
    for name in ("records.md", "content.md", "permissions.md", "deadlines.md"):
        assert (directory / name).is_file(), name


@pytest.mark.parametrize("spec", all_rules(), ids=lambda spec: spec.id)
def test_every_rule_lands_on_a_heading_of_its_runbook(spec) -> None:
    [guide] = embedded([spec.runbook])
    target = page_link(spec.runbook)
    assert target is not None
    assert target[1:] in IDS.findall(str(guide.html)), f"{spec.id}: {spec.runbook}"


def test_github_heading_slugs() -> None:
    assert slug("records.unexpected") == "recordsunexpected"
    assert slug("Records (the sample of 60 plus 15 reserves)") == (
        "records-the-sample-of-60-plus-15-reserves"
    )
    assert slug("  content.bad_redaction ") == "contentbad_redaction"


def test_raw_html_in_a_runbook_is_text_and_links_only_lead_into_the_page() -> None:
    text = (
        "# Guide\n\n"
        "<script>alert(1)</script>\n\n"
        "See [other](other.md#x), [same](#step-two), [missing](missing.md), "
        "[bad](javascript:alert(1)) and [ico](https://ico.org.uk/).\n\n"
        "## Step two\n"
    )
    guide = render("guide", text, frozenset({"guide", "other"}))
    page = parse(str(guide.html))
    assert "script" not in {tag for tag, _ in page.tags}
    assert "<script>alert(1)</script>" in page.all_text()
    hrefs = {attrs.get("href") for tag, attrs in page.tags if tag == "a"}
    assert hrefs == {
        "#runbook-other-x",
        "#runbook-guide-step-two",
        "https://ico.org.uk/",
        None,  # missing.md keeps its text, not its target
    }
    # markdown-it refuses the javascript: target outright: it stays as plain text
    assert "[bad](javascript:alert(1))" in page.all_text()
    assert guide.title == "Guide"
    # The page's headings go to h3, so a runbook's start at h4.
    assert [tag for tag, _ in page.tags if tag.startswith("h")] == ["h4", "h5"]


def test_the_report_carries_each_cited_runbook_once_and_only_those() -> None:
    html = renderer("html").render(sample_report())
    page = parse(html)
    cited = {(runbook_for(f.rule) or "").partition("#")[0] for f in sample_result().findings}
    sections = [a["id"] for t, a in page.tags if t == "details"]
    assert len(sections) == len(set(sections))
    assert {f"runbook-{name}" for name in ("records", "content")} <= set(sections)
    assert {f"runbooks/{s.removeprefix('runbook-')}.md" for s in sections} == cited
    assert "Restrict the folder at once" in page.all_text()


def test_a_report_without_findings_carries_no_runbooks() -> None:
    import dataclasses

    bare = dataclasses.replace(sample_result(), findings=(), status="ok")
    page = parse(renderer("html").render(sample_report(bare)))
    assert not [t for t, _ in page.tags if t == "details"]
