"""The runbooks a report refers to, rendered into the HTML page itself.

The HTML report is read wherever it is saved or mailed (the demo's output
folder, a blob container, an attachment), where a link to ``runbooks/x.md``
leads nowhere; so the page carries the runbooks its findings cite, and each
finding links to its section in the page. Markdown is rendered by
markdown-it-py with raw HTML off, and links are rewritten: to another embedded
runbook they become in-page anchors; relative links that would not resolve
lose their target and keep their text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import markupsafe

_REFERENCE = re.compile(r"^runbooks/(?P<file>[a-z0-9-]+)\.md(?:#(?P<anchor>[a-z0-9_-]+))?$")
_SLUG_DROP = re.compile(r"[^\w\- ]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class EmbeddedRunbook:
    """One runbook as the page shows it."""

    name: str  # the file's stem, "records"
    title: str
    anchor: str  # the id of its section in the page
    html: markupsafe.Markup


def runbooks_dir() -> Path:
    """The runbooks shipped with spcheck (in the wheel, or beside src/ in a checkout)."""
    inside = Path(__file__).parents[1] / "_runbooks"
    return inside if inside.is_dir() else Path(__file__).parents[3] / "runbooks"


def slug(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return _SLUG_DROP.sub("", heading.strip().lower()).replace(" ", "-")


def section_id(name: str, anchor: str | None = None) -> str:
    return f"runbook-{name}" + (f"-{anchor}" if anchor else "")


def page_link(reference: str | None) -> str | None:
    """The in-page target for a rule's ``runbooks/<file>.md#<anchor>``, None if it is not one."""
    found = _REFERENCE.match(reference or "")
    if found is None:
        return None
    return "#" + section_id(found["file"], found["anchor"])


def _rewrite(href: str, name: str, known: frozenset[str]) -> str | None:
    if href.startswith(("https://", "http://", "mailto:")):
        return href
    if href.startswith("#"):
        return "#" + section_id(name, href[1:])
    target, _, anchor = href.partition("#")
    stem = Path(target).name.removesuffix(".md")
    if target.endswith(".md") and stem in known:
        return "#" + section_id(stem, anchor or None)
    return None


def render(name: str, text: str, known: frozenset[str]) -> EmbeddedRunbook:
    """One runbook's Markdown as safe HTML, its headings and links made to work in the page.

    ``known`` names the runbooks in the same page, the only ones a link may lead to.
    """
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False})
    tokens = md.parse(text)
    title = name
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            heading = tokens[index + 1].content
            if token.tag == "h1" and title == name:
                title = heading
            token.attrSet("id", section_id(name, slug(heading)))
            # The page's own headings go down to h3; a runbook's sit below them.
            level = min(6, int(token.tag[1]) + 3)
            token.tag = f"h{level}"
            tokens[index + 2].tag = f"h{level}"
        for child in token.children or ():
            if child.type == "link_open":
                href = _rewrite(str(child.attrGet("href") or ""), name, known)
                if href is None:
                    child.attrs.pop("href", None)
                else:
                    child.attrSet("href", href)
    html = md.renderer.render(tokens, md.options, {})
    # Safe to mark: raw HTML is off, so markdown-it escaped every character of the source.
    return EmbeddedRunbook(name, title, section_id(name), markupsafe.Markup(html))  # noqa: S704


@cache
def _shipped() -> Mapping[str, str]:
    directory = runbooks_dir()
    if not directory.is_dir():
        return {}
    return {path.stem: path.read_text(encoding="utf-8") for path in directory.glob("*.md")}


def embedded(references: Iterable[str | None]) -> list[EmbeddedRunbook]:
    """The shipped runbooks that ``references`` cite, each once, in the order first cited."""
    shipped = _shipped()
    names: list[str] = []
    for reference in references:
        found = _REFERENCE.match(reference or "")
        if found and found["file"] in shipped and found["file"] not in names:
            names.append(found["file"])
    # A link to a runbook that is not in the page could only dangle, so it keeps its text only.
    in_page = frozenset(names)
    return [render(name, shipped[name], in_page) for name in names]
