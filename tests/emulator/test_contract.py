"""The emulator against Microsoft's schema: every endpoint driven, every body parsed with the
msgraph-sdk's own models; and the checker itself catching what it is there to catch."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from spcheck.emulator import observe
from spcheck.emulator.app import DEFAULT_BASE_URL
from spcheck.emulator.contract import ANSWERS, ResponseContract, check_body
from spcheck.emulator.credential import EmulatorCredential
from spcheck.emulator.inprocess import transport
from spcheck.emulator.render import Renderer
from spcheck.emulator.seeds import ROOT_FOLDER, SERVICE_EMAIL, SITE
from spcheck.emulator.service import GraphService
from spcheck.emulator.state import EmulatorState

from .helpers import RECEIVER_URL, Receiver

MORAG = "morag.testperson@glenmorven-council.example"


@pytest.fixture
def contract() -> Iterator[ResponseContract]:
    watching = ResponseContract()
    observe.add_observer(watching)
    yield watching
    observe.remove_observer(watching)


def drive_every_endpoint(state: EmulatorState, drive_id: str) -> None:
    """One request (or more) to each endpoint the emulator serves, errors included."""
    folder = state.create_folder(drive_id, ROOT_FOLDER, "contract")
    state.upload(drive_id, f"{ROOT_FOLDER}/contract", "a.docx", b"PK fake", user=MORAG)
    state.create_link(drive_id, folder.id, "view", "anonymous")
    item = f"/drives/{drive_id}/items/{folder.id}"

    receiver = Receiver()

    async def scenario() -> None:
        served = transport(state, ru_per_minute=100_000, notify_transport=receiver.transport())
        credential = EmulatorCredential(DEFAULT_BASE_URL, transport=served)
        token = await credential.get_token("https://graph.microsoft.com/.default")
        await credential.close()
        auth = {"Authorization": f"Bearer {token.token}"}
        async with httpx.AsyncClient(
            transport=served, base_url=DEFAULT_BASE_URL, headers=auth, follow_redirects=False
        ) as client:
            await client.get(f"/sites/{SITE}")
            await client.get(f"/sites/{SITE}:/drives")
            await client.get(f"/drives/{drive_id}")
            await client.get(f"/drives/{drive_id}/root")
            await client.get(f"{item}/children")
            await client.get(f"{item}/children", params={"$top": "1"})
            made = await client.post(f"{item}/children", json={"name": "made", "folder": {}})
            await client.post(f"{item}/children", json={"name": "made", "folder": {}})  # 409
            made_id = made.json()["id"]
            renamed = await client.patch(f"/drives/{drive_id}/items/{made_id}", json={"name": "m2"})
            assert renamed.status_code == 200
            up = await client.put(f"{item}:/b.txt:/content", content=b"text")
            content = await client.get(f"/drives/{drive_id}/items/{up.json()['id']}/content")
            await client.get(content.headers["Location"])
            delta = await client.get(
                f"/drives/{drive_id}/root/delta",
                headers={"Prefer": "hierarchicalsharing, deltashowsharingchanges"},
            )
            await client.delete(f"/drives/{drive_id}/items/{made_id}")
            await client.get(delta.json()["@odata.deltaLink"])
            await client.get(f"/drives/{drive_id}/root/delta", params={"token": "latest"})
            permissions = await client.get(f"{item}/permissions")
            first = permissions.json()["value"][0]["id"]
            await client.get(f"{item}/permissions/{first}")
            invited = await client.post(
                f"{item}/invite",
                json={
                    "recipients": [
                        {"email": MORAG},
                        {"email": "callum.placeholder@kinloch-council.example"},
                    ],
                    "roles": ["write"],
                    "requireSignIn": True,
                    "sendInvitation": False,
                },
            )
            await client.post(f"{item}/createLink", json={"type": "edit", "scope": "organization"})
            removed = invited.json()["value"][0]["id"]
            await client.delete(f"{item}/permissions/{removed}")
            await client.post(
                f"/users/{SERVICE_EMAIL}/sendMail",
                json={"message": {"toRecipients": [{"emailAddress": {"address": MORAG}}]}},
            )
            await client.post(
                "/$batch",
                json={"requests": [{"id": "1", "method": "GET", "url": f"{item}/permissions"}]},
            )
            expiry = (state.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
            subscribed = await client.post(
                "/subscriptions",
                json={
                    "changeType": "updated",
                    "notificationUrl": RECEIVER_URL,
                    "lifecycleNotificationUrl": RECEIVER_URL,
                    "resource": f"drives/{drive_id}/root",
                    "expirationDateTime": expiry,
                    "clientState": "contract-state",
                },
                headers={"Prefer": "includesecuritywebhooks"},
            )
            assert subscribed.status_code == 201, subscribed.text
            subscription = f"/subscriptions/{subscribed.json()['id']}"
            await client.get("/subscriptions")
            await client.get(subscription)
            await client.patch(subscription, json={"expirationDateTime": expiry})
            await client.post(f"{subscription}/reauthorize")
            await client.delete(subscription)
            await client.get(subscription)  # 404
            await client.get(f"/drives/{drive_id}/items/nothing-here")  # 404
            await client.get(f"{item}/children", params={"$filter": "x"})  # 400
            await client.post(f"/drives/{drive_id}/items/{folder.id}")  # 405
            state.expire_delta_tokens()
            await client.get(delta.json()["@odata.deltaLink"])  # 410
        # Throttled and faulted answers come from other layers; their bodies count too.
        async with httpx.AsyncClient(
            transport=transport(state, faults="503:1"), base_url=DEFAULT_BASE_URL
        ) as client:
            await client.get(f"/sites/{SITE}")
        async with httpx.AsyncClient(
            transport=transport(state, ru_per_minute=10), base_url=DEFAULT_BASE_URL
        ) as client:
            for _ in range(6):
                await client.get(f"{item}/children")

    asyncio.run(scenario())


def test_every_endpoint_answers_in_graphs_schema(
    state: EmulatorState, drive_id: str, contract: ResponseContract
) -> None:
    drive_every_endpoint(state, drive_id)
    assert [str(problem) for problem in contract.problems] == []
    served = {key.rsplit(" ", 1)[0] for key in contract.responses}
    service = GraphService(state, Renderer(state, DEFAULT_BASE_URL))
    endpoints = {f"{method} {target}" for target, method in service._routes}
    assert endpoints | {"POST batch", "GET download", "POST token"} <= served
    assert set(ANSWERS) <= served | {"GET unknown"}
    assert {"site", "drive", "driveItem", "permission", "error", "batch", "token"} <= set(
        contract.entities
    )
    statuses = {key.rsplit(" ", 1)[1] for key in contract.responses}
    assert {"200", "201", "202", "204", "302", "400", "404", "405", "409", "410", "429", "503"} <= (
        statuses
    )


def item_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "01ABC",
        "name": "a.docx",
        "eTag": '"{1},1"',
        "cTag": '"c:{1},1"',
        "createdDateTime": "2026-09-07T09:00:00Z",
        "lastModifiedDateTime": "2026-09-07T09:00:00Z",
        "webUrl": "https://x.example/a.docx",
        "size": 12,
        "createdBy": {"user": {"displayName": "A", "email": "a@x.example"}},
        "lastModifiedBy": {"user": {"displayName": "A"}},
        "fileSystemInfo": {"createdDateTime": "2026-09-07T09:00:00Z"},
        "parentReference": {"driveId": "b!x", "id": "01P"},
        "file": {"mimeType": "text/plain", "hashes": {"quickXorHash": "AAAA"}},
        "@microsoft.graph.downloadUrl": "https://x.example/download",
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#items/$entity",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def test_a_well_formed_item_passes() -> None:
    assert check_body("GET item", 200, item_body()) == []


@pytest.mark.parametrize(
    ("changes", "where", "what"),
    [
        ({"webURL": "https://x.example"}, "webURL", "DriveItem has no 'webURL'"),
        ({"parentReference": {"driveId": "b!x", "drive": "b!x"}}, "parentReference.drive", "no"),
        ({"size": "twelve"}, "size", "cannot be parsed"),
        ({"createdBy": {"user": {"displayName": 7}}}, "createdBy.user.displayName", "cannot be"),
        ({"lastModifiedDateTime": "yesterday"}, "lastModifiedDateTime", "cannot be parsed"),
        ({"cTag": None}, "cTag", "always carries it"),
        ({"file": {"hashes": {}}}, "file.mimeType", "always carries it"),
    ],
)
def test_the_checker_catches_names_values_and_missing_properties(
    changes: dict[str, Any], where: str, what: str
) -> None:
    problems = check_body("GET item", 200, item_body(**changes))
    assert any(p.where == where and what in p.what for p in problems), problems


def test_select_waives_the_required_list_but_not_the_names() -> None:
    partial = {"id": "01ABC", "name": "a", "bogus": 1}
    problems = check_body(
        "GET children", 200, {"value": [partial], "@odata.context": "x"}, selected=True
    )
    assert [(p.where, p.what) for p in problems] == [("value[0].bogus", "DriveItem has no 'bogus'")]


def test_collections_and_errors_are_held_to_their_shapes() -> None:
    assert [p.where for p in check_body("GET children", 200, {"value": [], "next": "x"})] == [
        "next",
        "@odata.context",
    ]
    bare = check_body("GET item", 404, {"error": {"code": "itemNotFound", "message": "m"}})
    assert [p.where for p in bare] == ["error.innerError"]


def test_a_wrong_emulator_is_caught_by_the_session_observer(
    state: EmulatorState,
    drive_id: str,
    contract: ResponseContract,
    contract_paused: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = Renderer.site

    def misnamed(self: Renderer, site: Any) -> dict[str, Any]:
        body = original(self, site)
        body["siteURL"] = body.pop("webUrl")
        return body

    monkeypatch.setattr(Renderer, "site", misnamed)

    async def scenario() -> None:
        async with httpx.AsyncClient(
            transport=transport(state), base_url=DEFAULT_BASE_URL
        ) as client:
            await client.get(f"/sites/{SITE}")

    asyncio.run(scenario())
    assert sorted(p.where for p in contract.problems) == ["siteURL", "webUrl"]
