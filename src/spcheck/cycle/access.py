"""Permissions as the rules see them, and which items' permissions a cycle reads.

A permission read costs 5 resource units, so a cycle reads only what may have
changed: items whose sharing delta reports as changed, and, at the sweep
interval (and on the first cycle, or after a resync), the inspection folder,
its policy folders and every item SharePoint marks as shared. What was read is
kept in the store and reused until it is read again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spcheck.cycle.sharing import identity
from spcheck.domain.snapshot import Access, Principal
from spcheck.graph.views import Permission


def to_access(path: str, permission: Permission, *, inherited: bool) -> Access:
    roles = tuple(role.lower() for role in permission.roles)
    common: dict[str, Any] = {
        "path": path,
        "permission_id": permission.id,
        "roles": roles,
        "expires_at": permission.expires_at,
        "inherited": inherited,
    }
    if permission.link is not None:
        emails = permission.emails()
        return Access(
            principal=Principal.LINK,
            link_scope=permission.link.scope,
            link_type=permission.link.type,
            email=emails[0] if emails else None,
            **common,
        )
    who = permission.granted_to
    principal = who.principal() if who is not None else None
    name = principal.display_name if principal is not None else None
    emails = permission.emails()
    if emails:
        return Access(principal=Principal.USER, email=emails[0], display_name=name, **common)
    if who is not None and who.site_group is not None:
        return Access(principal=Principal.SITE_GROUP, display_name=name, **common)
    if who is not None and who.group is not None:
        return Access(principal=Principal.GROUP, display_name=name, **common)
    if who is not None and who.application is not None:
        return Access(principal=Principal.APPLICATION, display_name=name, **common)
    if who is not None and (who.user is not None or who.site_user is not None):
        return Access(principal=Principal.USER, display_name=name, **common)
    return Access(principal=Principal.UNKNOWN, display_name=name, **common)


def classify(
    path: str, own: Sequence[Permission], parent: Sequence[Permission] | None
) -> tuple[Access, ...]:
    """An item's permissions, each marked inherited when its parent holds the same one.

    SharePoint libraries do not return ``inheritedFrom`` (OneDrive does): an entry that
    repeats the parent's (same id, roles, link and expiry) is taken as inherited.
    With the parent unknown nothing is assumed inherited, so nothing is waved through.
    """
    inherited = {identity(p) for p in parent} if parent is not None else set()
    return tuple(to_access(path, p, inherited=identity(p) in inherited) for p in own)


def encode(permissions: Iterable[Permission]) -> str:
    """Raw permissions for the store (paths change on rename; classification is per cycle)."""
    return json.dumps([p.model_dump(mode="json", by_alias=True) for p in permissions])


def decode(text: str) -> tuple[Permission, ...]:
    return tuple(Permission.model_validate(entry) for entry in json.loads(text))


def sweep_due(
    last_read: dt.datetime | None, now: dt.datetime, every: dt.timedelta, *, forced: bool
) -> bool:
    return forced or last_read is None or now - last_read >= every


def read_targets(
    *,
    sweep: bool,
    folder_ids: Iterable[str],
    shared_ids: Iterable[str],
    sharing_changed: Iterable[str],
    new_ids: Iterable[str],
    cached: Mapping[str, object],
) -> list[str]:
    """Item ids whose permissions this cycle reads, in a stable order, without repeats."""
    wanted: list[str] = []
    if sweep:
        wanted.extend(folder_ids)
        wanted.extend(shared_ids)
    else:
        # Folders never read before (a new inspection, a new folder) are read now.
        wanted.extend(i for i in folder_ids if i not in cached)
    wanted.extend(sharing_changed)
    wanted.extend(new_ids)
    return list(dict.fromkeys(wanted))
