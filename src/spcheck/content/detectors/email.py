"""Email addresses (case-insensitive).

A person's address is reported at 0.90. A role mailbox (enquiries@, info@, noreply@ and
the like) names no one and is kept at 0.30 (not reported).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spcheck.content.detectors.interface import Detection, Detector, SegmentContext, TextSegment
from spcheck.domain.findings import mask

# Bounded repetitions keep this linear on hostile input; the local part may not start or
# end with a dot, the domain ends in an alphabetic top-level label.
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+'-])"
    r"(?P<local>[A-Za-z0-9_%+-](?:[A-Za-z0-9._%+'-]{0,62}[A-Za-z0-9_%+-])?)"
    r"@"
    r"(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24})"
    r"(?![A-Za-z0-9-])"
)

_AT = re.compile("@")
_ROLE_MAILBOX = frozenset(
    {
        "admin",
        "contact",
        "enquiries",
        "enquiry",
        "feedback",
        "hello",
        "help",
        "helpdesk",
        "info",
        "mail",
        "no-reply",
        "noreply",
        "office",
        "postmaster",
        "reception",
        "support",
        "webmaster",
    }
)


class EmailDetector(Detector):
    kind = "email"
    trigger = _AT
    needs_digit = False

    def detect(self, segment: TextSegment, context: SegmentContext) -> Iterator[Detection]:
        text = segment.text
        if "@" not in text:
            return
        for match in EMAIL.finditer(text):
            confidence = 0.30 if match.group("local").lower() in _ROLE_MAILBOX else 0.90
            start, end = match.span()
            yield Detection(
                self.kind, segment.location, mask(match.group()), confidence, start, end
            )
