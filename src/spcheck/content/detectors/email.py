"""Email addresses (case-insensitive).

A person's address is reported at 0.90. A role mailbox (enquiries@, info@, noreply@ and
the like) names no one and is kept at 0.30 (not reported).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spcheck.content.detectors.batch import SegmentBatch
from spcheck.content.detectors.interface import Detection, Detector
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

AT = re.compile("@")
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
    trigger = AT
    needs_digit = False

    def scan(self, batch: SegmentBatch) -> Iterator[tuple[int, Detection]]:
        kind, text, starts, ends = self.kind, batch.text, batch.starts, batch.ends
        # The address pattern is slow to scan (it starts with a look-behind): only the
        # segments holding an "@" are searched.
        for index in batch.hits(AT):
            for match in EMAIL.finditer(text, starts[index], ends[index]):
                confidence = 0.30 if match.group("local").lower() in _ROLE_MAILBOX else 0.90
                start, end = match.span()
                masked = mask(match.group())
                yield index, batch.detection(kind, index, masked, confidence, start, end)
