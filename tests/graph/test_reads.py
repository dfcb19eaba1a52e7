"""Reads: paging by nextLink, addressing, site resolution, views."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import respx

from spcheck.graph import Gateway, run_with_gateway
from spcheck.graph.interface import GraphError, GraphNotFound

from .conftest import BASE, FakeClock, GatewayFactory, at, emulator_settings


def _item(n: int) -> dict[str, object]:
    return {
        "id": f"item-{n}",
        "name": f"record-{n}.docx",
        "size": n,
        "file": {"mimeType": "application/msword", "hashes": {"quickXorHash": f"q{n}"}},
        "createdBy": {"user": {"email": "morag.testperson@glenmorven-council.example"}},
        "unknownFutureProperty": {"nested": True},
    }


def test_children_follow_a_next_link_chain_verbatim(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    # nextLinks are opaque: they must be sent exactly as given, odd encoding included.
    second = f"{BASE}/drives/d1/items/i1/children?$top=2&$skiptoken=UGFnZWQ9VFJVRSZwX0lEPTI%3D"
    third = f"{BASE}/drives/d1/items/i1/children?$top=2&$skiptoken=UGFnZWQ9VFJVRSZwX0lEPTQ%3D"
    requested: list[str] = []

    def pages(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        requested.append(url)
        if "$skiptoken" not in url:
            return httpx.Response(
                200, json={"value": [_item(1), _item(2)], "@odata.nextLink": second}
            )
        if "p_ID%3D2" in url or "VFJVRSZwX0lEPTI%3D" in url:
            return httpx.Response(
                200, json={"value": [_item(3), _item(4)], "@odata.nextLink": third}
            )
        return httpx.Response(200, json={"value": [_item(5)]})

    router.get(**at("/drives/d1/items/i1/children")).mock(side_effect=pages)

    async def scenario() -> list[str]:
        async with make_gateway() as gateway:
            items = await gateway.children("d1", "i1")
            assert gateway.stats().requests == 3
            assert gateway.stats().resource_units == 6
            return [item.id for item in items]

    assert asyncio.run(scenario()) == [f"item-{n}" for n in range(1, 6)]
    assert requested[0] == f"{BASE}/drives/d1/items/i1/children?$top=200"
    assert requested[1:] == [second, third]


def test_a_next_link_loop_is_an_error_not_a_hang(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    loop = f"{BASE}/drives/d1/items/i1/children?$skiptoken=again"
    router.get(**at("/drives/d1/items/i1/children")).mock(
        return_value=httpx.Response(200, json={"value": [], "@odata.nextLink": loop})
    )

    async def scenario() -> None:
        async with make_gateway() as gateway:
            await gateway.children("d1", "i1")

    with pytest.raises(GraphError, match="same page link twice"):
        asyncio.run(scenario())


def test_views_read_graph_shapes_and_ignore_unknown_fields(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    router.get(**at("/drives/d1/items/i1/children")).mock(
        return_value=httpx.Response(200, json={"value": [_item(7)]})
    )

    async def scenario() -> None:
        async with make_gateway() as gateway:
            (item,) = await gateway.children("d1", "i1")
            assert item.file is not None
            assert item.file.hashes is not None
            assert item.file.hashes.quick_xor == "q7"
            assert item.created_by is not None
            assert item.created_by.label() == "morag.testperson@glenmorven-council.example"
            assert not item.is_folder

    asyncio.run(scenario())


def test_resolve_site_then_drive_without_double_slashes(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    site_id = "emulator.sharepoint.example,1111,2222"
    urls: list[str] = []

    def site(request: httpx.Request) -> httpx.Response:
        urls.append(request.url.raw_path.decode())
        return httpx.Response(200, json={"id": site_id, "webUrl": "https://x.example/sites/i"})

    def drive(request: httpx.Request) -> httpx.Response:
        urls.append(request.url.raw_path.decode())
        return httpx.Response(200, json={"id": "b!drive", "name": "Documents"})

    router.get(**at("/sites/emulator.sharepoint.example:/sites/inspections")).mock(side_effect=site)
    router.get(**at(f"/sites/{site_id}/drive")).mock(side_effect=drive)

    async def scenario() -> tuple[str, str]:
        async with make_gateway() as gateway:
            first = await gateway.resolve_site()
            again = await gateway.resolve_site()  # cached: no second pair of requests
            assert first == again
            return first.site_id, first.drive_id

    assert asyncio.run(scenario()) == (site_id, "b!drive")
    assert urls == [
        "/v1.0/sites/emulator.sharepoint.example:/sites/inspections",
        "/v1.0/sites/emulator.sharepoint.example%2C1111%2C2222/drive",
    ]


def test_an_unknown_site_names_the_setting(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    router.get(**at("/sites/emulator.sharepoint.example:/sites/inspections")).mock(
        return_value=httpx.Response(404, json={"error": {"code": "itemNotFound"}})
    )

    async def scenario() -> None:
        async with make_gateway() as gateway:
            await gateway.resolve_site()

    with pytest.raises(GraphNotFound, match=r"^SPCHECK_SITE: ") as caught:
        asyncio.run(scenario())
    assert caught.value.exit_code == 2


def test_item_by_path_encodes_each_segment_and_maps_404_to_none(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    paths: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.raw_path.decode())
        if "Missing" in paths[-1]:
            return httpx.Response(404, json={"error": {"code": "itemNotFound"}})
        return httpx.Response(200, json={"id": "f1", "name": "01 Pre-inspection return"})

    router.route(method="GET", path__startswith="/v1.0/drives/d1/root").mock(side_effect=answer)

    async def scenario() -> None:
        async with make_gateway() as gateway:
            found = await gateway.item_by_path(
                "d1", "/Inspections/fife-2026/01 Pre-inspection return"
            )
            assert found is not None
            assert found.id == "f1"
            assert await gateway.item_by_path("d1", "Inspections/Missing #1") is None
            root = await gateway.item_by_path("d1", "")
            assert root is not None

    asyncio.run(scenario())
    assert paths == [
        "/v1.0/drives/d1/root:/Inspections/fife-2026/01%20Pre-inspection%20return:",
        "/v1.0/drives/d1/root:/Inspections/Missing%20%231:",
        "/v1.0/drives/d1/root",
    ]


def test_an_unreadable_reply_is_a_graph_error_naming_the_call(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    router.get(**at("/drives/d1/items/i1/permissions")).mock(
        return_value=httpx.Response(200, content=json.dumps({"value": [{"roles": "x"}]}))
    )

    async def scenario() -> None:
        async with make_gateway() as gateway:
            await gateway.permissions("d1", "i1")

    with pytest.raises(GraphError, match=r"^GET /drives/d1/items/i1/permissions: the reply could"):
        asyncio.run(scenario())


def test_run_with_gateway_uses_one_loop_and_closes(router: respx.Router, clock: FakeClock) -> None:
    router.get(**at("/drives/d1/items/i1/children")).mock(
        return_value=httpx.Response(200, json={"value": [_item(1)]})
    )

    async def work(gateway: Gateway) -> list[str]:
        return [item.id for item in await gateway.children("d1", "i1")]

    found = run_with_gateway(
        emulator_settings(),
        work,
        transport=httpx.MockTransport(router.async_handler),
        clock=clock,
        sleep=clock.sleep,
    )
    assert found == ["item-1"]
