"""Fixtures for gateway tests: a fake clock, emulator-style settings, respx-backed gateways."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from spcheck.graph.client import build_gateway
from spcheck.graph.gateway import GraphGateway
from spcheck.graph.retry import RetryPolicy
from spcheck.settings import AuthMode, Settings

BASE = "http://127.0.0.1/v1.0"
SITE = "emulator.sharepoint.example:/sites/inspections"
FAKE_TOKEN = "eyJ0eXAiOiJKV1Qi.fake-access-token-do-not-print"


class FakeClock:
    """A monotonic clock that moves only when something sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self.wall = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def wall_now(self) -> datetime:
        return self.wall + timedelta(seconds=self.now - 1000.0)


class FakeCredential:
    """Stands in for an azure-identity async credential."""

    def __init__(self, error: BaseException | None = None, token: str = FAKE_TOKEN) -> None:
        self.error = error
        self.token = token
        self.calls = 0
        self.closed = False

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.calls += 1
        if self.error is not None:
            raise self.error
        return AccessToken(self.token, 4_102_444_800)

    async def close(self) -> None:
        self.closed = True


def emulator_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"auth": "none", "graph_url": BASE, "site": SITE}
    values.update(overrides)
    return Settings(_env_file=None, **values)


def tenant_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "auth": "secret",
        "graph_url": "https://graph.microsoft.com/v1.0",
        "site": "glenmorven.sharepoint.example:/sites/inspections",
        "tenant_id": "0b1c2d3e-aaaa-bbbb-cccc-112233445566",
        "client_id": "9f8e7d6c-dddd-eeee-ffff-665544332211",
        "client_secret": "not-a-real-secret-value",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def router() -> respx.Router:
    """Routes match on the path only, so one router serves emulator and tenant settings."""
    return respx.Router(assert_all_called=False)


def at(path: str) -> dict[str, str]:
    """Route pattern for a Graph path under /v1.0 on any host."""
    return {"path": "/v1.0" + path}


GatewayFactory = Callable[..., GraphGateway]


@pytest.fixture
def make_gateway(clock: FakeClock, router: respx.Router) -> GatewayFactory:
    def make(
        settings: Settings | None = None,
        *,
        policy: RetryPolicy | None = None,
        credentials: list[tuple[AuthMode, FakeCredential]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> GraphGateway:
        return build_gateway(
            settings or emulator_settings(),
            transport=transport or httpx.MockTransport(router.async_handler),
            clock=clock,
            sleep=clock.sleep,
            now=clock.wall_now,
            policy=policy,
            credentials=credentials,
        )

    return make
