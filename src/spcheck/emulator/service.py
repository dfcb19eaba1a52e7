"""The endpoints: a routed ``GraphRequest`` in, Graph's response shape out.

Everything here runs under the state's lock and is synchronous; metering, faults
and ``$batch`` wrap it (see ``app``). The acting user is named by the
``X-Emulator-User`` header (no header: the app itself).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from spcheck.emulator.delta import PAGE_SIZE, delta_page
from spcheck.emulator.interface import (
    BadRequest,
    GraphRequest,
    GraphResponse,
    InvalidRecipients,
    InvalidRequest,
    ItemNotFound,
    MethodNotAllowed,
    PreconditionFailed,
    RequestHandler,
)
from spcheck.emulator.model import DriveItem, Identity, Site, User
from spcheck.emulator.render import Renderer, select
from spcheck.emulator.routing import Route, parse
from spcheck.emulator.sharing import effective_permissions
from spcheck.emulator.state import EmulatorState, is_email

USER_HEADER = "x-emulator-user"
CONFLICT_KEY = "@microsoft.graph.conflictBehavior"
CHILDREN_PAGE_SIZE = 200
MAX_TOP = 999
DELTA_PREFERENCES = ("hierarchicalsharing", "deltashowsharingchanges")
_SUPPORTED_OPTIONS = frozenset({"$select", "$top", "$skiptoken"})
_BARE_OPTIONS = frozenset(
    {"select", "top", "skiptoken", "expand", "filter", "orderby", "search", "count", "skip"}
)
_PATCHABLE = frozenset({"name", "parentreference", CONFLICT_KEY.lower(), "@odata.type"})

Handler = Callable[[Route, GraphRequest, "QueryOptions"], GraphResponse]


@dataclass(frozen=True, slots=True)
class QueryOptions:
    select: list[str] | None = None
    top: int | None = None
    skiptoken: str | None = None
    token: str | None = None
    conflict: str | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> QueryOptions:
        options: dict[str, str] = {}
        for key, value in query.items():
            name = f"${key}" if key.lower() in _BARE_OPTIONS else key
            if name.startswith("$") and name.lower() not in _SUPPORTED_OPTIONS:
                raise InvalidRequest(f"The query option '{name}' is not emulated")
            options[name.lower()] = value
        top: int | None = None
        if "$top" in options:
            if not options["$top"].isdigit() or int(options["$top"]) < 1:
                raise InvalidRequest("$top must be a positive integer")
            top = min(int(options["$top"]), MAX_TOP)
        fields = options.get("$select")
        return cls(
            select=[field for field in fields.split(",") if field.strip()]
            if fields is not None
            else None,
            top=top,
            skiptoken=options.get("$skiptoken"),
            token=options.get("token"),
            conflict=options.get(CONFLICT_KEY.lower()),
        )

    def link_query(self, top: int | None = None, **extra: str) -> str:
        """Query string for next and delta links: the caller's $select and $top are kept."""
        pairs: list[tuple[str, str]] = []
        if self.select is not None:
            pairs.append(("$select", ",".join(self.select)))
        if top is not None:
            pairs.append(("$top", str(top)))
        pairs.extend(extra.items())
        return "&".join(f"{key}={quote(value, safe=',')}" for key, value in pairs)


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


