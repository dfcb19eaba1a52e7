"""The gateway's doctor calls: site and drive one by one, the token's claims, the server's
clock, the delta round trip, and the probe folder: the one delete spcheck makes, guarded so
it can only ever remove an empty folder it created itself in the same run."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

import httpx
import pytest
import respx

from spcheck.emulator.credential import EmulatorCredential
from spcheck.emulator.inprocess import transport
from spcheck.emulator.seeds import ROOT_FOLDER, SSO_EMAIL, seed_demo
from spcheck.emulator.state import EmulatorState
from spcheck.graph.client import build_gateway
from spcheck.graph.diagnostics import PROBE_PREFIX, Probe, ProbeRefused, decode_claims
from spcheck.graph.gateway import GraphGateway
from spcheck.graph.interface import GraphAuthError, GraphConflict
from spcheck.settings import AuthMode

from .conftest import BASE, GatewayFactory, at, emulator_settings

T = TypeVar("T")


def with_emulator(
    state: EmulatorState,
    work: Callable[[GraphGateway], Awaitable[T]],
    *,
    faults: str | None = None,
    token: bool = False,
) -> T:
    async def main() -> T:
        served = transport(state, base_url=BASE, faults=faults)
        options: dict[str, Any] = {"transport": served}
        settings = emulator_settings()
        if token:
            settings = emulator_settings(
                auth="secret", tenant_id="t", client_id="c", client_secret="s"
            )
            options["credentials"] = [(AuthMode.SECRET, EmulatorCredential(BASE, transport=served))]
        async with build_gateway(settings, **options) as gateway:
            return await work(gateway)

    return asyncio.run(main())


def deletes(state: EmulatorState) -> list[str]:
    return [record.kind for record in state.stats.log if record.method == "DELETE"]


@pytest.fixture
def state() -> EmulatorState:
    return seed_demo()


def inspections_id(state: EmulatorState) -> tuple[str, str]:
    drive_id = next(iter(state.sites.values())).drive_id
    folder = state.item_by_path(drive_id, ROOT_FOLDER)
    assert folder is not None
    return drive_id, folder.id


def test_a_probe_is_created_renamed_and_deleted_and_nothing_else(state: EmulatorState) -> None:
    drive_id, parent = inspections_id(state)
    before = {item.id for item in state.drive_items(drive_id) if not item.deleted}

    async def work(gateway: GraphGateway) -> list[str]:
        probe = await gateway.create_probe(drive_id, parent)
        names = [probe.name]
        renamed = await gateway.rename_probe(probe)
        names.append(renamed.name)
        assert state.get_item(drive_id, probe.item_id).name == renamed.name
        await gateway.delete_probe(renamed)
        return names

    made, renamed = with_emulator(state, work)
    assert made.startswith(PROBE_PREFIX)
    assert renamed == f"{made}-renamed"
    after = {item.id for item in state.drive_items(drive_id) if not item.deleted}
    assert after == before
    assert deletes(state) == ["DELETE item"]


def test_a_forged_probe_is_refused_before_any_request(state: EmulatorState) -> None:
    drive_id, parent = inspections_id(state)
    root_id = state.root(drive_id).id
    forged = Probe(drive_id, parent, root_id, f"{PROBE_PREFIX}x", None, "run")

    async def work(gateway: GraphGateway) -> None:
        for attempt in (gateway.delete_probe(forged), gateway.rename_probe(forged)):
            with pytest.raises(ProbeRefused) as refused:
                await attempt
            assert "nothing was sent" in str(refused.value)
            assert refused.value.exit_code == 1

    with_emulator(state, work)
    assert state.stats.requests == 0
    assert not state.get_item(drive_id, parent).deleted


def test_a_probe_of_another_run_or_a_changed_copy_is_refused(state: EmulatorState) -> None:
    drive_id, parent = inspections_id(state)
    made: list[Probe] = []

    async def first(gateway: GraphGateway) -> None:
        made.append(await gateway.create_probe(drive_id, parent))

    async def second(gateway: GraphGateway) -> None:
        with pytest.raises(ProbeRefused):
            await gateway.delete_probe(made[0])  # created by another gateway
        own = await gateway.create_probe(drive_id, parent)
        for altered in (
            replace(own, item_id=parent),
            replace(own, name=f"{PROBE_PREFIX}other"),
            replace(own, parent_id=state.root(drive_id).id),
        ):
            with pytest.raises(ProbeRefused):
                await gateway.delete_probe(altered)
        await gateway.delete_probe(own)
        with pytest.raises(ProbeRefused):
            await gateway.delete_probe(own)  # once only

    with_emulator(state, first)
    with_emulator(state, second)
    assert deletes(state) == ["DELETE item"]
    assert not state.get_item(drive_id, made[0].item_id).deleted
    assert not state.get_item(drive_id, parent).deleted


@pytest.mark.parametrize("change", ["upload", "rename", "move"])
def test_a_probe_someone_touched_is_left_alone(state: EmulatorState, change: str) -> None:
    drive_id, parent = inspections_id(state)
    kept: list[Probe] = []

    async def work(gateway: GraphGateway) -> None:
        probe = await gateway.rename_probe(await gateway.create_probe(drive_id, parent))
        kept.append(probe)
        if change == "upload":
            state.upload(
                drive_id, f"{ROOT_FOLDER}/{probe.name}", "note.txt", b"mine", user=SSO_EMAIL
            )
        elif change == "rename":
            state.update_item(drive_id, probe.item_id, name="Someone's folder")
        else:
            other = state.create_folder(drive_id, "", "Elsewhere")
            state.update_item(drive_id, probe.item_id, parent_id=other.id)
        with pytest.raises(ProbeRefused) as refused:
            await gateway.delete_probe(probe)
        assert "nothing was deleted" in str(refused.value)

    with_emulator(state, work)
    assert not state.get_item(drive_id, kept[0].item_id).deleted
    assert deletes(state) == []


def test_graph_refusing_the_last_moment_if_match_deletes_nothing(
    make_gateway: GatewayFactory, router: respx.Router
) -> None:
    made: dict[str, Any] = {}

    def create(request: httpx.Request) -> httpx.Response:
        made.update(
            id="01P",
            name=json.loads(request.content)["name"],
            eTag='"e1"',
            folder={"childCount": 0},
            parentReference={"id": "01R"},
        )
        return httpx.Response(201, json=made)

    router.post(**at("/drives/d/items/01R/children")).mock(side_effect=create)
    router.get(**at("/drives/d/items/01P")).mock(
        side_effect=lambda _: httpx.Response(200, json=made)
    )
    deleted = router.delete(**at("/drives/d/items/01P")).respond(
        412, json={"error": {"code": "preconditionFailed"}}
    )

    async def work() -> None:
        async with make_gateway() as gateway:
            probe = await gateway.create_probe("d", "01R")
            with pytest.raises(ProbeRefused, match="HTTP 412"):
                await gateway.delete_probe(probe)

    asyncio.run(work())
    assert deleted.call_count == 1
    assert deleted.calls[0].request.headers["If-Match"] == '"e1"'


def test_an_existing_folder_is_never_adopted_as_a_probe(
    make_gateway: GatewayFactory, router: respx.Router
) -> None:
    router.post(**at("/drives/d/items/01R/children")).respond(
        409, json={"error": {"code": "nameAlreadyExists"}}
    )
    listed = router.get(**at("/drives/d/items/01R/children"))

    async def work() -> None:
        async with make_gateway() as gateway:
            with pytest.raises(GraphConflict):
                await gateway.create_probe("d", "01R")

    asyncio.run(work())
    assert listed.call_count == 0


def test_grant_read_refuses_the_probe_and_leaves_nothing(state: EmulatorState) -> None:
    drive_id, parent = inspections_id(state)

    async def work(gateway: GraphGateway) -> None:
        with pytest.raises(GraphAuthError) as refused:
            await gateway.create_probe(drive_id, parent)
        assert refused.value.status == 403

    with_emulator(state, work, faults="grant:read")
    assert [i.name for i in state.children(drive_id, parent)] == []


def test_site_drive_claims_clock_and_delta(state: EmulatorState) -> None:
    drive_id, _ = inspections_id(state)

    async def work(gateway: GraphGateway) -> tuple[Any, ...]:
        claims = await gateway.token_claims()
        site = await gateway.site_record()
        drive = await gateway.drive_record(site.id)
        state.create_folder(drive_id, ROOT_FOLDER, "arrives later")
        done = await gateway.delta_round_trip(drive.id)
        return claims, site, drive, done, gateway.server_clock()

    claims, site, drive, done, clock = with_emulator(state, work, token=True)
    assert claims is not None
    assert claims["roles"] == ["Sites.Selected", "Mail.Send"]
    assert site.id.startswith("emulator.sharepoint.example,")
    assert drive.id == drive_id
    assert drive.drive_type == "documentLibrary"
    assert done.pages == 1
    assert clock is not None
    assert abs(clock.skew_seconds) < 60


def test_no_claims_without_a_credential_and_none_from_opaque_tokens(state: EmulatorState) -> None:
    async def work(gateway: GraphGateway) -> Any:
        return await gateway.token_claims()

    assert with_emulator(state, work) is None
    assert decode_claims("opaque") == {}
    assert decode_claims("a.!!!.c") == {}
    assert decode_claims("a.bnVsbA.c") == {}  # "null" is not a claims object


def test_the_clock_reads_the_date_of_the_latest_answer(
    make_gateway: GatewayFactory, router: respx.Router
) -> None:
    router.get(**at("/sites/emulator.sharepoint.example:/sites/inspections")).respond(
        200,
        json={"id": "s"},
        headers={"Date": "Mon, 07 Sep 2026 09:10:00 GMT"},
    )

    async def work() -> float:
        async with make_gateway() as gateway:
            await gateway.site_record()
            seen = gateway.server_clock()
            assert seen is not None
            return seen.skew_seconds

    # The fake wall clock reads 09:00:00: Graph is ten minutes ahead of it.
    assert asyncio.run(work()) == 600.0
