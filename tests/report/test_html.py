"""The HTML page: parsed, checked for escaping, self-containment and its sections."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

from spcheck.report import renderer
from tests.report.builders import (
    ACCEPTED_BY,
    ACCEPTED_PATH,
    XSS_NAME,
    XSS_PATH,
    followed_result,
    sample_report,
    sample_result,
)


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


def two_inspections() -> tuple[str, Page]:
    other = dataclasses.replace(
        sample_result(), id="kinloch-2026", partnership="Kinloch and Strath", week=3
    )
    html = renderer("html").render(sample_report(followed_result(), other))
    return html, parse(html)


def test_programme_overview_opens_the_page_one_row_per_inspection() -> None:
    html, page = two_inspections()
    text = page.all_text()
    assert text.index("Programme overview") < text.index("glenmorven-2026: Glenmorven")
    rows = [
        a["href"]
        for t, a in page.tags
        if t == "a"
        and (a.get("href") or "")
        in (
            "#inspection-1",
            "#inspection-2",
        )
    ]
    assert rows == ["#inspection-1", "#inspection-2"]
    assert {"inspection-1", "inspection-2", "programme"} <= page.ids()
    overview = html[
        html.index('class="overview"') : html.index("</table>", html.index('class="overview"'))
    ]
    row_text = " ".join(parse(overview).all_text().split())
    # Glenmorven: 5 new, 1 open, 1 accepted error; the next milestone is the records.
    assert (
        "Records for the sample of 60 plus 15 reserves uploaded due soon "
        "Fri 06 Nov 2026 23:59 GMT 5 1 1" in row_text
    )
    # Kinloch has no history recorded: all 7 errors are new, nothing accepted.
    assert "7 0 0" in row_text
    assert "no history yet" in row_text


def test_the_trend_is_inline_svg_of_open_errors() -> None:
    html, page = two_inspections()
    [polyline] = [a for t, a in page.tags if t == "polyline"]
    points = (polyline["points"] or "").split()
    assert len(points) == 5  # one per cycle of the trend (2, 3, 5, 7, 6)
    ys = [float(p.split(",")[1]) for p in points]
    assert ys.index(min(ys)) == 3  # the highest count (7) is drawn highest
    [svg] = [a for t, a in page.tags if t == "svg"]
    assert svg["aria-label"] == "open errors over the last 5 cycles, oldest first: 2, 3, 5, 7, 6"
    assert "<script" not in html
    assert "xlink:href" not in html


def test_accepted_findings_are_listed_apart_with_who_and_why() -> None:
    _, page = parse_followed()
    text = page.all_text()
    assert "Errors (6)" in text  # the accepted one is not among them
    assert "Accepted (1)" in text
    accepted_at = text.index("Accepted (1)")
    assert ACCEPTED_PATH in text[accepted_at:]
    assert f"accepted by {ACCEPTED_BY} until Thu 12 Nov 2026 09:00 GMT" in text
    assert "open for 3 days" in text
    assert "1 accepted" in text


def test_resolved_since_the_last_report() -> None:
    _, page = parse_followed()
    text = page.all_text()
    section = text[text.index("Resolved since the last report") :]
    assert "pir.missing" in section
    assert "resolved Mon 02 Nov 2026 09:00 GMT, open 3 days" in section


def parse_followed() -> tuple[str, Page]:
    html = renderer("html").render(sample_report(followed_result()))
    return html, parse(html)


def test_an_open_milestone_says_what_it_waits_for() -> None:
    html = renderer("html").render(sample_report())
    assert "<b>2 reserves</b>" not in html
    page = parse(html)
    [waiting] = page.with_class("waiting")
    assert waiting is not None
    text = page.all_text()
    assert "waiting for: 2 sample records not uploaded <b>2 reserves</b> not uploaded" in text
