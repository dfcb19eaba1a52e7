"""Who can read the records now: everyone with a permission on the folders that hold records.

For the inspection lead's question "who can open these records, from which
organisation, and until when". A permission counts on a records folder or
anything below it (a file shared on its own opens that record), inherited ones
included (the site's groups, a grant on the inspection folder, which also counts
for a records folder whose permissions were not listed); not one whose
own expiry has passed, nor the app's own. A person's organisation is the one the
definition gives them (``organisations``), else their email domain. Addresses
are masked as everywhere else. Pure: a function of the context.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from spcheck.domain.organisations import affiliations, organisation_of
from spcheck.domain.snapshot import Access, Principal
from spcheck.rules.interface import RecordReader, RuleContext
from spcheck.rules.privacy import mask_email

_RANK = {"read": 1, "write": 2, "owner": 3}
Kind = Literal["person", "group", "site_group", "link", "unknown"]


@dataclass
class _Reader:
    who: str
    kind: Kind
    email: str | None
    roles: set[str] = field(default_factory=set)
    folders: set[str] = field(default_factory=set)
    ends: list[dt.datetime | None] = field(default_factory=list)


def _identity(entry: Access) -> tuple[Kind, str, str | None] | None:
    """(kind, who as shown, email) of an entry; None for the app's own access."""
    if entry.principal is Principal.APPLICATION:
        return None
    if entry.principal is Principal.LINK or entry.link_scope is not None:
        return "link", f"{entry.link_scope or 'unknown'} link", None
    if entry.principal is Principal.SITE_GROUP:
        return "site_group", entry.display_name or "unnamed site group", None
    if entry.principal is Principal.GROUP:
        return "group", entry.display_name or "unnamed group", None
    if entry.email:
        return "person", mask_email(entry.email), entry.email.lower()
    return "unknown", "someone spcheck cannot name", None


def _highest(roles: Iterable[str]) -> str:
    ordered = sorted(roles, key=lambda role: _RANK.get(role.lower(), 0), reverse=True)
    return ordered[0] if ordered else "unknown"


def records_readers(ctx: RuleContext) -> tuple[RecordReader, ...] | None:
    """Who can read the records at ``ctx.as_of``; None when the permissions were not read."""
    access = ctx.snapshot.access
    if access is None:
        return None
    holding = {
        folder.name.casefold(): folder.key for folder in ctx.policy.folders if folder.holds_records
    }
    # A records folder whose permissions were not listed inherits the inspection folder's:
    # its entries count there, so that nobody who can open the records is left out.
    listed = {entry.path.split("/", 1)[0].casefold() for entry in access}
    unlisted = tuple(key for name, key in holding.items() if name not in listed)
    found: dict[tuple[str, str], _Reader] = {}
    for entry in access:
        if entry.expires_at is not None and entry.expires_at <= ctx.as_of:
            continue
        first = entry.path.split("/", 1)[0].casefold()
        keys = unlisted if not first else (holding[first],) if first in holding else ()
        if not keys:
            continue
        identity = _identity(entry)
        if identity is None:
            continue
        kind, who, email = identity
        reader = found.setdefault((kind, email or who), _Reader(who, kind, email))
        reader.roles.update(entry.roles)
        reader.folders.update(keys)
        reader.ends.append(entry.expires_at)
    named = affiliations(ctx.inspection)
    readers = []
    for reader in found.values():
        organisation = organisation_of(reader.email, named) if reader.email else None
        no_end = any(end is None for end in reader.ends)
        readers.append(
            RecordReader(
                who=reader.who,
                kind=reader.kind,
                organisation=organisation.name if organisation else None,
                organisation_from=organisation.source if organisation else None,
                role=_highest(reader.roles),
                folders=tuple(sorted(reader.folders)),
                until=None if no_end else max(e for e in reader.ends if e is not None),
                no_end=no_end,
            )
        )
    return tuple(sorted(readers, key=lambda r: (r.organisation or "~", r.kind, r.who)))
