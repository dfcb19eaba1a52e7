"""Who may do what to an item: SharePoint's inheritance of permissions, without HTTP.

An item inherits the permissions of its nearest ancestor whose inheritance is
broken (the library root always has its own). Sharing an item breaks its
inheritance: the inherited entries are copied onto it (unless the caller asked not
to retain them) and the new entry is added.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from spcheck.emulator.model import DriveItem, Permission, User

# What a role allows, in order: a role ranks at least as high as the access it grants.
ROLE_RANK = {"read": 1, "write": 2, "owner": 3}


def source_of(items: Mapping[str, DriveItem], item: DriveItem) -> DriveItem:
    """The item whose own permissions apply to ``item`` (itself or an ancestor)."""
    node = item
    while node.inherits and node.parent_id is not None:
        node = items[node.parent_id]
    return node


def effective_permissions(items: Mapping[str, DriveItem], item: DriveItem) -> list[Permission]:
    return list(source_of(items, item).own_permissions)


def applies_to(permission: Permission, user: User | None) -> bool:
    """Whether ``permission`` gives ``user`` (None: an anonymous visitor) its roles."""
    if permission.link_scope == "anonymous":
        return True
    if user is None:
        return False
    email = user.email.lower()
    if permission.link_scope == "organization":
        return not user.guest
    if permission.granted_to is not None and (permission.granted_to.email or "").lower() == email:
        return True
    if permission.invitation_email is not None and permission.invitation_email.lower() == email:
        return True
    return email in permission.members


def best_role(permissions: Iterable[Permission], user: User | None, now: datetime) -> int:
    """The highest role rank ``user`` holds through ``permissions`` (0: none)."""
    rank = 0
    for permission in permissions:
        if permission.expired(now) or not applies_to(permission, user):
            continue
        rank = max([rank, *(ROLE_RANK.get(role, 0) for role in permission.roles)])
    return rank


def shared_scope(permissions: Iterable[Permission]) -> str:
    """The widest audience of an item's own permissions, as Graph's ``shared.scope``."""
    scopes = {permission.link_scope for permission in permissions}
    if "anonymous" in scopes:
        return "anonymous"
    if "organization" in scopes:
        return "organization"
    return "users"
