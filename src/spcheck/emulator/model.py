"""Records of the emulated tenant: users, sites, drive items, permissions.

Items are live, mutable records owned by ``EmulatorState`` (as moto's models are):
read them freely, change them only through the state's methods so that the change
log that feeds delta stays right. Identities and permissions are immutable values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

IdentityKind = Literal["user", "application", "siteGroup"]


@dataclass(frozen=True, slots=True)
class Identity:
    """Who did something or holds access: a user, the app itself, or a site group."""

    kind: IdentityKind
    id: str
    display_name: str
    email: str | None = None

    def as_graph(self) -> dict[str, Any]:
        """Graph's identitySet shape, e.g. ``{"user": {"id", "displayName", "email"}}``."""
        body: dict[str, Any] = {"id": self.id, "displayName": self.display_name}
        if self.email is not None:
            body["email"] = self.email
        if self.kind == "siteGroup":
            body["loginName"] = self.display_name
        return {self.kind: body}


@dataclass(slots=True)
class User:
    id: str
    email: str
    display_name: str
    guest: bool
    invited: bool = False  # made by an invitation to share, not added to the directory

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]

    def identity(self) -> Identity:
        return Identity("user", self.id, self.display_name, self.email)


@dataclass(slots=True)
class Site:
    """A SharePoint site with its one document library (``drive_id``) and the library's root."""

    id: str
    hostname: str
    path: str
    display_name: str
    drive_id: str
    root_id: str
    created: datetime

    @property
    def web_url(self) -> str:
        return f"https://{self.hostname}{self.path}"

    @property
    def drive_web_url(self) -> str:
        return f"{self.web_url}/Shared%20Documents"

    @property
    def name(self) -> str:
        return self.path.rstrip("/").rpartition("/")[2]


@dataclass(frozen=True, slots=True)
class Permission:
    """One entry of an item's permissions: a direct grant, an invitation or a sharing link.

    ``members`` lists the emails that a site-group permission stands for, so the
    emulator can decide what an acting user may do.
    """

    id: str
    roles: tuple[str, ...]
    created: datetime
    granted_to: Identity | None = None
    invitation_email: str | None = None
    sign_in_required: bool = True
    link_type: str | None = None
    link_scope: str | None = None
    link_url: str | None = None
    expires: datetime | None = None
    members: frozenset[str] = frozenset()

    @property
    def is_link(self) -> bool:
        return self.link_type is not None

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and self.expires <= now


@dataclass(slots=True)
class DriveItem:
    """A folder or a file in a document library, including deleted ones (tombstones).

    ``content_seq`` and ``sharing_seq`` are positions in the state's change log: the
    last content change (create, upload, rename, move, delete) and the last change to
    the item's own permissions. Delta reads them; nothing else should.
    """

    id: str
    drive_id: str
    name: str
    parent_id: str | None
    is_folder: bool
    created: datetime
    modified: datetime
    created_by: Identity
    modified_by: Identity
    etag_id: str
    content: bytes = b""
    mime_type: str | None = None
    quick_xor_hash: str | None = None
    version: int = 1
    deleted: bool = False
    inherits: bool = True
    own_permissions: list[Permission] = field(default_factory=list)
    content_seq: int = 0
    sharing_seq: int = 0

    @property
    def is_root(self) -> bool:
        return self.parent_id is None

    @property
    def etag(self) -> str:
        return f'"{{{self.etag_id}}},{self.version}"'

    @property
    def ctag(self) -> str:
        return f'"c:{{{self.etag_id}}},{self.version}"'


@dataclass(slots=True)
class Subscription:
    """A change-notification subscription on the root of one drive (``drives/{id}/root``).

    ``reauthorize_since`` is set when a ``reauthorizationRequired`` challenge was sent and
    cleared by reauthorizing or renewing; ``paused`` when delivery stopped for want of it.
    """

    id: str
    resource: str
    drive_id: str
    change_type: str
    notification_url: str
    lifecycle_url: str | None
    client_state: str | None
    expires: datetime
    created: datetime
    application_id: str
    creator_id: str
    security: bool = False
    tls_version: str = "v1_2"
    reauthorize_since: datetime | None = None
    paused: bool = False


@dataclass(frozen=True, slots=True)
class Delivery:
    """One notification waiting to be POSTed to ``url`` (a changeNotification's JSON)."""

    url: str
    subscription_id: str
    notification: dict[str, Any]
    lifecycle: bool = False
