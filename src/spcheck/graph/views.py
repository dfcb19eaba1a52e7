"""Small pydantic views of the Graph resources spcheck reads.

Collection pages are parsed from raw bytes straight into these (pydantic-core
validates JSON in Rust), which is what makes reads cheap: the SDK's own models
cost milliseconds per item (GRAPH.md). Unknown fields are ignored so that Graph
adding properties never breaks a run. Views are frozen: they are values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class View(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Identity(View):
    id: str | None = None
    display_name: str | None = Field(default=None, alias="displayName")
    email: str | None = None
    login_name: str | None = Field(default=None, alias="loginName")


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
    id: str | None = None
    drive_id: str | None = Field(default=None, alias="driveId")
    path: str | None = None
    name: str | None = None


class Hashes(View):
    sha256: str | None = Field(default=None, alias="sha256Hash")
    quick_xor: str | None = Field(default=None, alias="quickXorHash")
    sha1: str | None = Field(default=None, alias="sha1Hash")


class FileFacet(View):
    mime_type: str | None = Field(default=None, alias="mimeType")
    hashes: Hashes | None = None


class FolderFacet(View):
    child_count: int | None = Field(default=None, alias="childCount")


class SharedFacet(View):
    scope: str | None = None
    owner: IdentitySet | None = None
    shared_by: IdentitySet | None = Field(default=None, alias="sharedBy")


class DeletedFacet(View):
    state: str | None = None


class RootFacet(View):
    pass


class DriveItem(View):
    id: str
    name: str | None = None
    size: int | None = None
    etag: str | None = Field(default=None, alias="eTag")
    ctag: str | None = Field(default=None, alias="cTag")
    web_url: str | None = Field(default=None, alias="webUrl")
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
    type: str | None = None
    scope: str | None = None
    web_url: str | None = Field(default=None, alias="webUrl")
    prevents_download: bool | None = Field(default=None, alias="preventsDownload")


class SharingInvitation(View):
    email: str | None = None
    sign_in_required: bool | None = Field(default=None, alias="signInRequired")
    invited_by: IdentitySet | None = Field(default=None, alias="invitedBy")


class Permission(View):
    id: str
    roles: tuple[str, ...] = ()
    granted_to: IdentitySet | None = Field(default=None, alias="grantedToV2")
    granted_to_identities: tuple[IdentitySet, ...] = Field(
        default=(), alias="grantedToIdentitiesV2"
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
    id: str
    name: str | None = None
    display_name: str | None = Field(default=None, alias="displayName")
    web_url: str | None = Field(default=None, alias="webUrl")


class Drive(View):
    id: str
    name: str | None = None
    drive_type: str | None = Field(default=None, alias="driveType")
    web_url: str | None = Field(default=None, alias="webUrl")


class GraphErrorBody(View):
    code: str | None = None
    message: str | None = None


class GraphErrorEnvelope(View):
    error: GraphErrorBody | None = None


T = TypeVar("T")


class Page(View, Generic[T]):
    value: tuple[T, ...] = ()
    next_link: str | None = Field(default=None, alias="@odata.nextLink")
    delta_link: str | None = Field(default=None, alias="@odata.deltaLink")


ITEM_PAGE: TypeAdapter[Page[DriveItem]] = TypeAdapter(Page[DriveItem])
PERMISSION_PAGE: TypeAdapter[Page[Permission]] = TypeAdapter(Page[Permission])
DRIVE_ITEM: TypeAdapter[DriveItem] = TypeAdapter(DriveItem)
PERMISSION: TypeAdapter[Permission] = TypeAdapter(Permission)
SITE: TypeAdapter[Site] = TypeAdapter(Site)
DRIVE: TypeAdapter[Drive] = TypeAdapter(Drive)
ERROR: TypeAdapter[GraphErrorEnvelope] = TypeAdapter(GraphErrorEnvelope)
