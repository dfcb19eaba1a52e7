"""Delta sync: paths from parent ids, last occurrence wins, moves, deletes, 410 resync."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import respx

from spcheck.graph.delta import DeltaSync, Node, resolve_paths
from spcheck.graph.interface import GraphGone
from spcheck.graph.views import ITEM_PAGE, DriveItem, Page
from spcheck.store.memory import MemoryItemStore

from .conftest import BASE, FakeClock, GatewayFactory, at

T0 = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 9, 21, 9, 0, tzinfo=UTC)


def root() -> dict[str, Any]:
    return {"id": "root", "name": "root", "root": {}, "folder": {}}


def folder(item_id: str, name: str, parent: str) -> dict[str, Any]:
    return {"id": item_id, "name": name, "folder": {}, "parentReference": {"id": parent}}


def file(item_id: str, name: str, parent: str, etag: str = "1", **extra: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "name": name,
        "file": {"hashes": {"quickXorHash": f"q-{etag}"}},
        "size": 10,
        "eTag": etag,
        "parentReference": {"id": parent},
        **extra,
    }


def deleted(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "deleted": {"state": "deleted"}, "parentReference": {"id": "x"}}


class ScriptedDelta:
    """Pages by URL; a URL mapped to None answers 410."""

    def __init__(self) -> None:
        self.pages: dict[str, dict[str, Any] | None] = {}
        self.fetched: list[tuple[str, int]] = []

    def add(
        self,
        url: str,
        items: Sequence[dict[str, Any]],
        *,
        next: str | None = None,
        delta: str | None = None,
    ) -> None:
        page: dict[str, Any] = {"value": list(items)}
        if next:
            page["@odata.nextLink"] = next
        if delta:
            page["@odata.deltaLink"] = delta
        self.pages[url] = page

    async def __call__(self, url: str, cost: int) -> Page[DriveItem]:
        self.fetched.append((url, cost))
        page = self.pages[url]
        if page is None:
            raise GraphGone("GET delta: HTTP 410", status=410)
        return ITEM_PAGE.validate_json(json.dumps(page))


def engine(source: ScriptedDelta, when: list[datetime]) -> DeltaSync:
    return DeltaSync(source, start_url="start", now=lambda: when[0])


def paths(store: MemoryItemStore) -> dict[str, str]:
    return {item.id: item.path for item in store.items("d")}


def test_full_sync_builds_paths_and_keeps_the_last_occurrence() -> None:
    source = ScriptedDelta()
    source.add(
        "start",
        [file("r1", "draft.docx", "f1", etag="1"), root(), folder("f1", "Inspections", "root")],
        next="page2?token=a",
    )
    source.add(
        "page2?token=a",
        [folder("f2", "fife-2026", "f1"), file("r1", "R-001.docx", "f2", etag="2")],
        delta="delta?token=b",
    )
    store = MemoryItemStore()
    now = [T0]

    result = asyncio.run(engine(source, now).run("d", store))

    assert paths(store) == {
        "root": "",
        "f1": "Inspections",
        "f2": "Inspections/fife-2026",
        "r1": "Inspections/fife-2026/R-001.docx",
    }
    record = store.item("d", "r1")
    assert record is not None
    assert record.etag == "2"
    assert record.quick_xor == "q-2"
    assert record.first_seen == T0
    assert store.get_delta_link("d") == "delta?token=b"
    assert result.full
    assert not result.resynced
    assert set(result.added) == {"root", "f1", "f2", "r1"}
    assert result.pages == 2
    assert source.fetched == [("start", 2), ("page2?token=a", 1)]


def test_nothing_changed_costs_one_request_and_reads_no_items() -> None:
    source = ScriptedDelta()
    source.add("start", [root()], delta="delta?token=1")
    source.add("delta?token=1", [], delta="delta?token=2")
    store = MemoryItemStore()
    sync = engine(source, [T0])
    asyncio.run(sync.run("d", store))
    source.fetched.clear()

    result = asyncio.run(sync.run("d", store))

    assert source.fetched == [("delta?token=1", 1)]
    assert result.touched == ()
    assert result.removed == ()
    assert result.item_count is None
    assert store.get_delta_link("d") == "delta?token=2"


def _seeded() -> tuple[ScriptedDelta, MemoryItemStore, list[datetime]]:
    source = ScriptedDelta()
    source.add(
        "start",
        [
            root(),
            folder("f1", "Inspections", "root"),
            folder("f2", "fife-2026", "f1"),
            folder("f3", "05 Records", "f2"),
            file("r1", "R-001.docx", "f3"),
            file("r2", "R-002.docx", "f3"),
            folder("f4", "Old", "f2"),
            file("r3", "R-003.docx", "f4"),
        ],
        delta="delta?token=1",
    )
    store = MemoryItemStore()
    now = [T0]
    asyncio.run(engine(source, now).run("d", store))
    return source, store, now


def test_incremental_rename_move_delete_and_upload() -> None:
    source, store, now = _seeded()
    now[0] = T1
    source.add(
        "delta?token=1",
        [
            folder("f2", "fife-2026-renamed", "f1"),  # renamed: descendants' paths follow
            file("r2", "R-002.docx", "f2", etag="2"),  # moved up one level and edited
            deleted("f4"),  # deleted folder reported alone: its file goes with it
            file("r4", "R-004.docx", "f3", shared={"scope": "users"}),  # uploaded, shared
        ],
        delta="delta?token=2",
    )

    result = asyncio.run(engine(source, now).run("d", store))

    assert paths(store) == {
        "root": "",
        "f1": "Inspections",
        "f2": "Inspections/fife-2026-renamed",
        "f3": "Inspections/fife-2026-renamed/05 Records",
        "r1": "Inspections/fife-2026-renamed/05 Records/R-001.docx",
        "r2": "Inspections/fife-2026-renamed/R-002.docx",
        "r4": "Inspections/fife-2026-renamed/05 Records/R-004.docx",
    }
    assert result.added == ("r4",)
    assert set(result.changed) == {"f2", "f3", "r1", "r2"}
    assert result.removed == ("f4", "r3")
    assert result.sharing_changed == ("r4",)
    assert not result.full
    r1 = store.item("d", "r1")
    r4 = store.item("d", "r4")
    assert r1 is not None
    assert r1.first_seen == T0
    assert r4 is not None
    assert r4.first_seen == T1
    assert r4.shared


def test_an_item_deleted_after_it_was_added_in_the_same_run_is_not_stored() -> None:
    source, store, now = _seeded()
    source.add(
        "delta?token=1",
        [file("tmp", "~$R-001.docx", "f3")],
        next="delta?token=1b",
    )
    source.add("delta?token=1b", [deleted("tmp")], delta="delta?token=2")

    result = asyncio.run(engine(source, now).run("d", store))

    assert store.item("d", "tmp") is None
    assert result.added == ()
    assert result.removed == ()


def test_sharing_change_annotation_is_reported_without_a_content_change() -> None:
    source, store, now = _seeded()
    source.add(
        "delta?token=1",
        [{**file("r1", "R-001.docx", "f3"), "@microsoft.graph.sharedChanged": "True"}],
        delta="delta?token=2",
    )

    result = asyncio.run(engine(source, now).run("d", store))

    assert result.changed == ()
    assert result.sharing_changed == ("r1",)


def test_410_resyncs_and_reconciles() -> None:
    source, store, now = _seeded()
    source.pages["delta?token=1"] = None  # expired
    source.add(
        "start",
        [
            root(),
            folder("f1", "Inspections", "root"),
            folder("f2", "fife-2026", "f1"),
            folder("f3", "05 Records", "f2"),
            file("r1", "R-001.docx", "f3", etag="9"),
            file("r5", "R-005.docx", "f3"),
        ],
        delta="delta?token=fresh",
    )
    now[0] = T1

    result = asyncio.run(engine(source, now).run("d", store))

    assert result.resynced
    assert result.full
    assert set(paths(store)) == {"root", "f1", "f2", "f3", "r1", "r5"}
    assert result.removed == ("f4", "r2", "r3")
    assert result.added == ("r5",)
    assert result.changed == ("r1",)
    assert store.get_delta_link("d") == "delta?token=fresh"
    r1 = store.item("d", "r1")
    assert r1 is not None
    assert r1.first_seen == T0


def test_resolve_paths_orphans_and_parent_path_fallback() -> None:
    nodes = {
        "root": Node("root", None, True),
        "a": Node("a", "root", False),
        "lost": Node("lost.docx", "nowhere", False),
        "hinted": Node("h.docx", "unknown", False, parent_path="Inspections/x"),
        "loop1": Node("l1", "loop2", False),
        "loop2": Node("l2", "loop1", False),
    }
    resolved = resolve_paths(nodes)
    assert resolved.paths["a"] == "a"
    assert resolved.paths["lost"] == "lost.docx"
    assert resolved.paths["hinted"] == "Inspections/x/h.docx"
    assert "lost" in resolved.orphans
    assert "hinted" not in resolved.orphans
    assert {"loop1", "loop2"} & resolved.orphans


def test_410_through_the_gateway_resyncs(
    router: respx.Router, clock: FakeClock, make_gateway: GatewayFactory
) -> None:
    expired = f"{BASE}/drives/d1/root/delta?token=old"
    fresh = f"{BASE}/drives/d1/root/delta?token=new"
    prefer: list[str] = []

    def delta(request: httpx.Request) -> httpx.Response:
        prefer.append(request.headers.get("Prefer", ""))
        if "token=old" in str(request.url):
            return httpx.Response(410, json={"error": {"code": "resyncRequired"}})
        return httpx.Response(
            200,
            json={
                "value": [root(), file("r1", "R-001.docx", "root")],
                "@odata.deltaLink": fresh,
            },
        )

    router.get(**at("/drives/d1/root/delta")).mock(side_effect=delta)
    store = MemoryItemStore()
    store.set_delta_link("d1", expired)

    async def scenario() -> None:
        async with make_gateway() as gateway:
            result = await gateway.sync("d1", store)
            assert result.resynced
            assert gateway.stats().requests == 2
            assert gateway.stats().resource_units == 1 + 2

    asyncio.run(scenario())
    assert store.get_delta_link("d1") == fresh
    assert [item.path for item in store.items("d1")] == ["", "R-001.docx"]
    assert all("hierarchicalsharing" in value for value in prefer)
