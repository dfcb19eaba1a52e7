"""Which document-property values name a person, as opposed to a tool or a placeholder."""

from __future__ import annotations

import re

# Values that tools and default installs write: not a person or an organisation.
_GENERIC = re.compile(
    r"(?:python-docx|openpyxl|python-pptx|reportlab|anonymous|author|user|admin|administrator|"
    r"owner|unknown|windows user|microsoft office user|microsoft(?: \w+)*|adobe(?: \w+)*|"
    r"acrobat(?: \w+)*|apache poi|libreoffice|openoffice|pdf\w*(?: \w+)*|word|excel|"
    r"powerpoint|none|n/a|-)?",
    re.IGNORECASE,
)


def names_someone(value: str) -> bool:
    """True unless ``value`` is empty or a tool's or placeholder account's name."""
    return not _GENERIC.fullmatch(value.strip())
