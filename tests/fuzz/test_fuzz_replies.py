"""The gateway's readers of Graph replies (JSON views, ``$batch``, error bodies, Retry-After)
on damaged and arbitrary replies: a ``GraphError`` naming the call, or a value; never
anything else, however deep or odd the JSON."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from spcheck.graph.batch import SubResponse, decode
from spcheck.graph.client import build_gateway
from spcheck.graph.gateway import GraphGateway
from spcheck.graph.interface import GraphError
from spcheck.graph.views import DRIVE, DRIVE_ITEM, ITEM_PAGE, PERMISSION_PAGE, SITE
from spcheck.graph.wire import Call, Reply, parse_retry_after
from tests.graph.conftest import emulator_settings

from .mutations import fuzz, mutated_bytes

ITEM = {
    "id": "01ABC",
    "name": "GM-2999 case notes.docx",
    "size": 48213,
    "eTag": '"{1},2"',
    "createdDateTime": "2026-09-29T09:00:00Z",
    "lastModifiedDateTime": "2026-09-29T09:05:00Z",
    "createdBy": {"user": {"email": "morag.testperson@glenmorven-council.example"}},
    "parentReference": {"id": "01PARENT", "driveId": "b!x", "path": "/drive/root:/Inspections"},
    "file": {"mimeType": "application/msword", "hashes": {"quickXorHash": "AAAA"}},
    "shared": {"scope": "users"},
    "@microsoft.graph.sharedChanged": True,
}
PERMISSION = {
    "id": "aTowIy5mfG1lbWJlcnNoaXB8bW9yYWc",
    "roles": ["write"],
    "grantedToV2": {"user": {"email": "morag.testperson@glenmorven-council.example"}},
    "invitation": {"email": "morag.testperson@glenmorven-council.example"},
    "expirationDateTime": "2026-12-18T23:59:00Z",
    "inheritedFrom": {"id": "01PARENT"},
}
SEEDS: dict[str, tuple[TypeAdapter[Any], bytes]] = {
    "delta page": (
        ITEM_PAGE,
        json.dumps(
            {"value": [ITEM, ITEM | {"deleted": {}}], "@odata.deltaLink": "https://x/delta?t=1"}
        ).encode(),
    ),
    "permissions": (
        PERMISSION_PAGE,
        json.dumps({"value": [PERMISSION, {"id": "l", "link": {"scope": "anonymous"}}]}).encode(),
    ),
    "item": (DRIVE_ITEM, json.dumps(ITEM).encode()),
    "site": (SITE, b'{"id": "host,1,2", "webUrl": "https://host/sites/x"}'),
    "drive": (DRIVE, b'{"id": "b!x", "driveType": "documentLibrary"}'),
}
BATCH = json.dumps(
    {
        "responses": [
            {"id": "1", "status": 200, "body": {"value": [PERMISSION]}},
            {"id": "2", "status": 429, "headers": {"Retry-After": "3"}, "body": {}},
            {"id": "3", "status": 404, "body": {"error": {"code": "itemNotFound"}}},
        ]
    }
).encode()
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=30,
)
CALL = Call("GET", "http://127.0.0.1/v1.0/drives/d/root/delta", 1)


@pytest.fixture(scope="module")
def gateway() -> GraphGateway:
    return build_gateway(emulator_settings())


def refusal(work: Callable[[], object]) -> str | None:
    """The one line of the GraphError ``work`` raised, or None when it read the reply."""
    try:
        work()
    except GraphError as error:
        return str(error)
    return None


def read(gateway: GraphGateway, adapter: TypeAdapter[Any], content: bytes) -> None:
    line = refusal(lambda: gateway._parse(adapter, content, CALL))
    if line is not None:
        assert line.startswith("GET /drives/d/root/delta: the reply could not be read (")
        assert "\n" not in line


@fuzz(200)
@given(
    st.sampled_from(sorted(SEEDS)).flatmap(
        lambda k: st.tuples(st.just(k), mutated_bytes(SEEDS[k][1]))
    )
)
def test_json_views_on_damaged_replies(gateway: GraphGateway, case: tuple[str, bytes]) -> None:
    name, content = case
    read(gateway, SEEDS[name][0], content)


@fuzz(100)
@given(JSON, st.sampled_from(sorted(SEEDS)))
def test_json_views_on_any_json(gateway: GraphGateway, value: object, name: str) -> None:
    read(gateway, SEEDS[name][0], json.dumps(value).encode())
    read(gateway, SEEDS[name][0], json.dumps({"value": [value]}).encode())


@pytest.mark.parametrize("depth", [100, 10_000, 200_000])
def test_json_nested_past_any_limit(gateway: GraphGateway, depth: int) -> None:
    deep = b"[" * depth + b"]" * depth
    for name in SEEDS:
        read(gateway, SEEDS[name][0], b'{"value": ' + deep + b"}")
    with pytest.raises(GraphError, match="could not be read"):
        decode(b'{"responses": ' + deep + b"}", "POST /$batch")


@fuzz(200)
@given(mutated_bytes(BATCH))
def test_batch_reader_on_damaged_replies(content: bytes) -> None:
    answers: dict[str, SubResponse] = {}
    line = refusal(lambda: answers.update(decode(content, "POST /$batch")))
    if line is not None:
        assert line.startswith("POST /$batch: the $batch response could not be read (")
    for answer in answers.values():
        answer.retry_after()
        answer.error_code()


@fuzz(100)
@given(JSON)
def test_batch_reader_on_any_json(value: object) -> None:
    for payload in (value, {"responses": value}, {"responses": [value]}):
        content = json.dumps(payload).encode()
        refusal(lambda: decode(content, "POST /$batch"))  # noqa: B023 - called at once


@fuzz(100)
@given(JSON, st.dictionaries(st.text(max_size=12), st.text(max_size=40), max_size=4))
def test_a_sub_response_never_raises_reading_its_error_or_wait(body: object, headers: Any) -> None:
    answer = SubResponse("1", 429, headers, body)
    answer.error_code()
    wait = answer.retry_after()
    assert wait is None or wait >= 0


@fuzz(150)
@given(
    st.binary(max_size=300) | mutated_bytes(b'{"error": {"code": "activityLimitReached"}}'),
    st.text(max_size=40),
)
def test_error_bodies_and_retry_after_never_raise(content: bytes, retry_after: str) -> None:
    reply = Reply(status=503, headers={"Retry-After": retry_after}, content=content)
    reply.error_code()
    wait = reply.retry_after()
    assert wait is None or wait >= 0
    assert parse_retry_after(retry_after) is None or parse_retry_after(retry_after) >= 0  # type: ignore[operator]


def test_the_seeds_themselves_are_read(gateway: GraphGateway) -> None:
    for adapter, content in SEEDS.values():
        gateway._parse(adapter, content, CALL)
    assert set(decode(BATCH, "POST /$batch")) == {"1", "2", "3"}
    asyncio.run(gateway.aclose())
