"""Helpers: settable clocks, raw or msgraph-sdk clients served by the emulator in process, and a
notification receiver that answers Graph's handshake and keeps what it is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from kiota_abstractions.authentication import AnonymousAuthenticationProvider
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_option import RequestOption
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from spcheck.emulator.app import DEFAULT_BASE_URL
from spcheck.emulator.inprocess import transport
from spcheck.emulator.state import EmulatorState

START = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)


class Clock:
    """A settable clock for ``EmulatorState(clock=...)``."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FakeMonotonic:
    """A monotonic clock the resource-unit window reads; tests move it by hand."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def raw_client(state: EmulatorState, **app_kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport(state, **app_kwargs), base_url=DEFAULT_BASE_URL)


def graph_client(
    state: EmulatorState,
    *,
    options: dict[str, RequestOption] | None = None,
    **app_kwargs: Any,
) -> GraphServiceClient:
    """The unmodified msgraph-sdk, with its default middleware, served in process."""
    http = httpx.AsyncClient(transport=transport(state, **app_kwargs), base_url=DEFAULT_BASE_URL)
    http = GraphClientFactory.create_with_default_middleware(client=http, options=options)
    adapter = GraphRequestAdapter(AnonymousAuthenticationProvider(), client=http)
    adapter.base_url = DEFAULT_BASE_URL
    return GraphServiceClient(request_adapter=adapter)


def with_headers(**headers: str) -> RequestConfiguration[Any]:
    """Request configuration carrying extra headers (``X_Emulator_User`` -> ``X-Emulator-User``)."""
    config: RequestConfiguration[Any] = RequestConfiguration()
    for name, value in headers.items():
        config.headers.add(name.replace("_", "-"), value)
    return config


def as_user(email: str) -> RequestConfiguration[Any]:
    return with_headers(X_Emulator_User=email)


RECEIVER_URL = "http://127.0.0.1:7071/api/notify?code=test-key"


class Receiver:
    """An ASGI notification endpoint: echoes ``validationToken``, keeps every body it gets.

    ``status`` is what it answers notifications with; ``echo`` False makes it answer the
    handshake wrongly (a subscriber that does not validate).
    """

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.queries: list[dict[str, str]] = []
        self.status = 202
        self.echo = True
        self.app = Starlette(routes=[Route("/api/notify", self._notify, methods=["POST"])])

    async def _notify(self, request: Request) -> Response:
        self.queries.append(dict(request.query_params))
        token = request.query_params.get("validationToken")
        if token is not None:
            return PlainTextResponse(token if self.echo else token[::-1])
        self.bodies.append(await request.json())
        return Response(status_code=self.status)

    @property
    def notifications(self) -> list[dict[str, Any]]:
        return [note for body in self.bodies for note in body["value"]]

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)
