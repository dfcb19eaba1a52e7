"""What the inspection's folders and their direct permissions are now, read through the Gateway.

SharePoint does not say which permissions are inherited (no ``inheritedFrom``), so a
folder's direct permissions are those its parent does not also have
(same id, roles, link and expiry). Inherited site access is not the plan's
business; a group given access directly on an inspection folder is. A folder
whose permissions cannot be read stops the plan: a plan made without them could
miss access that must be removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from spcheck.graph.interface import Gateway
from spcheck.graph.views import DriveItem, Permission
from spcheck.provision.desired import DesiredState
from spcheck.provision.interface import StateUnreadable

Kind = Literal["person", "link", "group", "application", "unknown"]


@dataclass(frozen=True, slots=True)
class Access:
    """One permission, reduced to what planning needs."""

    permission_id: str
    roles: tuple[str, ...]
    kind: Kind
    email: str | None = None
    link_scope: str | None = None
    link_type: str | None = None
    expires_at: dt.datetime | None = None
    name: str | None = None  # a group's display name

    @property
    def identity(self) -> tuple[object, ...]:
        return (self.permission_id, tuple(sorted(self.roles)), self.link_scope, self.expires_at)

    def expired(self, as_of: dt.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= as_of


def access_of(permission: Permission) -> Access:
    expires = permission.expires_at
    common = {
        "permission_id": permission.id,
        "roles": tuple(role.lower() for role in permission.roles),
        "expires_at": expires,
    }
    if permission.link is not None:
        return Access(
            kind="link",
            link_scope=permission.link.scope,
            link_type=permission.link.type,
            **common,  # type: ignore[arg-type]
        )
    emails = permission.emails()
    if emails:
        return Access(kind="person", email=emails[0], **common)  # type: ignore[arg-type]
    who = permission.granted_to
    if who is not None and (who.group or who.site_group):
        group = who.site_group or who.group
        name = group.display_name if group is not None else None
        return Access(kind="group", name=name, **common)  # type: ignore[arg-type]
    if who is not None and who.application:
        return Access(kind="application", **common)  # type: ignore[arg-type]
    return Access(kind="unknown", **common)  # type: ignore[arg-type]


def direct_of(own: Sequence[Access], parent: Sequence[Access]) -> tuple[Access, ...]:
    inherited = {access.identity for access in parent}
    return tuple(access for access in own if access.identity not in inherited)


@dataclass(frozen=True, slots=True)
class ActualFolder:
    path: str
    item_id: str
    direct: tuple[Access, ...]


@dataclass(frozen=True, slots=True)
class ActualState:
    drive_id: str
    ids: Mapping[str, str]  # folder path (case-folded) -> item id, for every folder found
    folders: Mapping[str, ActualFolder]  # inspection folders found, by case-folded path

    def folder(self, path: str) -> ActualFolder | None:
        return self.folders.get(path.casefold())

    def item_id(self, path: str) -> str | None:
        return self.ids.get(path.casefold())


def _child_folder(children: Sequence[DriveItem], name: str) -> DriveItem | None:
    wanted = name.casefold()
    return next((c for c in children if (c.name or "").casefold() == wanted and c.is_folder), None)


async def read_actual(gateway: Gateway, drive_id: str, desired: DesiredState) -> ActualState:
    ids: dict[str, str] = {}
    parent_path = desired.ancestors[-1] if desired.ancestors else ""
    parent = await gateway.item_by_path(drive_id, parent_path)
    if parent is not None:
        ids[parent_path.casefold()] = parent.id
    root = await gateway.item_by_path(drive_id, desired.root_path) if parent is not None else None
    found: dict[str, DriveItem] = {}
    if root is not None:
        if not root.is_folder:
            raise StateUnreadable(
                f"{desired.root_path}: a file has the inspection folder's name; "
                "rename or move it, then plan again"
            )
        found[desired.root_path] = root
        children = await gateway.children(drive_id, root.id)
        for folder in desired.folders[1:]:
            match = _child_folder(children, folder.name)
            if match is not None:
                found[folder.path] = match
    for path, item in found.items():
        ids[path.casefold()] = item.id
    if parent is None or root is None:
        return ActualState(drive_id, MappingProxyType(ids), MappingProxyType({}))

    wanted = [parent.id, *(item.id for item in found.values())]
    result = await gateway.permissions_many(drive_id, wanted)
    unreadable = {**result.failed, **{item: "not found" for item in result.missing}}
    if unreadable:
        where = {item.id: path for path, item in found.items()} | {parent.id: parent_path}
        first = sorted(unreadable)[0]
        raise StateUnreadable(
            f"permissions of {where.get(first, first)} could not be read "
            f"({unreadable[first]}); nothing is planned without them"
        )
    permissions = {item: [access_of(p) for p in perms] for item, perms in result.found.items()}
    folders: dict[str, ActualFolder] = {}
    for path, item in found.items():
        above = parent.id if path == desired.root_path else root.id
        direct = direct_of(permissions[item.id], permissions[above])
        folders[path.casefold()] = ActualFolder(path=path, item_id=item.id, direct=direct)
    return ActualState(drive_id, MappingProxyType(ids), MappingProxyType(folders))
