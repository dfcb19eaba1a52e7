"""The emulated tenant as a pure model: no HTTP here (HTTP lives in ``app`` and ``service``).

``EmulatorState`` holds users, sites with one document library each, drive items
(folders, files and the tombstones of deleted ones), permissions per item, the
change log that feeds delta, recorded mail and request statistics. Tests and the
demo call its methods directly to plant data; the HTTP layer calls the same
methods on behalf of an acting user.

Timestamps come from ``state.clock`` (settable; it must return aware datetimes), or
from ``at=`` on ``upload`` so a test can place an upload in week 3. Permission
checks apply to an acting user (``X-Emulator-User``); direct Python calls plant data
without them, and requests with no acting user act as the app, which has full
control (as an app granted the site would).
"""

from __future__ import annotations

import mimetypes
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from spcheck.emulator import ids
from spcheck.emulator.hashing import quick_xor_hash
from spcheck.emulator.interface import (
    AccessDenied,
    InvalidRequest,
    ItemNotFound,
    MailboxNotFound,
    NameConflict,
    PayloadTooLarge,
)
from spcheck.emulator.model import DriveItem, Identity, Permission, Site, User
from spcheck.emulator.sharing import NEED_RANK, best_role, effective_permissions, source_of
from spcheck.emulator.stats import RequestStats

MAX_SIMPLE_UPLOAD = 250 * 1024 * 1024
CONFLICT_BEHAVIOURS = ("fail", "replace", "rename")
LINK_TYPES = ("view", "edit", "embed")
LINK_SCOPES = ("anonymous", "organization", "users")
GRANT_ROLES = ("read", "write", "owner")
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
_SYSTEM = Identity("user", "00000000-0000-0000-0000-000000000000", "System Account")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _casefold(name: str) -> str:
    return name.casefold()


def _split_path(path: str) -> list[str]:
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


def _renamed(name: str, attempt: int, is_folder: bool) -> str:
    stem, dot, suffix = name.rpartition(".")
    if is_folder or not dot or not stem:
        return f"{name} {attempt}"
    return f"{stem} {attempt}.{suffix}"


