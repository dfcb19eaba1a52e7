"""The emulator as an ASGI (Starlette) application.

Layers, outermost first: fault injection (latency, dropped connections, injected
statuses, an unreachable Graph), then one catch-all route that reads the raw
path, then ``Emulator``: accounting, the tenant modes (``modes``), resource-unit
metering, ``$batch``, and the endpoints of ``service``. Links (``@odata.nextLink``,
``@odata.deltaLink``, download URLs) are issued on the emulator's own
``base_url``; the token endpoint (``tokens``) answers beside them. Every response
carries a ``Date`` header (shifted by the ``skew`` mode) and is shown to the
observers of ``observe``.

Change notifications leave through ``notifier``: after any request that changed a
drive someone subscribed to, a task POSTs the notifications; creating a
subscription is served from a worker thread, so that its validation handshake can
run on the event loop meanwhile (the receiver may live in this very process).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spcheck.emulator import observe
from spcheck.emulator.batch import run_batch
from spcheck.emulator.faults import RETRYABLE, FaultInjector, FaultSpec
from spcheck.emulator.interface import (
    BadRequest,
    ConnectionDropped,
    GraphError,
    GraphRequest,
    GraphResponse,
    GraphUnreachable,
    ItemNotFound,
    RequestHandler,
    Throttled,
)
from spcheck.emulator.metering import DEFAULT_RU_PER_MINUTE, ResourceMeter
from spcheck.emulator.notifier import Notifier
from spcheck.emulator.render import DOWNLOAD_PREFIX, Renderer
from spcheck.emulator.routing import Route, parse, resource_units
from spcheck.emulator.service import USER_HEADER, GraphService
from spcheck.emulator.state import EmulatorState
from spcheck.emulator.stats import RequestRecord
from spcheck.emulator.tokens import TOKEN_PATH, TokenIssuer, token_reply

DEFAULT_BASE_URL = "http://graph.emulator.local/v1.0"
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
_FAULT_CODES = {
    "429": "activityLimitReached",
    "500": "generalException",
    "502": "badGateway",
    "503": "serviceNotAvailable",
    "504": "gatewayTimeout",
}


class InjectedFault(GraphError):
    def __init__(self, status: str, retry_after: int) -> None:
        super().__init__(
            f"Injected fault {status}: the emulator was asked to fail this request",
            headers={"Retry-After": str(retry_after)} if status in RETRYABLE else None,
        )
        self.status = int(status)
        self.code = _FAULT_CODES[status]


class Emulator(RequestHandler):
    """Accounting, metering and ``$batch`` around the endpoints; answers one request."""

    def __init__(
        self,
        state: EmulatorState,
        base_url: str,
        faults: FaultInjector,
        meter: ResourceMeter,
        notifier: Notifier | None = None,
    ) -> None:
        self.state = state
        self.base_url = base_url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path.rstrip("/")
        self.faults = faults
        self.modes = faults.spec.modes
        if self.modes.external_sharing is not None:  # a setting of the tenant: the state keeps it
            state.set_external_sharing(self.modes.external_sharing)
        self.meter = meter
        self.tokens = TokenIssuer()
        self.renderer = Renderer(state, self.base_url)
        self.notifier = notifier or Notifier(state, faults)
        self.service = GraphService(state, self.renderer, self.notifier.validate_blocking)

    def error_response(
        self, error: GraphError, request: GraphRequest, request_id: str | None = None
    ) -> GraphResponse:
        """Graph's error body; ``request_id`` matches the response's request-id header."""
        inner = {
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": request_id or str(uuid.uuid4()),
            "client-request-id": request.header("client-request-id") or str(uuid.uuid4()),
        }
        body = {"error": {"code": error.code, "message": error.message, "innerError": inner}}
        return GraphResponse(error.status, body=body, headers=error.headers)

    def _record(
        self, request: GraphRequest, kind: str, status: int, units: int, fault: str | None = None
    ) -> None:
        record = RequestRecord(
            request.method,
            kind,
            status,
            units,
            fault,
            request.in_batch,
            request.header(USER_HEADER),
        )
        self.state.stats.record(record, user_agent=request.header("user-agent"))

    def handle(self, request: GraphRequest) -> GraphResponse:
        request_id = str(uuid.uuid4())
        try:
            route: Route | None = parse(request.path)
        except GraphError as error:
            route, parse_error = None, error
        kind = route.kind(request.method) if route is not None else f"{request.method} unknown"
        if request.in_batch:
            decision = self.faults.draw(allow_reset=False)
            if decision.fault is not None:
                injected = InjectedFault(decision.fault, self.faults.spec.retry_after)
                self._record(request, kind, injected.status, 0, decision.fault)
                return self._failed(injected, request, request_id, kind)
        claims = self.tokens.read(request.header("authorization"))
        as_app = not (request.header(USER_HEADER) or "").strip()
        refused = self.modes.refusal(route, request, claims, as_app=as_app)
        if refused is not None:
            self._record(request, kind, refused.status, 0)
            return self._failed(refused, request, request_id, kind)
        token = request.query.get("token")
        cost = resource_units(route, request.method, token) if route is not None else 1
        verdict = self.meter.charge(cost)
        if not verdict.allowed:
            throttled = Throttled(
                "The request has been throttled: the app's resource units per minute are spent",
                headers={"Retry-After": str(verdict.retry_after), **verdict.headers},
            )
            self._record(request, kind, 429, 0)
            return self._failed(throttled, request, request_id, kind)
        try:
            if route is None:
                raise parse_error
            if route.target == "batch":
                response = run_batch(self, request, self.base_path)
            else:
                response = self.service.dispatch(route, request)
        except GraphError as error:
            response = self.error_response(error, request, request_id)
        self._record(request, kind, response.status, cost)
        return self._stamped(response, request, request_id, kind, verdict.headers)

    def _failed(
        self, error: GraphError, request: GraphRequest, request_id: str, kind: str
    ) -> GraphResponse:
        response = self.error_response(error, request, request_id)
        return self._stamped(response, request, request_id, kind)

    def _stamped(
        self,
        response: GraphResponse,
        request: GraphRequest,
        request_id: str,
        kind: str,
        extra: Mapping[str, str] | None = None,
    ) -> GraphResponse:
        """Add Graph's request-id and Date, the caller's client-request-id and any metering
        headers; then show the final response to the observers."""
        headers = {**response.headers, **(extra or {}), "request-id": request_id}
        client_request_id = request.header("client-request-id")
        if client_request_id:
            headers["client-request-id"] = client_request_id
        if not request.in_batch:
            moment = datetime.now(UTC) + timedelta(seconds=self.modes.clock_skew)
            headers["Date"] = format_datetime(moment, usegmt=True)
        stamped = GraphResponse(response.status, response.body, response.content, headers)
        observe.notify(request, kind, stamped)
        return stamped

    def token(self, request: GraphRequest) -> GraphResponse:
        """``POST /_emulator/token``: client credentials in, an emulator token out."""
        request_id = str(uuid.uuid4())
        kind = f"{request.method} token"
        if request.method != "POST":
            self._record(request, kind, 405, 0)
            refused = {
                "error": "invalid_request",
                "error_description": "The token endpoint takes POST",
            }
            return self._stamped(GraphResponse(405, body=refused), request, request_id, kind)
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        status, body = token_reply(
            form, self.tokens, self.modes.roles, secret_expired=self.modes.secret_expired
        )
        self._record(request, kind, status, 0)
        return self._stamped(GraphResponse(status, body=body), request, request_id, kind)

    def download(self, request: GraphRequest) -> GraphResponse:
        """The pre-authenticated download URL behind ``GET .../content`` (costs no units)."""
        request_id = str(uuid.uuid4())
        parts = [unquote(part) for part in request.path[len(DOWNLOAD_PREFIX) :].split("/") if part]
        try:
            if len(parts) != 2:
                raise ItemNotFound("The download link is not valid")
            with self.state.lock:
                item = self.state.get_item(parts[0], parts[1])
                if item.is_folder:
                    raise ItemNotFound("The download link is not valid")
                response = GraphResponse(
                    200,
                    content=item.content,
                    headers={
                        "Content-Type": item.mime_type or "application/octet-stream",
                        "ETag": item.etag,
                    },
                )
        except GraphError as error:
            response = self.error_response(error, request, request_id)
        self._record(request, "GET download", response.status, 0)
        return self._stamped(response, request, request_id, "GET download")

    def handle_http(self, request: GraphRequest) -> GraphResponse:
        """A request straight off the wire: ``request.path`` is the full raw path."""
        if request.path.startswith(DOWNLOAD_PREFIX + "/"):
            return self.download(request)
        if request.path == TOKEN_PATH:
            return self.token(request)
        prefix = self.base_path
        if prefix and not (request.path == prefix or request.path.startswith(prefix + "/")):
            error = BadRequest(f"Invalid version: expected paths under {prefix}")
            request_id = str(uuid.uuid4())
            kind = f"{request.method} unknown"
            self._record(request, kind, 400, 0)
            return self._failed(error, request, request_id, kind)
        below = GraphRequest(
            request.method,
            request.path[len(prefix) :],
            request.query,
            request.headers,
            request.body,
        )
        return self.handle(below)

    def fault_response(self, fault: str, scope: Scope) -> GraphResponse | None:
        """Count an injected fault and build its response (None for a dropped connection)."""
        method = str(scope.get("method", "GET"))
        raw = bytes(scope.get("raw_path") or str(scope.get("path", "")).encode()).split(b"?")[0]
        path = raw.decode("latin-1")
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope.get("headers", [])
        }
        request = GraphRequest(method, path, {}, headers)
        try:
            below = path[len(self.base_path) :] if path.startswith(self.base_path) else path
            kind = parse(below).kind(method)
        except GraphError:
            kind = f"{method} unknown"
        status = 0 if fault in ("reset", "unreachable") else int(fault)
        self._record(request, kind, status, 0, fault)
        if status == 0:
            return None
        request_id = str(uuid.uuid4())
        injected = InjectedFault(fault, self.faults.spec.retry_after)
        return self._failed(injected, request, request_id, kind)

    def unreachable(self, scope: Scope) -> bool:
        """Whether the ``graph:unreachable`` mode drops this request (the token endpoint
        stays reachable: it is another service)."""
        if not self.modes.unreachable:
            return False
        return str(scope.get("path", "")) != TOKEN_PATH


async def _drop_connection(send: Send, *, unreachable: bool = False) -> None:
    """Close the connection without a response: abort the socket when served by uvicorn,
    otherwise raise ``ConnectionDropped`` (``GraphUnreachable`` for the unreachable mode)
    for the in-process transport to translate."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None and callable(getattr(transport, "abort", None)):
        transport.abort()
        for _ in range(3):
            await asyncio.sleep(0)  # let the server notice the loss before the app returns
        return
    if unreachable:
        raise GraphUnreachable("tenant mode graph:unreachable: no connection")
    raise ConnectionDropped("injected fault: connection reset")


