"""Graph's JSON shapes for the state's records (sites, drives, drive items, permissions,
subscriptions).

SharePoint specifics kept on purpose: only ``quickXorHash`` among file hashes; no
``inheritedFrom`` on permissions; ``parentReference.path`` absent from delta items;
``shared`` only on items with their own permissions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from spcheck.emulator.model import DriveItem, Permission, Site, Subscription
from spcheck.emulator.sharing import shared_scope
from spcheck.emulator.state import EmulatorState
from spcheck.emulator.subscriptions import timestamp as subscription_time

DOWNLOAD_PREFIX = "/_emulator/download"
# annotations Graph keeps whatever $select asks for
_ALWAYS = frozenset({"@odata.context", "@odata.type", "@microsoft.graph.sharedChanged"})


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def select(body: dict[str, Any], fields: Iterable[str] | None) -> dict[str, Any]:
    """Apply ``$select`` (property names match case-insensitively, as Graph's do)."""
    if fields is None:
        return body
    wanted = {field.strip().lower() for field in fields if field.strip()}
    return {key: value for key, value in body.items() if key.lower() in wanted or key in _ALWAYS}


class Renderer:
    def __init__(self, state: EmulatorState, base_url: str) -> None:
        self.state = state
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"

    def context(self, fragment: str) -> str:
        return f"{self.base_url}/$metadata#{fragment}"

    def site(self, site: Site) -> dict[str, Any]:
        return {
            "createdDateTime": timestamp(site.created),
            "description": "",
            "id": site.id,
            "lastModifiedDateTime": timestamp(site.created),
            "name": site.name,
            "webUrl": site.web_url,
            "displayName": site.display_name,
            "root": {},
            "siteCollection": {"hostname": site.hostname},
        }

    def drive(self, site: Site) -> dict[str, Any]:
        root = self.state.items[site.root_id]
        return {
            "createdDateTime": timestamp(site.created),
            "description": "",
            "id": site.drive_id,
            "lastModifiedDateTime": timestamp(root.modified),
            "name": "Documents",
            "webUrl": site.drive_web_url,
            "driveType": "documentLibrary",
            "createdBy": {"user": {"displayName": "System Account"}},
            # A library's owner is an identitySet (user, application, device); a site
            # without a Microsoft 365 group answers with SharePoint's system account.
            "owner": {"user": {"displayName": "System Account"}},
            "quota": {
                "deleted": 0,
                "remaining": 27487790694400,
                "state": "normal",
                "total": 27487790694400,
                "used": self.state.size_of(root),
            },
        }

    def download_url(self, item: DriveItem) -> str:
        drive = quote(item.drive_id, safe="")
        return f"{self.origin}{DOWNLOAD_PREFIX}/{drive}/{item.id}?v={item.version}"

    def _parent_reference(self, item: DriveItem, site: Site, *, with_path: bool) -> dict[str, Any]:
        reference: dict[str, Any] = {
            "driveType": "documentLibrary",
            "driveId": item.drive_id,
            "siteId": site.id,
        }
        if item.parent_id is None:
            return reference
        reference["id"] = item.parent_id
        if with_path:
            parent = self.state.items[item.parent_id]
            below = self.state.path_of(parent)
            reference["path"] = f"/drives/{item.drive_id}/root:" + (f"/{below}" if below else "")
        return reference

    def item(
        self, item: DriveItem, *, delta: bool = False, hierarchical: bool = False
    ) -> dict[str, Any]:
        """A driveItem; ``delta`` drops ``parentReference.path`` and shows tombstones."""
        site = self.state.site_for_drive(item.drive_id)
        reference = self._parent_reference(item, site, with_path=not delta)
        if item.deleted:
            body: dict[str, Any] = {
                "id": item.id,
                "name": item.name,
                "parentReference": reference,
                "deleted": {"state": "deleted"},
            }
            body["folder" if item.is_folder else "file"] = {}
            return body
        path = self.state.path_of(item)
        body = {
            "createdDateTime": timestamp(item.created),
            "eTag": item.etag,
            "id": item.id,
            "lastModifiedDateTime": timestamp(item.modified),
            "name": item.name,
            "webUrl": f"{site.drive_web_url}/{quote(path)}" if path else site.drive_web_url,
            "cTag": item.ctag,
            "size": self.state.size_of(item),
            "createdBy": item.created_by.as_graph(),
            "lastModifiedBy": item.modified_by.as_graph(),
            "parentReference": reference,
            "fileSystemInfo": {
                "createdDateTime": timestamp(item.created),
                "lastModifiedDateTime": timestamp(item.modified),
            },
        }
        if item.is_root:
            body["root"] = {}
        if item.is_folder:
            body["folder"] = {"childCount": self.state.child_count(item)}
        else:
            body["@microsoft.graph.downloadUrl"] = self.download_url(item)
            body["file"] = {
                "mimeType": item.mime_type,
                "hashes": {"quickXorHash": item.quick_xor_hash},
            }
        if not item.inherits and not item.is_root and (hierarchical or not delta):
            body["shared"] = {"scope": shared_scope(item.own_permissions)}
        return body

    def permission(self, permission: Permission) -> dict[str, Any]:
        body: dict[str, Any] = {"id": permission.id, "roles": list(permission.roles)}
        grantee = permission.granted_to
        if grantee is not None and grantee.kind == "siteGroup":
            body["grantedToV2"] = grantee.as_graph()
        elif grantee is not None:
            site_user = {
                "displayName": grantee.display_name,
                "email": grantee.email,
                "id": grantee.id,
                "loginName": f"i:0#.f|membership|{(grantee.email or '').lower()}",
            }
            body["grantedTo"] = grantee.as_graph()
            body["grantedToV2"] = {**grantee.as_graph(), "siteUser": site_user}
        if permission.invitation_email is not None:
            person = {"user": {"email": permission.invitation_email}}
            body["grantedToIdentities"] = [person]
            body["grantedToIdentitiesV2"] = [person]
            body["invitation"] = {
                "email": permission.invitation_email,
                "signInRequired": permission.sign_in_required,
            }
        if permission.is_link:
            body["hasPassword"] = False
            body["link"] = {
                "type": permission.link_type,
                "scope": permission.link_scope,
                "webUrl": permission.link_url,
                "preventsDownload": False,
            }
            body["grantedToIdentitiesV2"] = []
        if permission.expires is not None:
            body["expirationDateTime"] = timestamp(permission.expires)
        return body

    def subscription(self, subscription: Subscription) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": subscription.id,
            "resource": subscription.resource,
            "applicationId": subscription.application_id,
            "changeType": subscription.change_type,
            "clientState": subscription.client_state,
            "notificationUrl": subscription.notification_url,
            "expirationDateTime": subscription_time(subscription.expires),
            "creatorId": subscription.creator_id,
            "latestSupportedTlsVersion": subscription.tls_version,
            "includeResourceData": False,
        }
        if subscription.lifecycle_url is not None:
            body["lifecycleNotificationUrl"] = subscription.lifecycle_url
        return body
