"""Names and paths as SharePoint takes them: valid names, case-insensitive matching,
``rename`` numbering, MIME types by extension, and what counts as an email address.

Pure functions, no state; the item tree (``tree``, ``items``) and the sharing calls
(``access``) use them, and ``service`` checks recipients with ``is_email``.
"""

from __future__ import annotations

import mimetypes
import re

from spcheck.emulator.interface import InvalidRequest

_INVALID_NAME_CHARS = frozenset('"*:<>?/\\|')
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MIME_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docm": "application/vnd.ms-word.document.macroEnabled.12",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".txt": "text/plain",
}


def name_key(name: str) -> str:
    """The key a name is kept under in its folder: SharePoint matches names case-insensitively."""
    return name.casefold()


def split_path(path: str) -> list[str]:
    return [part for part in path.strip("/").split("/") if part]


def is_email(text: str) -> bool:
    return _EMAIL.fullmatch(text.strip()) is not None


def check_name(name: str) -> str:
    """Refuse names SharePoint refuses; return the name unchanged."""
    if (
        not name
        or name != name.strip()
        or name in (".", "..")
        or name.endswith(".")
        or len(name) > 255
        or any(char in _INVALID_NAME_CHARS for char in name)
    ):
        raise InvalidRequest(f"The name '{name}' is not valid for a SharePoint item")
    return name


def mime_type_for(name: str) -> str:
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    return _MIME_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def renamed(name: str, attempt: int, is_folder: bool) -> str:
    """The ``attempt``-th alternative name for ``conflictBehavior: rename``."""
    stem, dot, suffix = name.rpartition(".")
    if is_folder or not dot or not stem:
        return f"{name} {attempt}"
    return f"{stem} {attempt}.{suffix}"
