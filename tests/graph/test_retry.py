"""The one retry layer, edge by edge, through the real adapter and middleware (respx transport)."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
import respx

from spcheck.errors import ServiceUnavailable
from spcheck.graph.interface import GraphThrottled, GraphUnavailable
from spcheck.graph.retry import RetryPolicy
from spcheck.settings import AuthMode

from .conftest import FAKE_TOKEN, FakeClock, FakeCredential, GatewayFactory, at, tenant_settings

CHILDREN = "/drives/d1/items/i1/children"
PAGE = {"value": [{"id": "a", "name": "Records", "folder": {}}]}


def _children(make_gateway: GatewayFactory, **kwargs: object) -> list[str]:
    async def scenario() -> list[str]:
        async with make_gateway(**kwargs) as gateway:
            return [item.id for item in await gateway.children("d1", "i1")]

    return asyncio.run(scenario())


@pytest.mark.parametrize("seconds", [0, 5])
def test_retry_after_is_honoured_exactly(
    seconds: int, router: respx.Router, clock: FakeClock, make_gateway: GatewayFactory
) -> None:
    route = router.get(**at(CHILDREN)).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": str(seconds)}),
            httpx.Response(200, json=PAGE),
        ]
    )

    assert _children(make_gateway) == ["a"]
    assert route.call_count == 2
    assert clock.sleeps == [float(seconds)]


def test_retry_after_as_http_date_is_honoured(
    router: respx.Router, clock: FakeClock, make_gateway: GatewayFactory
) -> None:
    router.get(**at(CHILDREN)).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"}),
            httpx.Response(200, json=PAGE),
        ]
    )

    assert _children(make_gateway) == ["a"]
    assert clock.sleeps == [0.0]  # a date in the past means "now", not a back-off


def test_503_then_success_backs_off_with_jitter(
    router: respx.Router, clock: FakeClock, make_gateway: GatewayFactory
) -> None:
    route = router.get(**at(CHILDREN)).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=PAGE)]
    )
    policy = RetryPolicy(backoff_initial=2.0, backoff_max=30.0)

    assert _children(make_gateway, policy=policy) == ["a"]
    assert route.call_count == 2
    assert len(clock.sleeps) == 1
    assert 2.0 <= clock.sleeps[0] <= 4.0  # initial plus up to one initial of jitter


def test_connection_reset_is_retried(
    router: respx.Router, clock: FakeClock, make_gateway: GatewayFactory
) -> None:
    route = router.get(**at(CHILDREN)).mock(
        side_effect=[httpx.ReadError("connection reset by peer"), httpx.Response(200, json=PAGE)]
    )

    assert _children(make_gateway) == ["a"]
    assert route.call_count == 2
    assert len(clock.sleeps) == 1


def test_429_storm_surfaces_as_one_clear_error(
    router: respx.Router, clock: FakeClock, make_gateway: GatewayFactory
) -> None:
    route = router.get(**at(CHILDREN)).mock(
        return_value=httpx.Response(
            429,
            headers={"Retry-After": "2"},
            json={"error": {"code": "activityLimitReached", "message": "slow down"}},
        )
    )
    policy = RetryPolicy(max_attempts=4, max_total_seconds=600)
    credentials = [(AuthMode.SECRET, FakeCredential())]

    with pytest.raises(GraphThrottled) as caught:
        _children(make_gateway, settings=tenant_settings(), policy=policy, credentials=credentials)

    error = caught.value
    message = str(error)
    assert isinstance(error, ServiceUnavailable)
    assert error.exit_code == 3
    assert "\n" not in message
    assert message.startswith(f"GET {CHILDREN}: ")
    assert "429" in message
    assert "activityLimitReached" in message
    assert "4 attempts" in message
    assert FAKE_TOKEN not in message
    assert "Bearer" not in message
    # kiota's RetryHandler is off: exactly one HTTP request per attempt of ours
    assert route.call_count == 4
    assert clock.sleeps == [2.0, 2.0, 2.0]


def test_retry_after_beyond_the_time_cap_gives_up_at_once(
    router: respx.Router, clock: FakeClock, make_gateway: GatewayFactory
) -> None:
    route = router.get(**at(CHILDREN)).mock(
        return_value=httpx.Response(429, headers={"Retry-After": "900"})
    )

    with pytest.raises(GraphThrottled) as caught:
        _children(make_gateway, policy=RetryPolicy(max_total_seconds=120))

    assert route.call_count == 1
    assert clock.sleeps == []
    assert "asked to wait 900 s more, beyond the 120 s limit" in str(caught.value)


def test_connection_failures_exhaust_into_unavailable(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    router.get(**at(CHILDREN)).mock(side_effect=httpx.ConnectError("connection refused"))

    with pytest.raises(GraphUnavailable) as caught:
        _children(make_gateway, policy=RetryPolicy(max_attempts=3))

    assert caught.value.exit_code == 3
    assert "could not reach Graph (ConnectError) after 3 attempts" in str(caught.value)


def test_each_retry_is_logged_with_method_path_and_wait_never_the_token(
    router: respx.Router, make_gateway: GatewayFactory, caplog: pytest.LogCaptureFixture
) -> None:
    router.get(**at(CHILDREN)).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(504),
            httpx.Response(200, json=PAGE),
        ]
    )
    credentials = [(AuthMode.SECRET, FakeCredential())]
    caplog.set_level(logging.DEBUG)

    _children(make_gateway, settings=tenant_settings(), credentials=credentials)

    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2
    assert retries[0].startswith(f"GET {CHILDREN}: HTTP 429; retrying in 3 s")
    assert retries[1].startswith(f"GET {CHILDREN}: HTTP 504; retrying in ")
    assert all(FAKE_TOKEN not in record.getMessage() for record in caplog.records)
    assert "not-a-real-secret-value" not in caplog.text


def test_rate_limit_headers_slow_the_next_request(
    router: respx.Router, clock: FakeClock, make_gateway: GatewayFactory
) -> None:
    router.get(**at(CHILDREN)).mock(
        return_value=httpx.Response(
            200,
            json=PAGE,
            headers={"RateLimit-Limit": "1200", "RateLimit-Remaining": "0", "RateLimit-Reset": "7"},
        )
    )

    async def scenario() -> None:
        async with make_gateway() as gateway:
            await gateway.children("d1", "i1")
            assert clock.sleeps == []
            await gateway.children("d1", "i1")

    asyncio.run(scenario())
    assert clock.sleeps
    assert sum(clock.sleeps) >= 7.0
