"""JSON $batch: per-item status, throttled sub-requests, dependsOn and depends_on."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any, cast

import pytest
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from spcheck.emulator.seeds import DEMO_PARTNERSHIP_USERS
from spcheck.emulator.state import EmulatorState

from .helpers import FakeMonotonic, graph_client, raw_client

UPLOADER = DEMO_PARTNERSHIP_USERS[0][0]
JSON = {"Content-Type": "application/json"}


def batch(state: EmulatorState, requests: list[dict[str, Any]], **app_kwargs: Any) -> Any:
    async def run() -> Any:
        async with raw_client(state, **app_kwargs) as client:
            return await client.post("/$batch", json={"requests": requests})

    return asyncio.run(run())


def by_id(response: Any) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {entry["id"]: entry for entry in response.json()["responses"]}


def test_a_throttled_sub_request_sits_inside_a_200_envelope(
    state: EmulatorState, drive_id: str
) -> None:
    folder = state.create_folder(drive_id, "Inspections", "g")
    permissions = f"/drives/{drive_id}/items/{folder.id}/permissions"
    requests = [
        {"id": "1", "method": "GET", "url": permissions},
        {"id": "2", "method": "GET", "url": permissions},
        {"id": "3", "method": "GET", "url": f"/drives/{drive_id}/items/{folder.id}"},
    ]
    answers = by_id(batch(state, requests, ru_per_minute=10, monotonic=FakeMonotonic()))
    assert answers["1"]["status"] == 200
    assert answers["2"]["status"] == 200
    throttled = answers["3"]
    assert throttled["status"] == 429
    assert int(throttled["headers"]["Retry-After"]) >= 1
    assert throttled["body"]["error"]["code"] == "activityLimitReached"
    assert state.stats.requests == 1
    assert state.stats.subrequests == 3
    assert state.stats.throttled == 1
    assert state.stats.resource_units == 10


def test_depends_on_orders_requests_and_failed_dependencies_give_424(
    state: EmulatorState, drive_id: str
) -> None:
    parent = state.item_by_path(drive_id, "Inspections")
    assert parent is not None
    requests: list[dict[str, Any]] = [
        {
            "id": "upload",
            "method": "PUT",
            "url": f"/drives/{drive_id}/root:/Inspections/new/PIR.xlsx:/content",
            "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(b"workbook").decode(),
            "dependsOn": ["folder"],
        },
        {
            "id": "folder",
            "method": "POST",
            "url": f"/drives/{drive_id}/items/{parent.id}/children",
            "headers": JSON,
            "body": {"name": "new", "folder": {}, "@microsoft.graph.conflictBehavior": "fail"},
        },
        {
            "id": "again",
            "method": "POST",
            "url": f"drives/{drive_id}/items/{parent.id}/children",
            "headers": JSON,
            "body": {"name": "new", "folder": {}, "@microsoft.graph.conflictBehavior": "fail"},
            "depends_on": ["folder"],
        },
        {
            "id": "after",
            "method": "GET",
            "url": f"/drives/{drive_id}/root",
            "depends_on": ["again"],
        },
    ]
    answers = by_id(batch(state, requests))
    assert answers["folder"]["status"] == 201
    assert answers["upload"]["status"] == 201
    assert answers["upload"]["body"]["size"] == len(b"workbook")
    assert answers["again"]["status"] == 409
    assert answers["after"]["status"] == 424
    uploaded = state.item_by_path(drive_id, "Inspections/new/PIR.xlsx")
    assert uploaded is not None
    assert uploaded.content == b"workbook"


def test_sub_requests_inherit_the_acting_user(state: EmulatorState, drive_id: str) -> None:
    folder = state.create_folder(drive_id, "Inspections", "g")
    requests = [
        {
            "id": "1",
            "method": "PUT",
            "url": f"/drives/{drive_id}/items/{folder.id}:/a.txt:/content",
            "headers": {"Content-Type": "text/plain", "X-Emulator-User": UPLOADER},
            "body": base64.b64encode(b"a").decode(),
        }
    ]
    answers = by_id(batch(state, requests))
    assert answers["1"]["status"] == 403


@pytest.mark.parametrize(
    ("requests", "reason"),
    [
        ([{"id": str(n), "method": "GET", "url": "/drives/x"} for n in range(21)], "at most 20"),
        (
            [{"id": "1", "method": "GET", "url": "/a"}, {"id": "1", "method": "GET", "url": "/b"}],
            "Duplicate",
        ),
        ([{"id": "1", "method": "GET", "url": "/a", "dependsOn": ["9"]}], "unknown"),
        (
            [
                {"id": "1", "method": "GET", "url": "/a", "dependsOn": ["2"]},
                {"id": "2", "method": "GET", "url": "/b", "dependsOn": ["1"]},
            ],
            "cycle",
        ),
        ([{"id": "1", "method": "TRACE", "url": "/a"}], "not allowed"),
        ([], "non-empty"),
    ],
)
def test_malformed_batches_are_refused(
    state: EmulatorState, requests: list[dict[str, Any]], reason: str
) -> None:
    response = batch(state, requests)
    assert response.status_code == 400
    assert reason in response.json()["error"]["message"]


def test_a_body_without_content_type_fails_only_its_sub_request(
    state: EmulatorState, drive_id: str
) -> None:
    parent = state.item_by_path(drive_id, "Inspections")
    assert parent is not None
    requests: list[dict[str, Any]] = [
        {
            "id": "1",
            "method": "POST",
            "url": f"/drives/{drive_id}/items/{parent.id}/children",
            "body": {"name": "x", "folder": {}},
        },
        {"id": "2", "method": "GET", "url": f"/drives/{drive_id}/items/{parent.id}"},
    ]
    answers = by_id(batch(state, requests))
    assert answers["1"]["status"] == 400
    assert answers["2"]["status"] == 200
    assert state.item_by_path(drive_id, "Inspections/x") is None


def test_hand_built_batch_through_the_sdk_request_adapter(
    state: EmulatorState, drive_id: str
) -> None:
    """How spcheck sends $batch: JSON built by hand, sent by the SDK's adapter as raw bytes
    (msgraph-sdk 1.65's own batching sends depends_on and drops response bodies)."""
    folder = state.create_folder(drive_id, "Inspections", "g")
    requests = [
        {"id": "a", "method": "GET", "url": f"/drives/{drive_id}/items/{folder.id}/permissions"},
        {
            "id": "b",
            "method": "GET",
            "url": f"/drives/{drive_id}/items/{folder.id}/permissions",
            "depends_on": ["a"],
        },
        {"id": "c", "method": "GET", "url": f"/drives/{drive_id}/items/{folder.id}"},
    ]

    async def scenario() -> dict[str, Any]:
        client = graph_client(state, ru_per_minute=10, monotonic=FakeMonotonic())
        info = RequestInformation(Method.POST, "{+baseurl}/$batch", {})
        info.set_stream_content(json.dumps({"requests": requests}).encode(), "application/json")
        raw = cast(
            bytes,
            await client.request_adapter.send_primitive_async(info, "bytes", {"XXX": ODataError}),
        )
        return dict(json.loads(raw))

    body = asyncio.run(scenario())
    statuses = {entry["id"]: entry["status"] for entry in body["responses"]}
    assert statuses == {"a": 200, "b": 200, "c": 429}
    assert state.stats.requests == 1
    assert state.stats.throttled == 1