def parse_datetime(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidRequest(f"{field} must be an ISO 8601 date and time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"{field} must be an ISO 8601 date and time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _flag(body: Mapping[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise InvalidRequest(f"{key} must be true or false")
    return value


def _sharing_changed(item: DriveItem, since: int) -> bool:
    return since > 0 and not item.deleted and item.sharing_seq > since


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> GraphResponse:
    return GraphResponse(status, body=body, headers=dict(headers or {}))


class GraphService(RequestHandler):
    """Graph's drive, sharing and mail endpoints over an ``EmulatorState``."""

    def __init__(self, state: EmulatorState, renderer: Renderer) -> None:
        self.state = state
        self.render = renderer
        self._routes: dict[tuple[str, str], Handler] = {
            ("site", "GET"): self._get_site,
            ("siteDrives", "GET"): self._get_site_drives,
            ("drive", "GET"): self._get_drive,
            ("item", "GET"): self._get_item,
            ("item", "PATCH"): self._patch_item,
            ("item", "DELETE"): self._delete_item,
            ("children", "GET"): self._get_children,
            ("children", "POST"): self._create_folder,
            ("content", "GET"): self._get_content,
            ("content", "PUT"): self._put_content,
            ("delta", "GET"): self._get_delta,
            ("permissions", "GET"): self._list_permissions,
            ("permission", "GET"): self._get_permission,
            ("permission", "DELETE"): self._delete_permission,
            ("invite", "POST"): self._invite,
            ("createLink", "POST"): self._create_link,
            ("sendMail", "POST"): self._send_mail,
        }

    def handle(self, request: GraphRequest) -> GraphResponse:
        return self.dispatch(parse(request.path), request)

    def dispatch(self, route: Route, request: GraphRequest) -> GraphResponse:
        handler = self._routes.get((route.target, request.method.upper()))
        if handler is None:
            if any(target == route.target for target, _ in self._routes):
                raise MethodNotAllowed(f"{request.method} is not supported on this resource")
            raise BadRequest(f"Resource not found for the segment '{route.target}'.")
        options = QueryOptions.parse(request.query)
        with self.state.lock:
            return handler(route, request, options)

    # resolution -------------------------------------------------------------

    def _actor(self, request: GraphRequest) -> tuple[Identity, User | None]:
        named = (request.header(USER_HEADER) or "").strip()
        return self.state.acting(named or None)

    def _site(self, key: str) -> Site:
        if ":" not in key:
            found = next(
                (s for s in self.state.sites.values() if s.id.lower() == key.lower()), None
            )
        else:
            host, _, path = key.partition(":")
            found = self.state.site_by_path(host, path.removesuffix(":"))
        if found is None:
            raise ItemNotFound("Requested site could not be found")
        return found

    def _drive_id(self, route: Route) -> str:
        if route.drive_id is not None:
            site = self.state.site_for_drive(route.drive_id)
            if route.site_key is not None and site.id != self._site(route.site_key).id:
                raise ItemNotFound(f"The drive '{route.drive_id}' was not found in this site")
            return route.drive_id
        if route.site_key is None:
            raise BadRequest("No drive in the request path")
        return self._site(route.site_key).drive_id

    def _item(self, route: Route) -> DriveItem:
        assert route.item is not None
        base = self.state.get_item(self._drive_id(route), route.item.base)
        if not route.item.path:
            return base
        found = self.state.resolve(base, route.item.path)
        if found is None:
            raise ItemNotFound("The resource could not be found.")
        return found

    def _item_body(self, item: DriveItem, options: QueryOptions) -> dict[str, Any]:
        context = self.render.context(f"drives('{quote(item.drive_id, safe='')}')/items/$entity")
        return {"@odata.context": context, **select(self.render.item(item), options.select)}

    @staticmethod
    def _check_etag(request: GraphRequest, item: DriveItem) -> None:
        wanted = request.header("if-match")
        if wanted is not None and wanted.strip() not in ("*", item.etag, item.ctag):
            raise PreconditionFailed(
                "The resource has changed since the caller last read it (If-Match)"
            )

    # sites and drives -------------------------------------------------------

    def _get_site(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        assert route.site_key is not None
        body = select(self.render.site(self._site(route.site_key)), options.select)
        return _json(200, {"@odata.context": self.render.context("sites/$entity"), **body})

    def _get_site_drives(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        assert route.site_key is not None
        drive = select(self.render.drive(self._site(route.site_key)), options.select)
        return _json(200, {"@odata.context": self.render.context("drives"), "value": [drive]})

    def _get_drive(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        site = self.state.site_for_drive(self._drive_id(route))
        body = select(self.render.drive(site), options.select)
        return _json(200, {"@odata.context": self.render.context("drives/$entity"), **body})

    # items ------------------------------------------------------------------

    def _get_item(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        self.state.require(self._actor(request)[1], item, "read")
        return _json(200, self._item_body(item, options))

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
        return _json(200, self._item_body(changed, options))

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
        return _json(200, body)

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
        return _json(201, self._item_body(folder, options))

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
                self.state.require(user, base, "write")
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
        return _json(201 if created else 200, self._item_body(item, options))

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
        return _json(200, body, headers)

    # permissions ------------------------------------------------------------

    def _permissions_context(self, item: DriveItem) -> str:
        return self.render.context(
            f"drives('{quote(item.drive_id, safe='')}')/items('{item.id}')/permissions"
        )

    def _list_permissions(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        self.state.require(self._actor(request)[1], item, "read")
        values = [
            select(self.render.permission(p), options.select)
            for p in effective_permissions(self.state.items, item)
        ]
        return _json(200, {"@odata.context": self._permissions_context(item), "value": values})

    def _get_permission(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        self.state.require(self._actor(request)[1], item, "read")
        found = next(
            (
                p
                for p in effective_permissions(self.state.items, item)
                if p.id == route.permission_id
            ),
            None,
        )
        if found is None:
            raise ItemNotFound(f"The permission '{route.permission_id}' was not found on this item")
        body = select(self.render.permission(found), options.select)
        return _json(200, {"@odata.context": self._permissions_context(item) + "/$entity", **body})

    def _delete_permission(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        self.state.require(self._actor(request)[1], item, "owner")
        assert route.permission_id is not None
        self.state.revoke(item, route.permission_id)
        return GraphResponse(204)

    def _invite(self, route: Route, request: GraphRequest, options: QueryOptions) -> GraphResponse:
        item = self._item(route)
        actor, user = self._actor(request)
        body = request.json_object()
        recipients = body.get("recipients")
        if not isinstance(recipients, list) or not recipients:
            raise InvalidRequest("recipients must list at least one recipient")
        emails = [r.get("email") if isinstance(r, dict) else None for r in recipients]
        if not all(isinstance(email, str) and email for email in emails):
            raise InvalidRequest(
                "each recipient needs an email (objectId and alias are not emulated)"
            )
        roles = body.get("roles")
        if (
            not isinstance(roles, list)
            or not roles
            or any(role not in ("read", "write") for role in roles)
        ):
            raise InvalidRequest('roles must be ["read"] or ["write"]')
        bad = [str(email) for email in emails if not is_email(str(email))]
        if bad:
            raise InvalidRequest(f"'{bad[0]}' is not a valid email address")
        expires = body.get("expirationDateTime")
        message = body.get("message")
        terms: dict[str, Any] = {
            "expires": parse_datetime(expires, "expirationDateTime")
            if expires is not None
            else None,
            "require_sign_in": _flag(body, "requireSignIn", False),
            "retain_inherited": _flag(body, "retainInheritedPermissions", True),
            "send_invitation": _flag(body, "sendInvitation", False),
            "message": message if isinstance(message, str) else None,
        }
        self.state.require(user, item, "owner")
        granted = [
            self.state.share_with(item, str(email), list(roles), invited_by=actor, **terms)
            for email in emails
        ]
        values = [self.render.permission(permission) for permission in granted]
        return _json(
            200, {"@odata.context": self.render.context("Collection(permission)"), "value": values}
        )

    def _create_link(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        _, user = self._actor(request)
        body = request.json_object()
        link_type = body.get("type")
        if not isinstance(link_type, str):
            raise InvalidRequest("type is required (view, edit or embed)")
        if body.get("password"):
            raise InvalidRequest("Password-protected links are not emulated")
        scope = body.get("scope", "organization")
        expires = body.get("expirationDateTime")
        self.state.require(user, item, "owner")
        permission, created = self.state.add_link(
            item,
            link_type,
            str(scope),
            expires=parse_datetime(expires, "expirationDateTime") if expires is not None else None,
            retain_inherited=_flag(body, "retainInheritedPermissions", True),
        )
        body_out = {
            "@odata.context": self.render.context("permission"),
            **self.render.permission(permission),
        }
        return _json(201 if created else 200, body_out)

    # mail -------------------------------------------------------------------

    def _send_mail(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        assert route.user is not None
        body = {key.lower(): value for key, value in request.json_object().items()}
        message = body.get("message")
        if not isinstance(message, dict):
            raise InvalidRequest("message is required")
        fields = {key.lower(): value for key, value in message.items()}
        recipients = fields.get("torecipients")
        if not isinstance(recipients, list) or not recipients:
            raise InvalidRecipients("At least one recipient is required")
        for recipient in recipients:
            address = (
                recipient.get("emailAddress", {}).get("address")
                if isinstance(recipient, dict)
                else None
            )
            if not isinstance(address, str) or "@" not in address:
                raise InvalidRecipients("Each recipient needs emailAddress.address")
        save = body.get("savetosentitems", True)
        self.state.record_mail(route.user, message, save_to_sent_items=bool(save))
        return GraphResponse(202)
