"""What every endpoint group shares: the state, the renderer, and resolving a routed
request to the acting user, the site, the drive and the item it names.

The acting user is named by the ``X-Emulator-User`` header (no header: the app
itself). Endpoint groups (``drive_endpoints``, ``sharing_endpoints``,
``mail_endpoints``) build on ``Endpoints``; ``service.GraphService`` routes to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from spcheck.emulator.interface import (
    BadRequest,
    GraphRequest,
    GraphResponse,
    ItemNotFound,
    PreconditionFailed,
)
from spcheck.emulator.model import DriveItem, Identity, Site, User
from spcheck.emulator.query import QueryOptions
from spcheck.emulator.render import Renderer, select
from spcheck.emulator.routing import Route
from spcheck.emulator.state import EmulatorState

USER_HEADER = "x-emulator-user"


def json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> GraphResponse:
    return GraphResponse(status, body=body, headers=dict(headers or {}))


class Endpoints:
    """The state and renderer an endpoint works with, and the lookups they all need."""

    def __init__(self, state: EmulatorState, renderer: Renderer) -> None:
        self.state = state
        self.render = renderer

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
