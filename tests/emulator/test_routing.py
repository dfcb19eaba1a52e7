"""Routing on the raw path: encoded keys, unencoded colon paths, `//`, Graph's errors."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spcheck.emulator.app import DEFAULT_BASE_URL
from spcheck.emulator.interface import BadRequest
from spcheck.emulator.routing import ItemRef, parse, segments
from spcheck.emulator.seeds import SITE
from spcheck.emulator.state import EmulatorState

from .helpers import raw_client


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/sites/h.example%3A%2Fsites%2Fx/drive", ["sites", "h.example:/sites/x", "drive"]),
        ("/sites/h.example:/sites/x:/drive", ["sites", "h.example:/sites/x:", "drive"]),
        ("/sites/h.example:/sites/x", ["sites", "h.example:/sites/x"]),
        (
            "//drives/b%21a/root:/A%20B/c.docx:/children",
            ["drives", "b!a", "root:/A B/c.docx:", "children"],
        ),
        (
            "/drives/d/items/01X%3A%2Fn%20a.docx%3A/content",
            ["drives", "d", "items", "01X:/n a.docx:", "content"],
        ),
        (
            "/drives/d/items/01X:/n.docx:/content",
            ["drives", "d", "items", "01X:/n.docx:", "content"],
        ),
    ],
)
def test_segments_join_colon_addressed_keys(path: str, expected: list[str]) -> None:
    assert segments(path) == expected


def test_parse_resolves_targets() -> None:
    site = parse("/sites/h.example%2C1111%2C2222/drive/root:/A:/children")
    assert (site.target, site.site_key, site.item) == (
        "children",
        "h.example,1111,2222",
        ItemRef("root", "A"),
    )
    delta = parse("/drives/d/items/root/delta(token='abc%2Fdef')")
    assert (delta.target, delta.token) == ("delta", "abc/def")
    permission = parse("/drives/d/items/01X/permissions/aTow%2Bx%2F")
    assert (permission.target, permission.permission_id) == ("permission", "aTow+x/")
    assert parse("/%24batch").target == "batch"
    assert parse("/users/a%40b.example/sendMail").user == "a@b.example"
    assert parse("/drives/d/items/01X/CREATELINK").target == "createLink"


@pytest.mark.parametrize(
    "path", ["/", "/drives/d/items/01X/thumbnails", "/me/drive", "/drives/d/bogus"]
)
def test_unknown_segments_are_graph_bad_requests(path: str) -> None:
    with pytest.raises(BadRequest, match="Resource not found for the segment"):
        parse(path)


def request(state: EmulatorState, method: str, url: str, **kwargs: Any) -> Any:
    async def run() -> Any:
        async with raw_client(state) as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(run())


def test_errors_use_graphs_body_shape(state: EmulatorState, drive_id: str) -> None:
    cases = [
        ("GET", "http://graph.emulator.local/beta/drives", 400, "BadRequest"),
        ("GET", f"/drives/{drive_id}/items/01NOPE", 404, "itemNotFound"),
        ("GET", f"/drives/{drive_id}/root/children?$filter=name eq 'x'", 400, "invalidRequest"),
        ("POST", f"/drives/{drive_id}/root", 405, "methodNotAllowed"),
        ("GET", "/drives/b!nope/root", 404, "itemNotFound"),
    ]
    for method, url, status, code in cases:
        response = request(state, method, url, headers={"client-request-id": "abc-123"})
        assert response.status_code == status, url
        error = response.json()["error"]
        assert error["code"] == code
        assert error["message"]
        assert error["innerError"]["client-request-id"] == "abc-123"
        assert response.headers["client-request-id"] == "abc-123"
        assert response.headers["request-id"]


def test_unencoded_and_encoded_site_paths_agree(state: EmulatorState) -> None:
    encoded = request(state, "GET", f"/sites/{quote(SITE, safe='')}").json()
    plain = request(state, "GET", f"/sites/{SITE}").json()
    closed = request(state, "GET", f"/sites/{SITE}:/drive").json()
    by_id = request(state, "GET", f"/sites/{quote(encoded['id'], safe='')}/drives").json()
    assert encoded["id"] == plain["id"]
    assert closed["id"] == by_id["value"][0]["id"]


names = st.text(
    alphabet=st.sampled_from([*list("abcXYZ019 -_.,;'()&+=#%@!~$[]{}"), "é", "ü", "ø", "漢", "ß"]),
    min_size=1,
    max_size=30,
).filter(lambda n: n == n.strip() and not n.endswith(".") and n not in (".", ".."))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=names)
def test_any_valid_name_round_trips_through_encoded_paths(
    state: EmulatorState, drive_id: str, name: str
) -> None:
    folder = state.item_by_path(drive_id, "Inspections")
    assert folder is not None
    key = quote(f"{folder.id}:/{name}:", safe="")
    url = f"/drives/{quote(drive_id, safe='')}/items/{key}/content"
    uploaded = request(state, "PUT", url, content=name.encode())
    assert uploaded.status_code in (200, 201), uploaded.text
    item = uploaded.json()
    assert item["name"] == name
    by_path = request(state, "GET", f"/drives/{drive_id}/root:/Inspections/{quote(name)}:")
    assert by_path.json()["id"] == item["id"]
    planted = state.item_by_path(drive_id, f"Inspections/{name}")
    assert planted is not None
    assert planted.content == name.encode()
    assert item["webUrl"].endswith(quote(f"Inspections/{name}"))
    assert DEFAULT_BASE_URL.startswith("http://graph.emulator.local")
