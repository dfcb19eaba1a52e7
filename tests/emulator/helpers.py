"""Helpers: settable clocks, and raw or msgraph-sdk clients served by the emulator in process."""

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
