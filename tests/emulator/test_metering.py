"""Resource units: SharePoint's costs, RateLimit headers near the budget, 429 past it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from spcheck.emulator.metering import ResourceMeter
from spcheck.emulator.seeds import SERVICE_EMAIL, SITE
from spcheck.emulator.state import EmulatorState

from .helpers import FakeMonotonic, raw_client


def test_meter_warns_from_80_percent_and_refuses_past_the_limit() -> None:
    clock = FakeMonotonic()
    meter = ResourceMeter(20, clock)
    for _ in range(15):
        assert meter.charge(1).headers == {}
    warned = meter.charge(1)
    assert warned.allowed
    assert warned.headers == {
        "RateLimit-Limit": "20",
        "RateLimit-Remaining": "4",
        "RateLimit-Reset": "60",
    }
    clock.value += 10
    assert meter.charge(4).allowed
    refused = meter.charge(1)
    assert not refused.allowed
    assert refused.retry_after == 50
    assert meter.used == 20
    clock.value += 50
    assert meter.used == 4  # the first 16 units have left the window, the 4 spent later remain
    assert meter.charge(16).allowed
    assert not meter.charge(1).allowed


def test_retry_after_counts_only_the_units_that_must_expire() -> None:
    clock = FakeMonotonic()
    meter = ResourceMeter(10, clock)
    meter.charge(5)
    clock.value += 30
    meter.charge(5)
    refused = meter.charge(5)
    assert not refused.allowed
    assert refused.retry_after == 30


def test_each_request_is_charged_as_sharepoint_charges_it(
    state: EmulatorState, drive_id: str
) -> None:
    folder = state.create_folder(drive_id, "Inspections", "g")
    item = f"/drives/{drive_id}/items/{folder.id}"
    mail = {
        "message": {"subject": "s", "toRecipients": [{"emailAddress": {"address": "a@b.example"}}]}
    }

    async def scenario() -> None:
        async with raw_client(state, monotonic=FakeMonotonic()) as client:
            await client.get(f"/sites/{SITE}")
            await client.get(item)
            await client.get(f"{item}/children")
            await client.put(f"{item}:/a.txt:/content", content=b"a")
            await client.get(f"{item}/permissions")
            first = (await client.get(f"/drives/{drive_id}/root/delta")).json()
            await client.get(first["@odata.deltaLink"])
            await client.post(f"/users/{SERVICE_EMAIL}/sendMail", json=mail)

    asyncio.run(scenario())
    assert dict(state.stats.ru_by_kind) == {
        "GET site": 1,
        "GET item": 1,
        "GET children": 2,
        "PUT content": 2,
        "GET permissions": 5,
        "GET delta": 2 + 1,
        "POST sendMail": 0,
    }
    assert state.stats.resource_units == 14


def test_past_the_budget_requests_get_429_until_the_window_moves(state: EmulatorState) -> None:
    clock = FakeMonotonic()

    async def scenario() -> list[Any]:
        async with raw_client(state, ru_per_minute=10, monotonic=clock) as client:
            responses = [await client.get(f"/sites/{SITE}") for _ in range(12)]
            clock.value += 60
            responses.append(await client.get(f"/sites/{SITE}"))
            return responses

    responses = asyncio.run(scenario())
    assert [r.status_code for r in responses] == [200] * 10 + [429, 429, 200]
    assert "RateLimit-Limit" not in responses[6].headers
    assert responses[7].headers["RateLimit-Remaining"] == "2"
    throttled = responses[10]
    assert throttled.headers["Retry-After"] == "60"
    assert throttled.headers["RateLimit-Remaining"] == "0"
    assert throttled.json()["error"]["code"] == "activityLimitReached"
    assert state.stats.throttled == 2
    assert state.stats.resource_units == 11


@pytest.mark.parametrize("limit", [0, -5])
def test_a_meter_needs_a_positive_budget(limit: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ResourceMeter(limit)
