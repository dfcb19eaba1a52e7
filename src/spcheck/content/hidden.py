"""Hidden-data findings (``content.hidden_data``) from what extraction recorded.

Un-applied PDF redaction annotations are resolved here against the page's characters:
the annotation marks text for removal, but until it is applied the text is all there.
"""

from __future__ import annotations

from collections.abc import Callable

from spcheck.content.interface import Box, Extraction, HiddenItem, PdfChar
from spcheck.domain.findings import Finding, Severity, mask
from spcheck.domain.policy import ContentRules

RULE = "content.hidden_data"


def text_under(box: Box, chars: tuple[PdfChar, ...], share: float = 0.5) -> str:
    """The characters mostly inside ``box``, in reading order."""
    inside = [
        char
        for char in chars
        if char.box.area > 0 and char.box.overlap(box) >= share * char.box.area
    ]
    inside.sort(key=lambda c: (c.line, c.box.x0))
    return "".join(c.text for c in inside)


def _level(item: HiddenItem, rules: ContentRules, level: Severity) -> Severity | None:
    """The severity ``item`` is reported at, or None when the policy does not report it:
    a document property only where identifiers are forbidden, of the kinds and at the
    severity the folder's ``properties`` say."""
    if item.property is None:
        return level
    if rules.identifiers != "forbid" or item.property not in rules.properties.report:
        return None
    return rules.properties.severity


def hidden_findings(
    extraction: Extraction, path: str, severity: Callable[[str], Severity], rules: ContentRules
) -> list[Finding]:
    level = severity(RULE)
    findings = [
        Finding(
            RULE,
            item_level,
            item.description,
            path=path,
            kind=item.kind,
            location=item.location,
            masked=item.masked,
        )
        for item in extraction.hidden
        if (item_level := _level(item, rules, level)) is not None
    ]
    for page in extraction.pages:
        for number, box in enumerate(page.redact_annotations, start=1):
            text = text_under(box, page.chars).strip()
            if text:
                message = (
                    "a redaction marked but never applied: the "
                    f"{len(text)} characters under it are still in the file"
                )
            else:
                message = "a redaction marked but never applied"
            findings.append(
                Finding(
                    RULE,
                    level,
                    message,
                    path=path,
                    kind="pdf_unapplied_redaction",
                    location=f"{page.label} redaction {number}",
                    masked=mask(text) if text else None,
                )
            )
    return findings
