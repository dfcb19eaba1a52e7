"""The HTML page: parsed, checked for escaping, self-containment and its sections."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

from spcheck.report import renderer
from tests.report.builders import XSS_NAME, XSS_PATH, sample_report, sample_result


class Page(HTMLParser):
    """Collects tags, attributes and text, and the text inside elements with a class."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}  # type: ignore[misc]

    def with_class(self, name: str) -> list[dict[str, str | None]]:
        return [a for _, a in self.tags if name in (a.get("class") or "").split()]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def render() -> tuple[str, Page]:
    html = renderer("html").render(sample_report())
    return html, parse(html)


def test_hostile_file_name_is_text_not_markup() -> None:
    html, page = render()
    tags = {tag for tag, _ in page.tags}
    assert "img" not in tags
    assert "script" not in tags
    assert XSS_PATH in page.all_text()
    assert XSS_NAME not in html  # only its escaped form is in the source
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in html
    assert "Glenmorven <Community> Planning & Partnership" in page.all_text()
    assert "<b>bold</b>" in page.all_text()


def test_self_contained() -> None:
    html, page = render()
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        assert not any(key.startswith("on") for key in attrs), tag
        if tag == "link":
            raise AssertionError("no linked assets")
        href = attrs.get("href")
        if href is not None:
            # every link is to a section of the page itself, and that section is there
            assert href.startswith("#"), href
            assert href[1:] in page.ids(), href
    assert "@import" not in html
    [csp] = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert "default-src 'none'" in (csp["content"] or "")


def test_timeline_strip_weeks_deadlines_and_today() -> None:
    result = sample_result()
    _, page = render()
    cells = [a for t, a in page.tags if t == "td" and "week of" in (a.get("title") or "")]
    assert len(cells) == len(result.weeks)
    [today] = page.with_class("today")
    assert today["title"] == "week of 02 November 2026 (today)"
    assert len(page.with_class("paused")) == 1
    marks = page.with_class("mark")
    assert {m["class"].split()[-1] for m in marks} == {"state-met", "state-due_soon"}  # type: ignore[union-attr]
    text = page.all_text()
    assert "W0" in text
    assert "holiday" in text


def test_milestones_records_and_findings_grouped() -> None:
    _, page = render()
    text = page.all_text()
    assert "Fri 02 Oct 2026 23:59 BST" in text
    assert "Fri 06 Nov 2026 23:59 GMT" in text
    assert "58/60" in text
    assert "13/15" in text
    assert "Missing (2): GM-2999, GM-9233" in text
    errors, warnings, info = (
        text.index(h) for h in ("Errors (7)", "Warnings (1)", "Information (1)")
    )
    assert errors < warnings < info
    links = [a["href"] for t, a in page.tags if t == "a" and a.get("class") == "runbook-link"]
    assert len(links) == len(sample_result().findings)
    assert "#runbook-records-recordsunexpected" in links
    assert "01******37" in text


def test_no_findings_and_no_milestones() -> None:
    bare = dataclasses.replace(sample_result(), findings=(), milestones=(), status="ok")
    text = parse(renderer("html").render(sample_report(bare))).all_text()
    assert "No findings." in text
    assert "could not be worked out" in text
