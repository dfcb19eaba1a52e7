"""The resource-unit token bucket, on a fake clock."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from spcheck.graph.budget import ResourceBudget

from .conftest import FakeClock, GatewayFactory, emulator_settings


def _budget(clock: FakeClock, per_minute: int = 60) -> ResourceBudget:
    return ResourceBudget(per_minute, clock=clock, sleep=clock.sleep)


def test_a_full_bucket_spends_without_waiting_then_refills_at_the_rate(clock: FakeClock) -> None:
    budget = _budget(clock, per_minute=60)  # 1 RU per second, 60 in the bucket

    async def scenario() -> None:
        for _ in range(12):
            await budget.acquire(5)
        assert clock.sleeps == []
        waited = await budget.acquire(5)
        assert waited == 5.0

    asyncio.run(scenario())
    assert budget.charged == 65


def test_a_cost_bigger_than_the_bucket_runs_when_full_and_leaves_debt(clock: FakeClock) -> None:
    budget = _budget(clock, per_minute=60)

    async def scenario() -> None:
        await budget.acquire(100)  # a full $batch of permission reads
        assert clock.sleeps == []
        await budget.acquire(1)
        assert sum(clock.sleeps) == 41.0  # 40 RU of debt plus the 1 RU asked for

    asyncio.run(scenario())


def test_rate_limit_headers_only_tighten(clock: FakeClock) -> None:
    budget = _budget(clock, per_minute=600)
    budget.observe({"RateLimit-Limit": "6000", "RateLimit-Remaining": "5000"})
    assert budget.rate_per_minute == 600
    assert budget.available == 600

    budget.observe({"RateLimit-Limit": "120", "RateLimit-Remaining": "30", "RateLimit-Reset": "9"})
    assert budget.rate_per_minute == 120
    assert budget.available == 30


def test_nothing_remaining_blocks_until_the_reset(clock: FakeClock) -> None:
    budget = _budget(clock, per_minute=600)
    budget.observe({"RateLimit-Remaining": "0", "RateLimit-Reset": "12"})

    async def scenario() -> float:
        return await budget.acquire(1)

    waited = asyncio.run(scenario())
    assert waited >= 12.0


def test_a_pause_holds_every_request_until_it_ends(clock: FakeClock) -> None:
    budget = _budget(clock, per_minute=600)

    async def scenario() -> list[float]:
        budget.pause(4.0)
        return list(await asyncio.gather(budget.acquire(1), budget.acquire(1)))

    waits = asyncio.run(scenario())
    assert waits[0] == 4.0
    assert clock.now == 1004.0
    assert budget.charged == 2


def test_a_zero_pause_changes_nothing(clock: FakeClock) -> None:
    budget = _budget(clock)
    budget.pause(0)

    async def scenario() -> float:
        return await budget.acquire(1)

    assert asyncio.run(scenario()) == 0.0


def test_a_gateway_run_slows_itself_down_to_the_budget(
    clock: FakeClock, make_gateway: GatewayFactory
) -> None:
    def permissions(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": []})

    async def scenario() -> None:
        transport = httpx.MockTransport(permissions)
        async with make_gateway(emulator_settings(ru_per_minute=10), transport=transport) as gw:
            for n in range(4):
                await gw.permissions("d1", f"f{n}")  # 5 RU each
            assert gw.stats().resource_units == 20

    asyncio.run(scenario())
    # 10 RU in the bucket pay for two reads; each further 5 RU take 30 s at 10 RU a minute.
    assert sum(clock.sleeps) == pytest.approx(60.0)


def test_concurrency_is_bounded_by_the_setting(make_gateway: GatewayFactory) -> None:
    in_flight = 0
    peak = 0

    async def slow_batch(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(5):
            await asyncio.sleep(0)  # let every other coroutine that can, start
        in_flight -= 1
        payload = json.loads(request.content)
        answers = [
            {"id": sub["id"], "status": 200, "body": {"value": []}} for sub in payload["requests"]
        ]
        return httpx.Response(200, json={"responses": answers})

    async def scenario() -> None:
        transport = httpx.MockTransport(slow_batch)
        settings = emulator_settings(concurrency=2, ru_per_minute=100_000)
        async with make_gateway(settings, transport=transport) as gateway:
            result = await gateway.permissions_many("d1", [f"f{n}" for n in range(200)])
            assert len(result.found) == 200

    asyncio.run(scenario())
    assert peak == 2
