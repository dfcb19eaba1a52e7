"""Endpoints for sites, drives and drive items: read, rename/move, delete, list
children, create folders, download and upload content, and delta.

Children are paged by a ``$skiptoken`` holding the last item's sort key (name,
then id), so a page boundary stays put while items are added or removed.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import quote

from spcheck.emulator.delta import PAGE_SIZE, delta_page
from spcheck.emulator.endpoints import Endpoints, json_response
from spcheck.emulator.interface import GraphRequest, GraphResponse, InvalidRequest, ItemNotFound
from spcheck.emulator.model import DriveItem
from spcheck.emulator.names import split_path
from spcheck.emulator.query import CONFLICT_KEY, QueryOptions
from spcheck.emulator.render import select
from spcheck.emulator.routing import Route

CHILDREN_PAGE_SIZE = 200
DELTA_PREFERENCES = ("hierarchicalsharing", "deltashowsharingchanges")
_PATCHABLE = frozenset({"name", "parentreference", CONFLICT_KEY.lower(), "@odata.type"})


def _skiptoken(item: DriveItem) -> str:
    raw = f"{item.name.casefold()}|{item.id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _after(skiptoken: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(skiptoken + "=" * (-len(skiptoken) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidRequest("The $skiptoken is not valid") from None
    name, bar, item_id = raw.rpartition("|")
    if not bar:
        raise InvalidRequest("The $skiptoken is not valid")
    return name, item_id


def _sharing_changed(item: DriveItem, since: int) -> bool:
    return since > 0 and not item.deleted and item.sharing_seq > since


class DriveEndpoints(Endpoints):
    """Graph's site, drive, item, children, content and delta endpoints."""

    # sites and drives -------------------------------------------------------

    def _get_site(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        assert route.site_key is not None
        body = select(self.render.site(self._site(route.site_key)), options.select)
        return json_response(200, {"@odata.context": self.render.context("sites/$entity"), **body})

    def _get_site_drives(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        assert route.site_key is not None
        drive = select(self.render.drive(self._site(route.site_key)), options.select)
        return json_response(
            200, {"@odata.context": self.render.context("drives"), "value": [drive]}
        )

    def _get_drive(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        site = self.state.site_for_drive(self._drive_id(route))
        body = select(self.render.drive(site), options.select)
        return json_response(200, {"@odata.context": self.render.context("drives/$entity"), **body})

    # items ------------------------------------------------------------------

    def _get_item(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        self.state.require(self._actor(request)[1], item, "read")
        return json_response(200, self._item_body(item, options))

    def _patch_item(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        actor, user = self._actor(request)
        self._check_etag(request, item)
        body = request.json_object()
        unknown = sorted(key for key in body if key.lower() not in _PATCHABLE)
        if unknown:
            raise InvalidRequest(f"Updating {', '.join(unknown)} is not emulated")
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise InvalidRequest("name must be a string")
        target = self._patch_target(item, body.get("parentReference"))
        self.state.require(user, item, "write")
        if target is not None:
            self.state.require(user, target, "write")
        conflict = body.get(CONFLICT_KEY) or options.conflict or "fail"
        changed = self.state.change_item(
            item, actor, name=name, new_parent=target, conflict=conflict
        )
        return json_response(200, self._item_body(changed, options))

    def _patch_target(self, item: DriveItem, reference: Any) -> DriveItem | None:
        if reference is None:
            return None
        if not isinstance(reference, dict):
            raise InvalidRequest("parentReference must be an object")
        drive_id = reference.get("driveId")
        if drive_id is not None and drive_id != item.drive_id:
            raise InvalidRequest("Moving an item to another drive is not supported")
        if reference.get("id"):
            return self.state.get_item(item.drive_id, str(reference["id"]))
        path = reference.get("path")
        if isinstance(path, str) and "root:" in path:
            found = self.state.resolve(self.state.root(item.drive_id), path.partition("root:")[2])
            if found is None:
                raise ItemNotFound("The target folder could not be found")
            return found
        raise InvalidRequest("parentReference needs an id or a path")

    def _delete_item(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        _, user = self._actor(request)
        self._check_etag(request, item)
        self.state.require(user, item, "write")
        self.state.remove(item)
        return GraphResponse(204)

    def _get_children(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        parent = self._item(route)
        self.state.require(self._actor(request)[1], parent, "read")
        top = options.top or CHILDREN_PAGE_SIZE
        kids = self.state.children(parent.drive_id, parent.id)
        if options.skiptoken:
            after = _after(options.skiptoken)
            kids = [kid for kid in kids if (kid.name.casefold(), kid.id) > after]
        page = kids[:top]
        body: dict[str, Any] = {
            "@odata.context": self.render.context(
                f"drives('{quote(parent.drive_id, safe='')}')/items"
            ),
            "value": [select(self.render.item(kid), options.select) for kid in page],
        }
        if len(kids) > top:
            query = options.link_query(top, **{"$skiptoken": _skiptoken(page[-1])})
            body["@odata.nextLink"] = (
                f"{self.render.base_url}/drives/{parent.drive_id}/items/{parent.id}/children?{query}"
            )
        return json_response(200, body)

    def _create_folder(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        parent = self._item(route)
        actor, user = self._actor(request)
        body = request.json_object()
        name = body.get("name")
        if not isinstance(name, str):
            raise InvalidRequest("name is required")
        if "file" in body or not isinstance(body.get("folder"), dict):
            raise InvalidRequest('Only folders can be created here: send "folder": {}')
        self.state.require(user, parent, "write")
        conflict = body.get(CONFLICT_KEY) or options.conflict or "fail"
        folder = self.state.add_folder(parent, name, actor, conflict=conflict)
        return json_response(201, self._item_body(folder, options))

    def _get_content(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        self.state.require(self._actor(request)[1], item, "read")
        if item.is_folder:
            raise InvalidRequest("A folder has no content to download")
        return GraphResponse(302, headers={"Location": self.render.download_url(item)})

    def _put_content(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        assert route.item is not None
        actor, user = self._actor(request)
        drive_id = self._drive_id(route)
        base = self.state.get_item(drive_id, route.item.base)
        if route.item.path:
            folder_path, _, name = route.item.path.rpartition("/")
            below = "/".join(part for part in (self.state.path_of(base), folder_path) if part)
            parent = (
                self.state.resolve(self.state.root(drive_id), below)
                if below
                else self.state.root(drive_id)
            )
            if parent is None:
                # Graph makes the missing folders; the caller needs write where the first
                # of them is made (the nearest folder that exists), as a POST to its
                # children would, not on the item the URL starts from.
                self.state.require(user, self._nearest_folder(drive_id, below), "write")
                parent = self.state.ensure_folders(drive_id, below, actor)
        elif base.is_folder:
            raise InvalidRequest(
                "Upload to a folder needs a file name: /items/{parent-id}:/{name}:/content"
            )
        else:
            parent, name = self.state.items[str(base.parent_id)], base.name
        existing = self.state.resolve(parent, name)
        self.state.require(user, existing if existing is not None else parent, "write")
        conflict = options.conflict or "replace"
        item, created = self.state.put_content(parent, name, request.body, actor, conflict=conflict)
        return json_response(201 if created else 200, self._item_body(item, options))

    def _nearest_folder(self, drive_id: str, path: str) -> DriveItem:
        """The deepest item along ``path`` that exists (the library root at worst)."""
        node = self.state.root(drive_id)
        for part in split_path(path):
            found = self.state.resolve(node, part)
            if found is None:
                break
            node = found
        return node

    # delta ------------------------------------------------------------------

    def _get_delta(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        if not item.is_root:
            raise InvalidRequest(
                "Delta is only supported on the root folder of a SharePoint library"
            )
        token = route.token if route.token is not None else options.token
        prefer = (request.header("prefer") or "").lower()
        applied = [name for name in DELTA_PREFERENCES if name in prefer]
        hierarchical = "hierarchicalsharing" in applied
        page = delta_page(
            self.state,
            item.drive_id,
            token or None,
            top=options.top or PAGE_SIZE,
            sharing_changes=bool(applied),
        )
        base = f"{self.render.base_url}/drives/{item.drive_id}/root/delta"
        values = []
        for entry in page.items:
            rendered = self.render.item(entry, delta=True, hierarchical=hierarchical)
            if "deltashowsharingchanges" in applied and _sharing_changed(entry, page.since):
                rendered["@microsoft.graph.sharedChanged"] = "True"
            values.append(select(rendered, options.select))
        body: dict[str, Any] = {
            "@odata.context": self.render.context("Collection(driveItem)"),
            "value": values,
        }
        if page.next_token is not None:
            body["@odata.nextLink"] = (
                f"{base}?{options.link_query(options.top, token=page.next_token)}"
            )
        else:
            assert page.delta_token is not None
            body["@odata.deltaLink"] = (
                f"{base}?{options.link_query(options.top, token=page.delta_token)}"
            )
        headers = {"Preference-Applied": ", ".join(applied)} if applied else {}
        return json_response(200, body, headers)
