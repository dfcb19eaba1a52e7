"""File rules (``file.*``) that need no parsing: type, size, emptiness; and the verdicts
on what parsing found about the container (macros, encryption)."""

from __future__ import annotations

from spcheck.content.extract import extension
from spcheck.domain.policy import FileRules

MACRO_EXTENSIONS = frozenset({"docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm"})


def precheck(data: bytes, file_name: str, rules: FileRules) -> list[tuple[str, str]]:
    """(rule, message) for each file rule broken before any parsing."""
    broken: list[tuple[str, str]] = []
    ext = extension(file_name)
    if not rules.allows(file_name):
        what = f".{ext} files are" if ext else "files without an extension are"
        broken.append(("file.type_not_allowed", f"{what} not allowed here"))
    if not data:
        broken.append(("file.empty", "the file is empty"))
    elif len(data) > rules.max_size_bytes:
        size = len(data) / (1024 * 1024)
        broken.append(
            ("file.too_large", f"{size:,.1f} MB, over the {rules.max_size_mb:,} MB limit")
        )
    if rules.refuse_macro_enabled and ext in MACRO_EXTENSIONS:
        broken.append(("file.macro_enabled", f"a macro-enabled .{ext} file"))
    return broken


def needs_parsing(data: bytes, rules: FileRules) -> bool:
    """False for files the checks refuse unread: empty, or over the size limit."""
    return 0 < len(data) <= rules.max_size_bytes
