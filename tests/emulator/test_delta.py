"""Delta: full listing, incremental changes, paging, token=latest, expiry, hierarchical sharing."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import pytest
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from spcheck.emulator.app import DEFAULT_BASE_URL
from spcheck.emulator.seeds import DEMO_PARTNERSHIP_USERS, SITE
from spcheck.emulator.state import EmulatorState

from .helpers import graph_client, raw_client, with_headers

UPLOADER = DEMO_PARTNERSHIP_USERS[0][0]


async def full_delta(
    client: Any, url: str, **headers: str
) -> tuple[list[dict[str, Any]], str, int]:
    """Follow nextLinks to the deltaLink; return the items, the deltaLink and the page count."""
    items: list[dict[str, Any]] = []
    pages = 0
    while True:
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        items.extend(body["value"])
        if "@odata.deltaLink" in body:
            assert "@odata.nextLink" not in body
            return items, body["@odata.deltaLink"], pages
        url = body["@odata.nextLink"]


def test_incremental_delta_returns_exactly_the_changed_items(
    state: EmulatorState, drive_id: str
) -> None:
    renamed = state.upload(drive_id, "Inspections/g", "draft.docx", b"1", user=UPLOADER)
    moved = state.upload(drive_id, "Inspections/g", "move-me.docx", b"2", user=UPLOADER)
    deleted = state.upload(drive_id, "Inspections/g", "delete-me.docx", b"3", user=UPLOADER)
    untouched = state.upload(drive_id, "Inspections/g", "untouched.docx", b"4", user=UPLOADER)
    target = state.create_folder(drive_id, "Inspections", "h")

    async def scenario() -> None:
        client = graph_client(state)
        root = client.drives.by_drive_id(drive_id).items.by_drive_item_id("root")
        first = await root.delta.get()
        assert first is not None
        assert first.value is not None
        assert {untouched.id, renamed.id, target.id} <= {item.id for item in first.value}
        assert first.odata_delta_link is not None

        created = state.upload(drive_id, "Inspections/h", "new.pdf", b"5", user=UPLOADER)
        state.update_item(drive_id, renamed.id, name="final.docx")
        state.update_item(drive_id, moved.id, parent_id=target.id)
        state.delete_item(drive_id, deleted.id)

        changes = await root.delta.with_url(first.odata_delta_link).get()
        assert changes is not None
        assert changes.value is not None
        by_id = {item.id: item for item in changes.value}
        assert set(by_id) == {created.id, renamed.id, moved.id, deleted.id}
        assert by_id[renamed.id].name == "final.docx"
        moved_item = by_id[moved.id]
        assert moved_item.parent_reference is not None
        assert moved_item.parent_reference.id == target.id
        assert moved_item.parent_reference.drive_id == drive_id
        assert moved_item.parent_reference.path is None
        tombstone = by_id[deleted.id].deleted
        assert tombstone is not None
        assert tombstone.state == "deleted"
        assert by_id[created.id].deleted is None
        assert changes.odata_delta_link is not None

        quiet = await root.delta.with_url(changes.odata_delta_link).get()
        assert quiet is not None
        assert quiet.value == []

    asyncio.run(scenario())


def test_expired_token_gets_410_then_a_fresh_delta_works(
    state: EmulatorState, drive_id: str
) -> None:
    async def scenario() -> None:
        client = graph_client(state)
        root = client.drives.by_drive_id(drive_id).items.by_drive_item_id("root")
        first = await root.delta.get()
        assert first is not None
        assert first.odata_delta_link is not None
        state.expire_delta_tokens()
        with pytest.raises(ODataError) as raised:
            await root.delta.with_url(first.odata_delta_link).get()
        assert raised.value.response_status_code == 410
        assert raised.value.error is not None
        assert raised.value.error.code == "resyncRequired"
        fresh = await root.delta.get()
        assert fresh is not None
        assert fresh.value is not None
        assert len(fresh.value) == 2
        assert fresh.odata_delta_link is not None
        again = await root.delta.with_url(fresh.odata_delta_link).get()
        assert again is not None
        assert again.value == []

    asyncio.run(scenario())


def test_expiry_also_invalidates_next_links(state: EmulatorState, drive_id: str) -> None:
    for index in range(5):
        state.upload(drive_id, "Inspections/g", f"{index}.docx", b"x", user=UPLOADER)

    async def scenario() -> None:
        async with raw_client(state) as client:
            page = (await client.get(f"/drives/{drive_id}/root/delta?$top=2")).json()
            state.expire_delta_tokens()
            response = await client.get(page["@odata.nextLink"])
            assert response.status_code == 410
            assert response.json()["error"]["code"] == "resyncRequired"

    asyncio.run(scenario())


def test_token_latest_skips_history(state: EmulatorState, drive_id: str) -> None:
    state.upload(drive_id, "Inspections/g", "old.docx", b"x", user=UPLOADER)

    async def scenario() -> None:
        client = graph_client(state)
        root = client.drives.by_drive_id(drive_id).items.by_drive_item_id("root")
        latest = await root.delta_with_token("latest").get()
        assert latest is not None
        assert latest.value == []
        assert latest.odata_delta_link is not None
        fresh = state.upload(drive_id, "Inspections/g", "new.docx", b"y", user=UPLOADER)
        changes = await root.delta.with_url(latest.odata_delta_link).get()
        assert changes is not None
        assert changes.value is not None
        assert [item.id for item in changes.value] == [fresh.id]
        async with raw_client(state) as raw:
            body = (await raw.get(f"/drives/{drive_id}/root/delta?token=latest")).json()
            assert body["value"] == []
            assert "@odata.deltaLink" in body

    asyncio.run(scenario())


def test_full_delta_pages_by_200_parents_first_and_costs_as_graph(
    state: EmulatorState, drive_id: str
) -> None:
    for index in range(450):
        state.upload(drive_id, f"Inspections/f{index % 3}", f"{index}.docx", b"x", user=UPLOADER)

    async def scenario() -> None:
        async with raw_client(state) as client:
            items, link, pages = await full_delta(client, f"/drives/{drive_id}/root/delta")
            assert pages == 3
            assert link.startswith(f"{DEFAULT_BASE_URL}/drives/{drive_id}/root/delta?token=")
            assert len(items) == len({item["id"] for item in items}) == 1 + 1 + 3 + 450
            position = {item["id"]: index for index, item in enumerate(items)}
            for item in items:
                parent = item["parentReference"].get("id")
                assert "path" not in item["parentReference"]
                if parent is not None:
                    assert position[parent] < position[item["id"]]
            _, _, small_pages = await full_delta(client, f"/drives/{drive_id}/root/delta?$top=100")
            assert small_pages == 5

    asyncio.run(scenario())
    assert state.stats.ru_by_kind["GET delta"] == (2 + 1 + 1) + (2 + 4 * 1)


def test_changes_during_paging_come_back_in_the_next_round(
    state: EmulatorState, drive_id: str
) -> None:
    first = state.upload(drive_id, "Inspections/g", "a.docx", b"1", user=UPLOADER)
    for index in range(6):
        state.upload(drive_id, "Inspections/g", f"z{index}.docx", b"x", user=UPLOADER)

    async def scenario() -> None:
        async with raw_client(state) as client:
            body = (await client.get(f"/drives/{drive_id}/root/delta?$top=3")).json()
            seen = [item["id"] for item in body["value"]]
            state.update_item(drive_id, first.id, name="a-renamed.docx")
            while "@odata.nextLink" in body:
                body = (await client.get(body["@odata.nextLink"])).json()
                seen.extend(item["id"] for item in body["value"])
            assert len(seen) == len(set(seen)) == 2 + 1 + 7
            later, _, _ = await full_delta(client, body["@odata.deltaLink"])
            assert [(item["id"], item["name"]) for item in later] == [(first.id, "a-renamed.docx")]

    asyncio.run(scenario())


def test_hierarchical_sharing_brings_items_back_with_the_shared_facet(
    state: EmulatorState, drive_id: str
) -> None:
    folder = state.create_folder(drive_id, "Inspections/g", "03 Records")

    async def scenario() -> None:
        client = graph_client(state)
        root = client.drives.by_drive_id(drive_id).items.by_drive_item_id("root")
        prefer = with_headers(Prefer="hierarchicalsharing")
        start = await root.delta.get(request_configuration=prefer)
        assert start is not None
        assert start.odata_delta_link is not None
        plain_start = await root.delta.get()
        assert plain_start is not None
        assert plain_start.odata_delta_link is not None

        state.grant(drive_id, folder.id, UPLOADER, ["write"])

        shared = await root.delta.with_url(start.odata_delta_link).get(request_configuration=prefer)
        assert shared is not None
        assert shared.value is not None
        assert [item.id for item in shared.value] == [folder.id]
        assert shared.value[0].shared is not None
        assert shared.value[0].shared.scope == "users"
        plain = await root.delta.with_url(plain_start.odata_delta_link).get()
        assert plain is not None
        assert plain.value == []

        state.create_link(drive_id, folder.id, "view", "anonymous")
        assert shared.odata_delta_link is not None
        widened = await root.delta.with_url(shared.odata_delta_link).get(
            request_configuration=prefer
        )
        assert widened is not None
        assert widened.value is not None
        assert widened.value[0].shared is not None
        assert widened.value[0].shared.scope == "anonymous"

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "path",
    [
        "/drives/{d}/root/delta",
        "/drives/{d}/root/delta()",
        "/drives/{d}/items/root/delta",
        "/drives/{d}/items/{root}/delta",
        "/sites/{site}/drive/root/delta",
        "//drives/{d}/root/delta",
    ],
)
def test_delta_address_forms(state: EmulatorState, drive_id: str, path: str) -> None:
    root_id = state.root(drive_id).id
    url = path.format(d=quote(drive_id, safe=""), root=root_id, site=quote(SITE, safe=""))

    async def scenario() -> None:
        async with raw_client(state) as client:
            response = await client.get(DEFAULT_BASE_URL + url)
            assert response.status_code == 200, response.text
            assert {item["name"] for item in response.json()["value"]} == {"root", "Inspections"}

    asyncio.run(scenario())


def test_delta_with_token_in_parentheses_and_deleted_descendants(
    state: EmulatorState, drive_id: str
) -> None:
    kept = state.upload(drive_id, "Inspections/g/sub", "kept.docx", b"x", user=UPLOADER)
    folder = state.item_by_path(drive_id, "Inspections/g")
    assert folder is not None

    async def scenario() -> None:
        async with raw_client(state) as client:
            _, link, _ = await full_delta(client, f"/drives/{drive_id}/root/delta")
            token = link.partition("token=")[2]
            state.delete_item(drive_id, folder.id)
            response = await client.get(f"/drives/{drive_id}/root/delta(token='{token}')")
            assert response.status_code == 200
            deleted = {item["id"] for item in response.json()["value"] if "deleted" in item}
            sub = kept.parent_id
            assert deleted == {folder.id, sub, kept.id}

    asyncio.run(scenario())


def test_delta_on_a_folder_is_refused_as_sharepoint_does(
    state: EmulatorState, drive_id: str
) -> None:
    folder = state.item_by_path(drive_id, "Inspections")
    assert folder is not None

    async def scenario() -> None:
        async with raw_client(state) as client:
            response = await client.get(f"/drives/{drive_id}/items/{folder.id}/delta")
            assert response.status_code == 400
            assert response.json()["error"]["code"] == "invalidRequest"

    asyncio.run(scenario())


def test_deltashowsharingchanges_marks_items_whose_sharing_changed(
    state: EmulatorState, drive_id: str
) -> None:
    shared = state.create_folder(drive_id, "Inspections/g", "03 Records")
    edited = state.upload(drive_id, "Inspections/g", "notes.docx", b"1", user=UPLOADER)
    prefer = {"Prefer": "hierarchicalsharing, deltashowsharingchanges"}

    async def scenario() -> None:
        async with raw_client(state) as client:
            _, link, _ = await full_delta(client, f"/drives/{drive_id}/root/delta", **prefer)
            state.grant(drive_id, shared.id, UPLOADER, ["write"])
            state.upload(drive_id, "Inspections/g", "notes.docx", b"2", user=UPLOADER)
            response = await client.get(f"{link}&$select=id,name", headers=prefer)
            assert response.headers["Preference-Applied"] == (
                "hierarchicalsharing, deltashowsharingchanges"
            )
            marks = {
                item["id"]: item.get("@microsoft.graph.sharedChanged")
                for item in response.json()["value"]
            }
            assert marks == {shared.id: "True", edited.id: None}

    asyncio.run(scenario())
