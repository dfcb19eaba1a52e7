"""Small pydantic views of the Graph resources spcheck reads.

Collection pages are parsed from raw bytes straight into these (pydantic-core
validates JSON in Rust), which is what makes reads cheap: the SDK's own models
cost milliseconds per item. Unknown fields are ignored so that Graph adding
properties never breaks a run. Views are frozen: they are values.

Every string and list read from Graph is bounded (names, display names, ids,
links, the values of a page): SharePoint's own limits are far below these, so a
reply past them is not a drive as SharePoint keeps it, and it is refused (a
``GraphError`` naming the field and the limit) rather than carried into the
store, the rules and the reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

MAX_NAME = 1024  # SharePoint allows 400 characters in a whole path
MAX_TEXT = 8192  # paths, links, URLs
MAX_PAGE = 10_000  # values in one page (Graph sends at most a few hundred)
MAX_ENTRIES = 1_000  # identities or roles in one permission

Name = Annotated[str, StringConstraints(max_length=MAX_NAME)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]


class View(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Identity(View):
    id: Name | None = None
    display_name: Name | None = Field(default=None, alias="displayName")
    email: Name | None = None
    login_name: Name | None = Field(default=None, alias="loginName")


class IdentitySet(View):
    user: Identity | None = None
    site_user: Identity | None = Field(default=None, alias="siteUser")
    group: Identity | None = None
    site_group: Identity | None = Field(default=None, alias="siteGroup")
    application: Identity | None = None
    device: Identity | None = None

    def principal(self) -> Identity | None:
        """The most specific identity present (users before groups before apps)."""
        for candidate in (
            self.user,
            self.site_user,
            self.group,
            self.site_group,
            self.application,
            self.device,
        ):
            if candidate is not None:
                return candidate
        return None

    def label(self) -> str | None:
        """An email when known, else a display name: what a report says about who did it."""
        who = self.principal()
        if who is None:
            return None
        return who.email or who.display_name or who.login_name or who.id


class ItemReference(View):
    id: Name | None = None
    drive_id: Name | None = Field(default=None, alias="driveId")
    path: Text | None = None
    name: Name | None = None


class Hashes(View):
    sha256: Name | None = Field(default=None, alias="sha256Hash")
    quick_xor: Name | None = Field(default=None, alias="quickXorHash")
    sha1: Name | None = Field(default=None, alias="sha1Hash")


class FileFacet(View):
    mime_type: Name | None = Field(default=None, alias="mimeType")
    hashes: Hashes | None = None


class FolderFacet(View):
    child_count: int | None = Field(default=None, alias="childCount")


class SharedFacet(View):
    scope: Name | None = None
    owner: IdentitySet | None = None
    shared_by: IdentitySet | None = Field(default=None, alias="sharedBy")


class DeletedFacet(View):
    state: Name | None = None


class RootFacet(View):
    pass


class DriveItem(View):
    id: Name
    name: Name | None = None
    size: int | None = None
    etag: Name | None = Field(default=None, alias="eTag")
    ctag: Name | None = Field(default=None, alias="cTag")
    web_url: Text | None = Field(default=None, alias="webUrl")
    created_at: datetime | None = Field(default=None, alias="createdDateTime")
    modified_at: datetime | None = Field(default=None, alias="lastModifiedDateTime")
    created_by: IdentitySet | None = Field(default=None, alias="createdBy")
    modified_by: IdentitySet | None = Field(default=None, alias="lastModifiedBy")
    parent: ItemReference | None = Field(default=None, alias="parentReference")
    file: FileFacet | None = None
    folder: FolderFacet | None = None
    root: RootFacet | None = None
    deleted: DeletedFacet | None = None
    shared: SharedFacet | None = None
    # Sent with "Prefer: deltashowsharingchanges" when an item's permissions changed.
    shared_changed: bool = Field(default=False, alias="@microsoft.graph.sharedChanged")

    @property
    def is_folder(self) -> bool:
        return self.folder is not None or self.root is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted is not None

    @property
    def parent_id(self) -> str | None:
        return self.parent.id if self.parent is not None else None


class SharingLink(View):
    type: Name | None = None
    scope: Name | None = None
    web_url: Text | None = Field(default=None, alias="webUrl")
    prevents_download: bool | None = Field(default=None, alias="preventsDownload")


class SharingInvitation(View):
    email: Name | None = None
    sign_in_required: bool | None = Field(default=None, alias="signInRequired")
    invited_by: IdentitySet | None = Field(default=None, alias="invitedBy")


class Permission(View):
    id: Name
    roles: tuple[Name, ...] = Field(default=(), max_length=MAX_ENTRIES)
    granted_to: IdentitySet | None = Field(default=None, alias="grantedToV2")
    granted_to_identities: tuple[IdentitySet, ...] = Field(
        default=(), alias="grantedToIdentitiesV2", max_length=MAX_ENTRIES
    )
    link: SharingLink | None = None
    invitation: SharingInvitation | None = None
    inherited_from: ItemReference | None = Field(default=None, alias="inheritedFrom")
    expires_at: datetime | None = Field(default=None, alias="expirationDateTime")
    has_password: bool | None = Field(default=None, alias="hasPassword")

    def emails(self) -> tuple[str, ...]:
        """Every email this permission names, lower-cased, for matching against contacts."""
        found: list[str] = []
        for identity_set in (self.granted_to, *self.granted_to_identities):
            if identity_set is None:
                continue
            who = identity_set.principal()
            if who is not None and who.email:
                found.append(who.email.casefold())
        if self.invitation is not None and self.invitation.email:
            found.append(self.invitation.email.casefold())
        return tuple(dict.fromkeys(found))


class Site(View):
    id: Name
    name: Name | None = None
    display_name: Name | None = Field(default=None, alias="displayName")
    web_url: Text | None = Field(default=None, alias="webUrl")


class Drive(View):
    id: Name
    name: Name | None = None
    drive_type: Name | None = Field(default=None, alias="driveType")
    web_url: Text | None = Field(default=None, alias="webUrl")


class Subscription(View):
    """A change-notification subscription as Graph answers it (the fields spcheck keeps)."""

    id: str
    resource: str | None = None
    expires_at: datetime = Field(alias="expirationDateTime")


class GraphErrorBody(View):
    code: Name | None = None
    message: Text | None = None


class GraphErrorEnvelope(View):
    error: GraphErrorBody | None = None


T = TypeVar("T")


class Page(View, Generic[T]):
    value: tuple[T, ...] = Field(default=(), max_length=MAX_PAGE)
    next_link: Text | None = Field(default=None, alias="@odata.nextLink")
    delta_link: Text | None = Field(default=None, alias="@odata.deltaLink")


ITEM_PAGE: TypeAdapter[Page[DriveItem]] = TypeAdapter(Page[DriveItem])
PERMISSION_PAGE: TypeAdapter[Page[Permission]] = TypeAdapter(Page[Permission])
DRIVE_ITEM: TypeAdapter[DriveItem] = TypeAdapter(DriveItem)
PERMISSION: TypeAdapter[Permission] = TypeAdapter(Permission)
SITE: TypeAdapter[Site] = TypeAdapter(Site)
DRIVE: TypeAdapter[Drive] = TypeAdapter(Drive)
ERROR: TypeAdapter[GraphErrorEnvelope] = TypeAdapter(GraphErrorEnvelope)
SUBSCRIPTION: TypeAdapter[Subscription] = TypeAdapter(Subscription)
