"""The tenant's directory: users (and their mailboxes) and sites with their libraries.

A user is a guest when their email domain is not the tenant's (unless told
otherwise). A site comes with one document library, whose root carries the
permissions of the site's Owners and Members groups. Mail is only recorded, for
tests to read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from spcheck.emulator import ids
from spcheck.emulator.core import StateCore
from spcheck.emulator.interface import AccessDenied, ItemNotFound, MailboxNotFound
from spcheck.emulator.model import DriveItem, Identity, Permission, Site, User
from spcheck.emulator.names import is_email

_SYSTEM = Identity("user", "00000000-0000-0000-0000-000000000000", "System Account")


class Directory(StateCore):
    """Users, the acting identity, sites and their drives, and recorded mail."""

    # users ------------------------------------------------------------------

    def add_user(
        self, email: str, display_name: str, *, guest: bool | None = None, invited: bool = False
    ) -> User:
        """Add a person; ``guest`` defaults to "email domain is not the tenant's";
        ``invited``: the account was made by an invitation to share."""
        with self.lock:
            address = email.strip()
            if not is_email(address):
                raise ValueError(f"not an email address: {email!r}")
            if address.lower() in self.users:
                raise ValueError(f"user {address} already exists")
            domain = address.rpartition("@")[2].lower()
            user = User(
                id=ids.user_id(address),
                email=address,
                display_name=display_name,
                guest=domain != self.tenant_domain if guest is None else guest,
                invited=invited,
            )
            self.users[address.lower()] = user
            return user

    def user(self, email_or_id: str) -> User | None:
        """A user by email (any case) or by id."""
        found = self.users.get(email_or_id.strip().lower())
        if found is not None:
            return found
        return next((user for user in self.users.values() if user.id == email_or_id), None)

    def acting(self, email: str | None) -> tuple[Identity, User | None]:
        """The identity for an action: the named user, or the app when ``email`` is None."""
        if email is None:
            return self.app_identity, None
        user = self.user(email)
        if user is None:
            raise AccessDenied(f"'{email}' is not a user of this tenant")
        return user.identity(), user

    # sites and drives -------------------------------------------------------

    def add_site(
        self,
        hostname: str,
        path: str,
        *,
        display_name: str | None = None,
        owners: Iterable[str] = (),
        members: Iterable[str] = (),
    ) -> Site:
        """A site with its document library; ``owners``/``members`` fill its two site groups."""
        with self.lock:
            path = "/" + path.strip("/")
            if "." not in hostname or not path.startswith("/sites/") or len(path) <= len("/sites/"):
                raise ValueError(f"expected a hostname and /sites/path, got {hostname!r} {path!r}")
            site_id = ids.site_id(hostname, path)
            if site_id in self.sites:
                raise ValueError(f"site {hostname}:{path} already exists")
            now = self.now()
            title = display_name or path.rpartition("/")[2].replace("-", " ").title()
            drive_id = ids.drive_id(site_id)
            root = DriveItem(
                id=self.ids.item_id(),
                drive_id=drive_id,
                name="root",
                parent_id=None,
                is_folder=True,
                created=now,
                modified=now,
                created_by=_SYSTEM,
                modified_by=_SYSTEM,
                etag_id=self.ids.guid("etag").upper(),
                inherits=False,
            )
            root.own_permissions = [
                self._group_permission(site_id, f"{title} Owners", "owner", owners, now, "3"),
                self._group_permission(site_id, f"{title} Members", "write", members, now, "5"),
            ]
            self.items[root.id] = root
            self._children[root.id] = {}
            self._drive_items[drive_id] = [root.id]
            self._touch(root)
            site = Site(site_id, hostname, path, title, drive_id, root.id, now)
            self.sites[site_id] = site
            return site

    @staticmethod
    def _group_permission(
        site_id: str, name: str, role: str, emails: Iterable[str], now: datetime, group_id: str
    ) -> Permission:
        return Permission(
            id=ids.group_permission_id(site_id, name),
            roles=(role,),
            created=now,
            granted_to=Identity("siteGroup", group_id, name),
            members=frozenset(email.lower() for email in emails),
        )

    def site_by_path(self, hostname: str, path: str) -> Site | None:
        wanted = (hostname.lower(), "/" + path.strip("/").lower())
        return next(
            (
                site
                for site in self.sites.values()
                if (site.hostname.lower(), site.path.lower()) == wanted
            ),
            None,
        )

    def site_for_drive(self, drive_id: str) -> Site:
        site = next((site for site in self.sites.values() if site.drive_id == drive_id), None)
        if site is None:
            raise ItemNotFound(f"The drive '{drive_id}' was not found")
        return site

    # mail -------------------------------------------------------------------

    def record_mail(
        self, sender: str, message: dict[str, Any], *, save_to_sent_items: bool
    ) -> dict[str, Any]:
        """Keep a sendMail request for inspection (``state.sent_mail``)."""
        with self.lock:
            user = self.user(sender)
            if user is None:
                raise MailboxNotFound(f"The mailbox '{sender}' was not found")
            recorded = {
                "from": user.email,
                "message": message,
                "saveToSentItems": save_to_sent_items,
                "sentDateTime": self.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            self.sent_mail.append(recorded)
            return recorded
