"""``$batch`` for permissions: hand-built JSON, at most 20 per batch, failed sub-requests alone."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import respx

from spcheck.graph import batch
from spcheck.graph.interface import GraphAuthError

from .conftest import FakeClock, GatewayFactory, at


def _permission(pid: str, email: str, role: str = "write") -> dict[str, object]:
    return {
        "id": pid,
        "roles": [role],
        "grantedToV2": {"user": {"email": email, "displayName": "Test Person"}},
    }


def _ok(rid: str, item: str) -> dict[str, object]:
    body = {"value": [_permission(f"p-{item}", f"{item}@glenmorven-council.example")]}
    return {"id": rid, "status": 200, "headers": {"Content-Type": "application/json"}, "body": body}


def _item_from(url: str) -> str:
    return url.split("/items/")[1].split("/")[0]


def test_two_throttled_sub_requests_are_retried_alone_after_their_own_retry_after(
    router: respx.Router, clock: FakeClock, make_gateway: GatewayFactory
) -> None:
    posted: list[dict[str, object]] = []

    def answer_batch(request: httpx.Request) -> httpx.Response:
        payload = json.loads(request.content)
        posted.append(payload)
        responses = []
        for sub in payload["requests"]:
            item = _item_from(sub["url"])
            if item == "f2":
                responses.append(
                    {"id": sub["id"], "status": 429, "headers": {"Retry-After": "3"}, "body": {}}
                )
            elif item == "f3":
                responses.append(
                    {"id": sub["id"], "status": 503, "headers": {"retry-after": "7"}, "body": {}}
                )
            elif item == "f4":
                responses.append(
                    {"id": sub["id"], "status": 404, "body": {"error": {"code": "itemNotFound"}}}
                )
            else:
                responses.append(_ok(sub["id"], item))
        return httpx.Response(200, json={"responses": responses})

    batch_route = router.post(**at("/$batch")).mock(side_effect=answer_batch)
    single = {
        item: router.get(**at(f"/drives/d1/items/{item}/permissions")).mock(
            return_value=httpx.Response(
                200, json={"value": [_permission(f"p-{item}", f"{item}@nhs.example", "read")]}
            )
        )
        for item in ("f1", "f2", "f3", "f4")
    }

    async def scenario() -> None:
        async with make_gateway() as gateway:
            result = await gateway.permissions_many("d1", ["f1", "f2", "f3", "f4"])
            assert set(result.found) == {"f1", "f2", "f3"}
            assert result.missing == frozenset({"f4"})
            assert result.failed == {}
            assert result.found["f2"][0].roles == ("read",)  # from the single retry
            assert result.found["f1"][0].emails() == ("f1@glenmorven-council.example",)

    asyncio.run(scenario())
    assert batch_route.call_count == 1
    assert [call.call_count for call in single.values()] == [0, 1, 1, 0]
    assert sorted(clock.sleeps) == [3.0, 7.0]
    assert posted[0]["requests"] == [
        {"id": str(n), "method": "GET", "url": f"/drives/d1/items/f{n}/permissions"}
        for n in range(1, 5)
    ]


def test_many_items_go_in_batches_of_at_most_twenty(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    sizes: list[int] = []

    def answer_batch(request: httpx.Request) -> httpx.Response:
        payload = json.loads(request.content)
        sizes.append(len(payload["requests"]))
        return httpx.Response(
            200,
            json={
                "responses": [_ok(sub["id"], _item_from(sub["url"])) for sub in payload["requests"]]
            },
        )

    router.post(**at("/$batch")).mock(side_effect=answer_batch)
    ids = [f"f{n}" for n in range(45)]

    async def scenario() -> None:
        async with make_gateway() as gateway:
            result = await gateway.permissions_many("d1", [*ids, "f0"])
            assert set(result.found) == set(ids)
            assert gateway.stats().resource_units == 45 * 5

    asyncio.run(scenario())
    assert sorted(sizes) == [5, 20, 20]


def test_sub_request_failures_are_reported_not_passed(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    def answer_batch(request: httpx.Request) -> httpx.Response:
        payload = json.loads(request.content)
        (sub,) = payload["requests"]
        return httpx.Response(
            200,
            json={
                "responses": [
                    {"id": sub["id"], "status": 400, "body": {"error": {"code": "invalidRequest"}}}
                ]
            },
        )

    router.post(**at("/$batch")).mock(side_effect=answer_batch)

    async def scenario() -> None:
        async with make_gateway() as gateway:
            result = await gateway.permissions_many("d1", ["f1"])
            assert result.found == {}
            assert "HTTP 400 invalidRequest" in result.failed["f1"]

    asyncio.run(scenario())


def test_a_401_inside_a_batch_is_an_auth_error(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    router.post(**at("/$batch")).mock(
        return_value=httpx.Response(200, json={"responses": [{"id": "1", "status": 401}]})
    )

    async def scenario() -> None:
        async with make_gateway() as gateway:
            await gateway.permissions_many("d1", ["f1"])

    with pytest.raises(GraphAuthError):
        asyncio.run(scenario())


def test_encode_refuses_more_than_twenty_and_duplicate_ids() -> None:
    subs = [batch.SubRequest(id=str(n), method="GET", url=f"/x/{n}") for n in range(21)]
    with pytest.raises(ValueError, match="at most 20"):
        batch.encode(subs)
    with pytest.raises(ValueError, match="unique"):
        batch.encode([subs[0], subs[0]])


def test_encode_writes_depends_on_in_camel_case_and_bodies_as_json() -> None:
    encoded = json.loads(
        batch.encode(
            [
                batch.SubRequest(id="1", method="POST", url="/a", body={"name": "x"}),
                batch.SubRequest(id="2", method="GET", url="/b", depends_on=("1",)),
            ]
        )
    )
    first, second = encoded["requests"]
    assert first["headers"] == {"Content-Type": "application/json"}
    assert first["body"] == {"name": "x"}
    assert second["dependsOn"] == ["1"]
    assert "depends_on" not in second
