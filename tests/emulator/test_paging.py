"""Children paging: 450 children in pages of 200 through @odata.nextLink, as the SDK follows it."""

from __future__ import annotations

import asyncio
import json
from typing import cast

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.drives.item.items.item.children.children_request_builder import (
    ChildrenRequestBuilder,
)
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from spcheck.emulator.app import DEFAULT_BASE_URL
from spcheck.emulator.seeds import DEMO_PARTNERSHIP_USERS
from spcheck.emulator.state import EmulatorState

from .helpers import graph_client, raw_client

UPLOADER = DEMO_PARTNERSHIP_USERS[0][0]


def plant(state: EmulatorState, drive_id: str, count: int) -> str:
    for index in range(count):
        state.upload(drive_id, "Inspections/big", f"REC-{index:04d}.docx", b"r", user=UPLOADER)
    folder = state.item_by_path(drive_id, "Inspections/big")
    assert folder is not None
    return folder.id


def test_sdk_pages_through_450_children(state: EmulatorState, drive_id: str) -> None:
    """The SDK builds each request and follows nextLink verbatim; pages are read as raw bytes,
    as spcheck reads collections (typed models cost about 8 ms per item)."""
    folder_id = plant(state, drive_id, 450)

    async def scenario() -> tuple[list[int], list[str], list[str]]:
        client = graph_client(state)
        children = client.drives.by_drive_id(drive_id).items.by_drive_item_id(folder_id).children
        query = ChildrenRequestBuilder.ChildrenRequestBuilderGetQueryParameters(
            select=["id", "name"]
        )
        info = children.to_get_request_information(RequestConfiguration(query_parameters=query))
        sizes: list[int] = []
        names: list[str] = []
        links: list[str] = []
        while True:
            raw = cast(
                bytes,
                await client.request_adapter.send_primitive_async(
                    info, "bytes", {"XXX": ODataError}
                ),
            )
            page = json.loads(raw)
            sizes.append(len(page["value"]))
            names.extend(item["name"] for item in page["value"])
            assert all(set(item) == {"id", "name"} for item in page["value"])
            if "@odata.nextLink" not in page:
                break
            links.append(page["@odata.nextLink"])
            info = children.with_url(page["@odata.nextLink"]).to_get_request_information()
        return sizes, names, links

    sizes, names, links = asyncio.run(scenario())
    assert sizes == [200, 200, 50]
    assert names == [f"REC-{index:04d}.docx" for index in range(450)]
    assert all(link.startswith(f"{DEFAULT_BASE_URL}/drives/") for link in links)
    assert all("$select=id,name" in link for link in links)
    assert state.stats.by_kind["GET children"] == 3
    assert state.stats.ru_by_kind["GET children"] == 6


def test_top_sets_the_page_size_and_paging_survives_concurrent_uploads(
    state: EmulatorState, drive_id: str
) -> None:
    folder_id = plant(state, drive_id, 10)

    async def scenario() -> list[str]:
        async with raw_client(state) as client:
            response = await client.get(f"/drives/{drive_id}/items/{folder_id}/children?$top=4")
            body = response.json()
            names = [item["name"] for item in body["value"]]
            # A file sorting before the cursor arrives mid-listing: nothing is skipped or repeated.
            state.upload(drive_id, "Inspections/big", "AAA-late.docx", b"l", user=UPLOADER)
            while "@odata.nextLink" in body:
                assert "$top=4" in body["@odata.nextLink"]
                body = (await client.get(body["@odata.nextLink"])).json()
                names.extend(item["name"] for item in body["value"])
            return names

    names = asyncio.run(scenario())
    assert names == [f"REC-{index:04d}.docx" for index in range(10)]
