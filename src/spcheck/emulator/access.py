"""Access to items: invitations, site-group grants, sharing links, removal, and checks.

The inheritance rules themselves (which item's permissions apply, who a permission
covers) are in ``sharing``; this part changes the state. Granting on an item that
inherits breaks its inheritance first, copying the inherited entries unless the
caller asked not to retain them. Each change is a sharing change for delta.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from spcheck.emulator import ids
from spcheck.emulator.interface import AccessDenied, InvalidRequest, ItemNotFound
from spcheck.emulator.model import DriveItem, Identity, Permission, User
from spcheck.emulator.names import is_email
from spcheck.emulator.sharing import ROLE_RANK, best_role, effective_permissions, source_of
from spcheck.emulator.tree import Tree

LINK_TYPES = ("view", "edit", "embed")
EXTERNAL_SHARING = ("new-and-existing-guests", "existing-guests", "disabled")
LINK_SCOPES = ("anonymous", "organization", "users")
GRANT_ROLES = ("read", "write", "owner")


class Access(Tree):
    """Who has access to each item, and the operations that change it."""

    def permissions(self, drive_id: str, item_id: str) -> list[Permission]:
        """The item's effective permissions (inherited or its own), as Graph lists them."""
        with self.lock:
            return effective_permissions(self.items, self.get_item(drive_id, item_id))

    def _break_inheritance(self, item: DriveItem, retain: bool) -> None:
        if item.inherits:
            inherited = effective_permissions(self.items, item) if retain else []
            item.own_permissions = inherited
            item.inherits = False

    def set_external_sharing(self, setting: str) -> None:
        """The tenant's external-sharing setting, one of ``EXTERNAL_SHARING``."""
        if setting not in EXTERNAL_SHARING:
            raise ValueError(f"external sharing must be one of {', '.join(EXTERNAL_SHARING)}")
        with self.lock:
            self.external_sharing = setting

    def check_external_sharing(self, emails: Iterable[str], *, app_only: bool = False) -> None:
        """Refuse an invitation the tenant's external-sharing setting forbids, before anything
        is made: with ``disabled`` anyone who is not a member of the organisation, with
        ``existing-guests`` anyone not yet in the directory (a guest it would have to create).
        An app signed in as itself (``app_only``) may never create a guest, whatever the
        setting: Microsoft's invite reference says app-only requests invite existing guests
        only, so it is held to ``existing-guests`` at most.

        Graph's answer is 403 ``accessDenied``; the message is Graph's generic one, as
        reported by apps that met the setting (its exact wording is not documented).
        """
        with self.lock:
            setting = self.external_sharing
            if app_only and setting == "new-and-existing-guests":
                setting = "existing-guests"
            if setting == "new-and-existing-guests":
                return
            for email in emails:
                user = self.user(email)
                if setting == "disabled":
                    outside = user.guest if user is not None else not self._in_tenant(email)
                    if outside:
                        raise AccessDenied("Access denied")
                elif user is None and not self._in_tenant(email):
                    raise AccessDenied("Access denied")

    def _in_tenant(self, email: str) -> bool:
        return email.strip().rpartition("@")[2].lower() == self.tenant_domain

    def grant(
        self,
        drive_id: str,
        item_id: str,
        email: str,
        roles: list[str],
        *,
        expires: datetime | None = None,
        require_sign_in: bool = True,
        retain_inherited: bool = True,
        send_invitation: bool = False,
        message: str | None = None,
    ) -> Permission:
        """Give ``email`` ``roles`` on the item (an invitation if the person is not a user)."""
        with self.lock:
            return self.share_with(
                self.get_item(drive_id, item_id),
                email,
                roles,
                expires=expires,
                require_sign_in=require_sign_in,
                retain_inherited=retain_inherited,
                send_invitation=send_invitation,
                message=message,
            )

    def grant_site_group(
        self, drive_id: str, item_id: str, name: str, role: str, *, members: Iterable[str] = ()
    ) -> Permission:
        """Give a site group ``role`` on the item itself, as a site owner can in Manage access."""
        with self.lock:
            if role not in GRANT_ROLES:
                raise InvalidRequest(f"roles must be taken from {', '.join(GRANT_ROLES)}")
            item = self.get_item(drive_id, item_id)
            site = self.site_for_drive(drive_id)
            group_id = ids.group_permission_id(site.id, name)
            permission = self._group_permission(site.id, name, role, members, self.now(), group_id)
            self._break_inheritance(item, retain=True)
            item.own_permissions = [p for p in item.own_permissions if p.id != permission.id]
            item.own_permissions.append(permission)
            self._touch(item, sharing=True)
            return permission

    def share_with(
        self,
        item: DriveItem,
        email: str,
        roles: list[str],
        *,
        expires: datetime | None = None,
        require_sign_in: bool = True,
        retain_inherited: bool = True,
        send_invitation: bool = False,
        message: str | None = None,
        invited_by: Identity | None = None,
    ) -> Permission:
        with self.lock:
            if not roles or any(role not in GRANT_ROLES for role in roles):
                raise InvalidRequest(f"roles must be taken from {', '.join(GRANT_ROLES)}")
            if not is_email(email):
                raise InvalidRequest(f"'{email}' is not a valid email address")
            if expires is not None:
                expires = self._aware(expires, "expirationDateTime")
                if expires <= self.now():
                    raise InvalidRequest("expirationDateTime must be in the future")
            user = self.user(email)
            if user is None:
                # The invitee gets a guest account, as SharePoint's Entra B2B sharing makes
                # one: they sign in with it and act with the granted role (``require``)
                # until the grant expires or is removed. The entry stays an invitation.
                self.add_user(email.strip(), email.strip(), invited=True)
            permission = Permission(
                id=ids.user_permission_id(email),
                roles=tuple(dict.fromkeys(roles)),
                created=self.now(),
                granted_to=user.identity() if user is not None else None,
                invitation_email=None if user is not None else email.strip(),
                sign_in_required=require_sign_in,
                expires=expires,
            )
            self._break_inheritance(item, retain_inherited)
            item.own_permissions = [p for p in item.own_permissions if p.id != permission.id] + [
                permission
            ]
            self._touch(item, sharing=True)
            if send_invitation:
                self.invitations_sent.append(
                    {
                        "to": email.strip(),
                        "item": self.path_of(item),
                        "roles": list(permission.roles),
                        "message": message,
                        "requireSignIn": require_sign_in,
                        "invitedBy": (invited_by or self.app_identity).display_name,
                    }
                )
            return permission

    def create_link(
        self,
        drive_id: str,
        item_id: str,
        type: str,
        scope: str,
        *,
        expires: datetime | None = None,
        retain_inherited: bool = True,
    ) -> Permission:
        """A sharing link on the item (tests plant anonymous and organization links this way)."""
        with self.lock:
            item = self.get_item(drive_id, item_id)
            return self.add_link(
                item, type, scope, expires=expires, retain_inherited=retain_inherited
            )[0]

    def add_link(
        self,
        item: DriveItem,
        link_type: str,
        scope: str,
        *,
        expires: datetime | None = None,
        retain_inherited: bool = True,
    ) -> tuple[Permission, bool]:
        """The link and whether it is new (an equal link is reused, as Graph does)."""
        with self.lock:
            if link_type not in LINK_TYPES:
                raise InvalidRequest(f"type must be one of {', '.join(LINK_TYPES)}")
            if scope not in LINK_SCOPES:
                raise InvalidRequest(f"scope must be one of {', '.join(LINK_SCOPES)}")
            if not item.inherits:
                for existing in item.own_permissions:
                    if existing.link_type == link_type and existing.link_scope == scope:
                        return existing, False
            site = self.site_for_drive(item.drive_id)
            link_id = self.ids.link_id()
            code = "E" + uuid.UUID(link_id).hex[:21]
            kind = "f" if item.is_folder else "u"
            permission = Permission(
                id=link_id,
                roles=("write",) if link_type == "edit" else ("read",),
                created=self.now(),
                link_type=link_type,
                link_scope=scope,
                link_url=f"https://{site.hostname}/:{kind}:/s/{site.name}/{code}",
                expires=self._aware(expires, "expirationDateTime") if expires is not None else None,
            )
            self._break_inheritance(item, retain_inherited)
            item.own_permissions = [*item.own_permissions, permission]
            self._touch(item, sharing=True)
            return permission, True

    def remove_permission(self, drive_id: str, item_id: str, permission_id: str) -> None:
        with self.lock:
            self.revoke(self.get_item(drive_id, item_id), permission_id)

    def revoke(self, item: DriveItem, permission_id: str) -> None:
        with self.lock:
            source = source_of(self.items, item)
            if not any(p.id == permission_id for p in source.own_permissions):
                raise ItemNotFound(f"The permission '{permission_id}' was not found on this item")
            if source.id != item.id:
                raise AccessDenied("The permission is inherited; remove it where it is granted")
            item.own_permissions = [p for p in item.own_permissions if p.id != permission_id]
            self._touch(item, sharing=True)

    def require(self, user: User | None, item: DriveItem, need: str) -> None:
        """Refuse an acting user without ``need`` (read|write|owner) on the item; the app passes."""
        if user is None or not self.enforce_permissions:
            return
        rank = best_role(effective_permissions(self.items, item), user, self.now())
        if rank < ROLE_RANK[need]:
            raise AccessDenied(f"{user.email} does not have {need} access to this item")