class FaultLayer:
    """Outermost ASGI layer: latency, dropped connections and injected error statuses."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.emulator.unreachable(scope):
            self.emulator.fault_response("unreachable", scope)
            await _drop_connection(send, unreachable=True)
            return
        decision = self.emulator.faults.draw()
        if decision.latency > 0:
            await asyncio.sleep(decision.latency)
        if decision.fault is None:
            await self.app(scope, receive, send)
            return
        response = self.emulator.fault_response(decision.fault, scope)
        if response is None:
            await _drop_connection(send)
            return
        content, headers = response.encoded()
        raw_headers = [
            (key.lower().encode("latin-1"), value.encode("latin-1"))
            for key, value in headers.items()
        ]
        raw_headers.append((b"content-length", str(len(content)).encode()))
        start: Message = {
            "type": "http.response.start",
            "status": response.status,
            "headers": raw_headers,
        }
        await send(start)
        await send({"type": "http.response.body", "body": content})


class EmulatorApp(Starlette):
    """Starlette app serving the emulator; ``app.emulator`` exposes the core for tests."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        super().__init__(routes=[StarletteRoute("/{path:path}", self._endpoint, methods=_METHODS)])

    def build_middleware_stack(self) -> ASGIApp:
        return FaultLayer(super().build_middleware_stack(), self.emulator)

    async def _endpoint(self, request: Request) -> Response:
        body = await request.body()
        raw_path: Any = request.scope.get("raw_path") or request.scope["path"].encode()
        path = bytes(raw_path).split(b"?")[0].decode("latin-1")
        query = dict(
            parse_qsl(
                request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
            )
        )
        headers = {key.lower(): value for key, value in request.headers.items()}
        graph_request = GraphRequest(request.method.upper(), path, query, headers, body)
        notifier = self.emulator.notifier
        if graph_request.method == "POST" and path.rstrip("/").lower().endswith("/subscriptions"):
            # The handshake runs on this loop while the request waits in a thread.
            notifier.bind()
            response = await asyncio.to_thread(self.emulator.handle_http, graph_request)
        else:
            response = self.emulator.handle_http(graph_request)
        if self.emulator.state.outbox:
            notifier.schedule_flush()
        content, out_headers = response.encoded()
        return Response(content, status_code=response.status, headers=out_headers)


