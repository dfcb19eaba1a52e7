"""Narrowing the audit log to one person or one policy folder (``spcheck audit --who --folder``).

The inspection lead asks "who has been given, or could have opened, these
records?": the entries naming a person, and the entries about a folder (the
folder itself or anything below it), are the audit log's answer. Pure: the
filter is a value, applied to entries and to open intents alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spcheck.domain.policy import Policy
from spcheck.errors import InputError
from spcheck.store.records import AuditEntry, Intent

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Entries naming ``who`` (an address, lower case) and about ``folder`` (the policy folder's
    name under the inspection folder ``inspection_id``); None matches everything."""

    who: str | None = None
    inspection_id: str | None = None
    folder: str | None = None

    @property
    def active(self) -> bool:
        return self.who is not None or self.folder is not None

    def matches(self, entry: AuditEntry) -> bool:
        if self.who is not None and (entry.email or "").lower() != self.who:
            return False
        if self.folder is not None:
            # Paths are "<root folder>/<inspection id>/<folder name>/..."; the root folder
            # setting may have changed since, so the match is on what follows it.
            inside = f"/{self.inspection_id}/{self.folder}/"
            if inside not in f"/{entry.path}/":
                return False
        return True

    def entries(self, entries: Iterable[AuditEntry], limit: int | None) -> list[AuditEntry]:
        kept = [entry for entry in entries if self.matches(entry)]
        return kept if limit is None else kept[:limit]

    def intents(self, intents: Iterable[Intent]) -> list[Intent]:
        return [intent for intent in intents if self.matches(intent.entry)]


def audit_filter(
    who: str | None,
    folder_key: str | None,
    inspection_id: str | None,
    policy: Policy | None,
) -> AuditFilter:
    """The filter asked for on the command line; a bad value is one ``InputError`` line."""
    address = None
    if who is not None:
        address = who.strip().lower()
        if not _EMAIL.match(address):
            raise InputError("--who: not an email address")
    name = None
    if folder_key is not None:
        if inspection_id is None or policy is None:
            raise InputError("--folder: name the inspection too (spcheck audit ID --folder KEY)")
        found = next((f for f in policy.folders if f.key == folder_key.strip()), None)
        if found is None:
            keys: Sequence[str] = [f.key for f in policy.folders]
            raise InputError(
                f"--folder: {folder_key!r} is not a folder of this inspection's policy "
                f"(one of {', '.join(keys)})"
            )
        name = found.name
    return AuditFilter(who=address, inspection_id=inspection_id, folder=name)