class EmulatorState:
    """Users, sites, drive items, permissions, the change log, mail and request stats."""

    def __init__(
        self,
        clock: Callable[[], datetime] | None = None,
        *,
        tenant_domain: str = "careinspectorate.example",
        app_display_name: str = "spcheck",
    ) -> None:
        self.clock: Callable[[], datetime] = clock or _utc_now
        self.tenant_domain = tenant_domain.lower()
        self.ids = ids.IdFactory()
        self.app_identity = Identity(
            "application", ids.user_id(f"app:{app_display_name}"), app_display_name
        )
        self.enforce_permissions = True
        self.users: dict[str, User] = {}
        self.sites: dict[str, Site] = {}
        self.items: dict[str, DriveItem] = {}
        self.sent_mail: list[dict[str, Any]] = []
        self.invitations_sent: list[dict[str, Any]] = []
        self.stats = RequestStats()
        self.lock = threading.RLock()
        self.delta_epoch = 0
        self.delta_snapshots: OrderedDict[str, tuple[int, int, list[str]]] = OrderedDict()
        self._children: dict[str, dict[str, str]] = {}
        self._drive_items: dict[str, list[str]] = {}
        self._seq = 0

    # time and the change log ------------------------------------------------

    def now(self) -> datetime:
        return self._aware(self.clock(), "the state's clock")

    @staticmethod
    def _aware(value: datetime, what: str) -> datetime:
        """UTC to the second, the precision SharePoint keeps; naive datetimes are refused."""
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{what} must give timezone-aware datetimes, got {value!r}")
        return value.astimezone(UTC).replace(microsecond=0)

    @property
    def change_seq(self) -> int:
        """Position of the latest change; delta tokens remember one."""
        return self._seq

    def _touch(self, item: DriveItem, *, sharing: bool = False) -> None:
        self._seq += 1
        if sharing:
            item.sharing_seq = self._seq
        else:
            item.content_seq = self._seq

    def expire_delta_tokens(self) -> None:
        """Make every issued delta and next link stale: the next call gets 410 resyncRequired."""
        with self.lock:
            self.delta_epoch += 1
            self.delta_snapshots.clear()

    # users ------------------------------------------------------------------

    def add_user(self, email: str, display_name: str, *, guest: bool | None = None) -> User:
        """Add a person; ``guest`` defaults to "email domain is not the tenant's"."""
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

    # reading items ----------------------------------------------------------

    def root(self, drive_id: str) -> DriveItem:
        return self.items[self.site_for_drive(drive_id).root_id]

    def get_item(self, drive_id: str, item_id: str) -> DriveItem:
        """A live item by id (``root`` is the library root); ``ItemNotFound`` otherwise."""
        if item_id.lower() == "root":
            return self.root(drive_id)
        self.site_for_drive(drive_id)
        item = self.items.get(item_id)
        if item is None or item.deleted or item.drive_id != drive_id:
            raise ItemNotFound("The resource could not be found.")
        return item

    def resolve(self, start: DriveItem, path: str) -> DriveItem | None:
        """The live item at ``path`` below ``start``, names matched case-insensitively."""
        node = start
        for part in _split_path(path):
            child_id = self._children.get(node.id, {}).get(_casefold(part))
            if child_id is None:
                return None
            node = self.items[child_id]
        return node

    def item_by_path(self, drive_id: str, path: str) -> DriveItem | None:
        with self.lock:
            return self.resolve(self.root(drive_id), path)

    def children(self, drive_id: str, item_id: str) -> list[DriveItem]:
        """Live children in a stable order (by name, then id)."""
        with self.lock:
            parent = self.get_item(drive_id, item_id)
            kids = [self.items[child] for child in self._children.get(parent.id, {}).values()]
            return sorted(kids, key=lambda item: (_casefold(item.name), item.id))

    def drive_items(self, drive_id: str) -> Iterator[DriveItem]:
        """Every item of a drive ever created, tombstones included, oldest first."""
        for item_id in self._drive_items.get(drive_id, []):
            yield self.items[item_id]

    def path_of(self, item: DriveItem) -> str:
        """Path below the library root, e.g. ``Inspections/glenmorven-2026/PIR.xlsx``."""
        parts: list[str] = []
        node = item
        while node.parent_id is not None:
            parts.append(node.name)
            node = self.items[node.parent_id]
        return "/".join(reversed(parts))

    def depth_of(self, item: DriveItem) -> int:
        depth = 0
        node = item
        while node.parent_id is not None:
            depth += 1
            node = self.items[node.parent_id]
        return depth

    def child_count(self, item: DriveItem) -> int:
        return len(self._children.get(item.id, {}))

    def size_of(self, item: DriveItem) -> int:
        """A file's length; a folder's total, as SharePoint reports it."""
        if not item.is_folder:
            return len(item.content)
        return sum(
            self.size_of(self.items[child]) for child in self._children.get(item.id, {}).values()
        )

    def is_within(self, item: DriveItem, ancestor: DriveItem) -> bool:
        node: DriveItem | None = item
        while node is not None:
            if node.id == ancestor.id:
                return True
            node = self.items[node.parent_id] if node.parent_id is not None else None
        return False

    # creating and changing items ---------------------------------------------

    def _new_item(
        self, parent: DriveItem, name: str, actor: Identity, at: datetime, *, folder: bool
    ) -> DriveItem:
        item = DriveItem(
            id=self.ids.item_id(),
            drive_id=parent.drive_id,
            name=name,
            parent_id=parent.id,
            is_folder=folder,
            created=at,
            modified=at,
            created_by=actor,
            modified_by=actor,
            etag_id=self.ids.guid("etag").upper(),
        )
        self.items[item.id] = item
        self._drive_items[item.drive_id].append(item.id)
        self._children[parent.id][_casefold(name)] = item.id
        if folder:
            self._children[item.id] = {}
        return item

    def _settle_name(
        self,
        parent: DriveItem,
        name: str,
        conflict: str,
        *,
        folder: bool,
        moving: DriveItem | None = None,
    ) -> tuple[str, DriveItem | None]:
        """The name to use under ``parent`` and the item a ``replace`` displaces, if any."""
        if conflict not in CONFLICT_BEHAVIOURS:
            raise InvalidRequest(
                f"conflictBehavior must be one of {', '.join(CONFLICT_BEHAVIOURS)}"
            )
        if not parent.is_folder:
            raise InvalidRequest("The parent of an item must be a folder")
        taken = self._children[parent.id]
        existing_id = taken.get(_casefold(name))
        if existing_id is None or (moving is not None and existing_id == moving.id):
            return name, None
        if conflict == "fail":
            raise NameConflict(f"The specified item name already exists. Name: {name}")
        if conflict == "replace":
            return name, self.items[existing_id]
        attempt = 1
        while _casefold(_renamed(name, attempt, folder)) in taken:
            attempt += 1
        return _renamed(name, attempt, folder), None

    def ensure_folders(
        self, drive_id: str, path: str, actor: Identity, at: datetime | None = None
    ) -> DriveItem:
        """The folder at ``path``, creating missing folders on the way."""
        with self.lock:
            node = self.root(drive_id)
            when = at or self.now()
            for part in _split_path(path):
                found = self.resolve(node, part)
                if found is None:
                    found = self._new_item(node, check_name(part), actor, when, folder=True)
                    self._touch(found)
                elif not found.is_folder:
                    raise NameConflict(f"'{self.path_of(found)}' is a file, not a folder")
                node = found
            return node

    def add_folder(
        self, parent: DriveItem, name: str, actor: Identity, *, conflict: str = "fail"
    ) -> DriveItem:
        """Create a folder under a live folder (the HTTP path)."""
        with self.lock:
            name, displaced = self._settle_name(parent, check_name(name), conflict, folder=True)
            if displaced is not None and not displaced.is_folder:
                raise NameConflict(f"A file named '{name}' already exists here")
            if displaced is not None:
                self._delete(displaced)
            folder = self._new_item(parent, name, actor, self.now(), folder=True)
            self._touch(folder)
            return folder

    def create_folder(
        self,
        drive_id: str,
        parent_path: str,
        name: str,
        *,
        user: str | None = None,
        conflict: str = "fail",
    ) -> DriveItem:
        """Create ``name`` under ``parent_path`` ("" for the root), creating missing parents."""
        with self.lock:
            actor, _ = self.acting(user)
            parent = self.ensure_folders(drive_id, parent_path, actor)
            return self.add_folder(parent, name, actor, conflict=conflict)

    def put_content(
        self,
        parent: DriveItem,
        name: str,
        content: bytes,
        actor: Identity,
        *,
        at: datetime | None = None,
        conflict: str = "replace",
    ) -> tuple[DriveItem, bool]:
        """Simple upload into a live folder; returns the file and whether it is new."""
        with self.lock:
            if len(content) > MAX_SIMPLE_UPLOAD:
                raise PayloadTooLarge("Simple upload is limited to 250 MB; use an upload session")
            when = self._aware(at, "at") if at is not None else self.now()
            name, existing = self._settle_name(parent, check_name(name), conflict, folder=False)
            if existing is not None and existing.is_folder:
                raise NameConflict(f"A folder named '{name}' already exists here")
            created = existing is None
            item = existing or self._new_item(parent, name, actor, when, folder=False)
            if not created:
                item.version += 1
                item.modified = when
                item.modified_by = actor
            item.content = bytes(content)
            item.mime_type = mime_type_for(name)
            item.quick_xor_hash = quick_xor_hash(item.content)
            self._touch(item)
            return item, created

    def upload(
        self,
        drive_id: str,
        parent_path: str,
        name: str,
        content: bytes,
        *,
        user: str,
        at: datetime | None = None,
        conflict: str = "replace",
    ) -> DriveItem:
        """Upload as ``user``, creating missing parent folders; ``at`` sets both timestamps."""
        with self.lock:
            actor, _ = self.acting(user)
            when = self._aware(at, "at") if at is not None else None
            parent = self.ensure_folders(drive_id, parent_path, actor, when)
            return self.put_content(parent, name, content, actor, at=when, conflict=conflict)[0]

    def update_item(
        self,
        drive_id: str,
        item_id: str,
        *,
        name: str | None = None,
        parent_id: str | None = None,
        user: str | None = None,
        conflict: str = "fail",
    ) -> DriveItem:
        """Rename and/or move an item."""
        with self.lock:
            actor, _ = self.acting(user)
            item = self.get_item(drive_id, item_id)
            target = self.get_item(drive_id, parent_id) if parent_id is not None else None
            return self.change_item(item, actor, name=name, new_parent=target, conflict=conflict)

    def change_item(
        self,
        item: DriveItem,
        actor: Identity,
        *,
        name: str | None = None,
        new_parent: DriveItem | None = None,
        conflict: str = "fail",
    ) -> DriveItem:
        with self.lock:
            if item.is_root:
                raise InvalidRequest("The root of a library cannot be renamed or moved")
            parent = self.items[item.parent_id] if item.parent_id is not None else item
            target = new_parent or parent
            if target.drive_id != item.drive_id:
                raise InvalidRequest("Moving an item to another drive is not supported")
            if item.is_folder and self.is_within(target, item):
                raise InvalidRequest(
                    "A folder cannot be moved into itself or one of its descendants"
                )
            wanted = check_name(name) if name is not None else item.name
            if target.id == parent.id and wanted == item.name:
                return item
            final, displaced = self._settle_name(
                target, wanted, conflict, folder=item.is_folder, moving=item
            )
            if displaced is not None:
                self._delete(displaced)
            del self._children[parent.id][_casefold(item.name)]
            item.name = final
            item.parent_id = target.id
            self._children[target.id][_casefold(final)] = item.id
            item.modified = self.now()
            item.modified_by = actor
            item.version += 1
            self._touch(item)
            return item

    def _delete(self, item: DriveItem) -> None:
        for child_id in list(self._children.get(item.id, {}).values()):
            self._delete(self.items[child_id])
        if item.parent_id is not None:
            self._children[item.parent_id].pop(_casefold(item.name), None)
        self._children.pop(item.id, None)
        item.deleted = True
        self._touch(item)

    def delete_item(self, drive_id: str, item_id: str, *, user: str | None = None) -> None:
        """Delete an item and everything below it (each becomes a tombstone for delta)."""
        with self.lock:
            self.acting(user)
            self.remove(self.get_item(drive_id, item_id))

    def remove(self, item: DriveItem) -> None:
        with self.lock:
            if item.is_root:
                raise InvalidRequest("The root of a library cannot be deleted")
            self._delete(item)

    # permissions ------------------------------------------------------------

    def permissions(self, drive_id: str, item_id: str) -> list[Permission]:
        """The item's effective permissions (inherited or its own), as Graph lists them."""
        with self.lock:
            return effective_permissions(self.items, self.get_item(drive_id, item_id))

    def _break_inheritance(self, item: DriveItem, retain: bool) -> None:
        if item.inherits:
            inherited = effective_permissions(self.items, item) if retain else []
            item.own_permissions = inherited
            item.inherits = False

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
        if rank < NEED_RANK[need]:
            raise AccessDenied(f"{user.email} does not have {need} access to this item")

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
