"""The endpoints: a routed ``GraphRequest`` in, Graph's response shape out.

Everything here runs under the state's lock and is synchronous; metering, faults
and ``$batch`` wrap it (see ``app``). The acting user is named by the
``X-Emulator-User`` header (no header: the app itself).

``GraphService`` is the route table and dispatcher; the endpoints themselves are
grouped by resource in ``drive_endpoints`` (sites, drives, items, children,
content, delta), ``sharing_endpoints`` (permissions, invite, createLink) and
``mail_endpoints`` (sendMail) and ``subscription_endpoints`` (subscriptions), on
the shared lookups of ``endpoints``. Query options are parsed by ``query``.
Creating a subscription is the one endpoint that runs outside the lock: it waits
for the validation handshake.
"""

from __future__ import annotations

from collections.abc import Callable

from spcheck.emulator.drive_endpoints import DriveEndpoints
from spcheck.emulator.endpoints import USER_HEADER
from spcheck.emulator.interface import (
    BadRequest,
    GraphRequest,
    GraphResponse,
    MethodNotAllowed,
    RequestHandler,
)
from spcheck.emulator.mail_endpoints import MailEndpoints
from spcheck.emulator.query import QueryOptions
from spcheck.emulator.render import Renderer
from spcheck.emulator.routing import Route, parse
from spcheck.emulator.sharing_endpoints import SharingEndpoints
from spcheck.emulator.state import EmulatorState
from spcheck.emulator.subscription_endpoints import Handshake, SubscriptionEndpoints

__all__ = ["USER_HEADER", "GraphService", "Handler"]

Handler = Callable[[Route, GraphRequest, QueryOptions], GraphResponse]


class GraphService(
    DriveEndpoints, SharingEndpoints, MailEndpoints, SubscriptionEndpoints, RequestHandler
):
    """Graph's drive, sharing, mail and subscription endpoints over an ``EmulatorState``."""

    def __init__(
        self, state: EmulatorState, renderer: Renderer, handshake: Handshake | None = None
    ) -> None:
        super().__init__(state, renderer, handshake)
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
            ("subscriptions", "POST"): self._create_subscription,
            ("subscriptions", "GET"): self._list_subscriptions,
            ("subscription", "GET"): self._get_subscription,
            ("subscription", "PATCH"): self._renew_subscription,
            ("subscription", "DELETE"): self._delete_subscription,
            ("reauthorize", "POST"): self._reauthorize,
        }
        self._unlocked = {self._create_subscription}

    def handle(self, request: GraphRequest) -> GraphResponse:
        return self.dispatch(parse(request.path), request)

    def dispatch(self, route: Route, request: GraphRequest) -> GraphResponse:
        handler = self._routes.get((route.target, request.method.upper()))
        if handler is None:
            if any(target == route.target for target, _ in self._routes):
                raise MethodNotAllowed(f"{request.method} is not supported on this resource")
            raise BadRequest(f"Resource not found for the segment '{route.target}'.")
        options = QueryOptions.parse(request.query)
        if handler in self._unlocked:
            return handler(route, request, options)
        with self.state.lock:
            return handler(route, request, options)