def create_app(
    state: EmulatorState,
    *,
    base_url: str = DEFAULT_BASE_URL,
    faults: str | FaultSpec | None = None,
    fault_seed: int = 0,
    ru_per_minute: int | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    notify_transport: httpx.AsyncBaseTransport | None = None,
    notify_tick: float | None = None,
    notify_retry_pause: float = 0.5,
) -> EmulatorApp:
    """The emulator over ``state``, answering on ``base_url`` (its path is the API version).

    ``ru_per_minute`` defaults to 1,200, SharePoint's budget for the smallest tenants;
    ``monotonic`` is the clock of the resource-unit window (tests pass a fake).
    Notifications go out through ``notify_transport`` (default: the network, loopback
    only); ``notify_tick`` seconds make a background task apply the clock (expiry,
    lifecycle events) and send what is waiting, as a served emulator needs.
    """
    meter = ResourceMeter(ru_per_minute or DEFAULT_RU_PER_MINUTE, monotonic)
    injector = FaultInjector(faults, fault_seed)
    notifier = Notifier(
        state,
        injector,
        transport=notify_transport,
        tick=notify_tick,
        retry_pause=notify_retry_pause,
    )
    emulator = Emulator(state, base_url, injector, meter, notifier)
    return EmulatorApp(emulator)
