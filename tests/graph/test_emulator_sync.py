"""Delta sync against the in-process emulator: full, then incremental, with and without faults.

The expected index is the emulator's own ground truth (its items and paths);
the gateway's store must match it exactly after every sync.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from spcheck.emulator.inprocess import transport as emulator_transport
from spcheck.emulator.seeds import DEMO_PARTNERSHIP_USERS, ROOT_FOLDER, seed_demo
from spcheck.emulator.state import EmulatorState
from spcheck.graph.client import build_gateway
from spcheck.graph.gateway import GraphGateway
from spcheck.graph.interface import SyncResult
from spcheck.graph.retry import RetryPolicy
from spcheck.store.memory import MemoryItemStore

from .conftest import BASE, FakeClock, emulator_settings

FAULTS = "429:0.3,503:0.1,reset:0.02"
FIXED = datetime(2026, 9, 21, 10, 0, tzinfo=UTC)
MORAG = DEMO_PARTNERSHIP_USERS[0][0]
EWAN = DEMO_PARTNERSHIP_USERS[1][0]
ISLA = DEMO_PARTNERSHIP_USERS[2][0]
GLEN = f"{ROOT_FOLDER}/glenmorven-2026"
KIN = f"{ROOT_FOLDER}/kinloch-2026"
RECORDS = 230  # more than one 200-item delta page


Row = tuple[str, str, str | None, bool, int | None, str | None, str | None, bool]


def truth(state: EmulatorState, drive_id: str) -> dict[str, Row]:
    """The emulator's live items as the store should hold them.

    Folder sizes are left out: Graph reports a folder's size but a new file
    deeper down does not put the folder back into delta, so no client can
    keep it current.
    """
    rows: dict[str, Row] = {}
    for item in state.drive_items(drive_id):
        if item.deleted:
            continue
        rows[item.id] = (
            item.name if not item.is_root else "root",
            state.path_of(item),
            item.parent_id,
            item.is_folder,
            None if item.is_folder else state.size_of(item),
            None if item.is_folder else item.quick_xor_hash,
            None if item.is_folder else item.etag,
            not item.inherits and not item.is_root,
        )
    return rows


def index(store: MemoryItemStore, drive_id: str) -> dict[str, Row]:
    return {
        i.id: (
            i.name,
            i.path,
            i.parent_id,
            i.is_folder,
            None if i.is_folder else i.size,
            None if i.is_folder else i.quick_xor,
            None if i.is_folder else i.etag,
            i.shared,
        )
        for i in store.items(drive_id)
    }


@dataclass
class Run:
    """One scenario's observations."""

    state: EmulatorState
    drive_id: str
    indexes: list[dict[str, Row]] = field(default_factory=list)
    truths: list[dict[str, Row]] = field(default_factory=list)
    results: list[SyncResult] = field(default_factory=list)
    expected: dict[str, set[str]] = field(default_factory=dict)
    requests: list[int] = field(default_factory=list)
    permissions: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = field(default_factory=dict)
    by_path: dict[str, str | None] = field(default_factory=dict)
    retries: int = 0


def seed() -> tuple[EmulatorState, str]:
    state = seed_demo(clock=lambda: FIXED)
    site = state.site_by_path("emulator.sharepoint.example", "/sites/inspections")
    assert site is not None
    drive = site.drive_id
    for folder in ("01 Pre-inspection return", "05 Records", "05 Records reserves", "07 Training"):
        state.create_folder(drive, GLEN, folder)
    state.upload(drive, f"{GLEN}/01 Pre-inspection return", "PIR.xlsx", b"pir v1", user=MORAG)
    for n in range(RECORDS):
        state.upload(drive, f"{GLEN}/05 Records", f"R-{n:03d}.docx", b"r%d" % n, user=MORAG)
    for n in range(5):
        state.upload(drive, f"{GLEN}/05 Records reserves", f"S-{n}.docx", b"s", user=EWAN)
    for n in range(4):
        state.upload(drive, f"{KIN}/05 Records", f"K-{n}.docx", b"k", user=EWAN)
    return state, drive


def mutate(state: EmulatorState, drive: str) -> dict[str, set[str]]:
    """Uploads, an overwrite, a rename, a move, deletes and a grant; returns the expected ids."""

    def at(path: str) -> Any:
        found = state.item_by_path(drive, path)
        assert found is not None, path
        return found

    added = {
        state.upload(drive, f"{GLEN}/05 Records", f"N-{n}.docx", b"new", user=EWAN).id
        for n in range(5)
    }
    nested = state.create_folder(drive, f"{GLEN}/07 Training", "redacted")
    added |= {
        nested.id,
        state.upload(drive, f"{GLEN}/07 Training/redacted", "plan.pdf", b"%PDF", user=MORAG).id,
    }
    pir = state.upload(drive, f"{GLEN}/01 Pre-inspection return", "PIR.xlsx", b"pir v2", user=MORAG)
    reserves = at(f"{GLEN}/05 Records reserves")
    reserve_files = {child.id for child in state.children(drive, reserves.id)}
    state.update_item(drive, reserves.id, name="06 Reserves")
    moved = at(f"{GLEN}/05 Records/R-010.docx")
    state.update_item(drive, moved.id, parent_id=at(f"{GLEN}/07 Training").id)
    gone = at(f"{GLEN}/05 Records/R-011.docx")
    state.delete_item(drive, gone.id)
    kinloch = at(KIN)
    kinloch_all = {kinloch.id} | {
        i.id for i in state.drive_items(drive) if not i.deleted and state.is_within(i, kinloch)
    }
    state.delete_item(drive, kinloch.id)
    brief = state.upload(drive, f"{GLEN}/05 Records", "~$temp.docx", b"t", user=EWAN)
    state.delete_item(drive, brief.id)  # born and gone between two syncs: never reported
    training = at(f"{GLEN}/07 Training")
    state.grant(drive, training.id, ISLA, ["write"])
    return {
        "added": added,
        "removed": {gone.id} | kinloch_all,
        "changed_at_least": {pir.id, reserves.id, moved.id} | reserve_files,
        "sharing_at_least": {training.id},
    }


def scenario(faults: str) -> Run:
    state, drive = seed()
    clock = FakeClock()
    run = Run(state, drive)
    store = MemoryItemStore()

    def make() -> GraphGateway:
        return build_gateway(
            emulator_settings(),
            transport=emulator_transport(
                state, faults=faults, fault_seed=1, base_url=BASE, monotonic=clock
            ),
            clock=clock,
            sleep=clock.sleep,
            now=clock.wall_now,
            policy=RetryPolicy(max_attempts=12, max_total_seconds=3600),
        )

    async def go() -> None:
        async with make() as gateway:
            site = await gateway.resolve_site()
            assert site.drive_id == drive

            async def sync() -> None:
                before = gateway.stats().requests
                run.results.append(await gateway.sync(drive, store))
                run.requests.append(gateway.stats().requests - before)
                run.indexes.append(index(store, drive))
                run.truths.append(truth(state, drive))

            await sync()
            await sync()  # nothing changed
            run.expected = mutate(state, drive)
            await sync()
            folders = sorted(i.id for i in store.items(drive) if i.is_folder)
            found = await gateway.permissions_many(drive, folders)
            assert found.failed == {}
            assert found.missing == frozenset()
            run.permissions = {
                key: tuple(sorted((p.id, p.roles) for p in perms))
                for key, perms in found.found.items()
            }
            # Read every stored item back by its path: many small requests for faults to hit.
            for stored in store.items(drive):
                found_item = await gateway.item_by_path(drive, stored.path)
                run.by_path[stored.path] = found_item.id if found_item is not None else None
            run.retries = gateway.stats().retries

    asyncio.run(go())
    return run


@pytest.fixture(scope="module")
def clean() -> Run:
    return scenario("")


@pytest.fixture(scope="module")
def faulty() -> Run:
    return scenario(FAULTS)


def test_full_sync_gives_exactly_the_drive(clean: Run) -> None:
    full = clean.results[0]
    assert full.full
    assert not full.resynced
    assert full.pages >= 2
    assert clean.indexes[0] == clean.truths[0]
    assert set(full.added) == set(clean.truths[0])
    paths = {row[1] for row in clean.indexes[0].values()}
    assert f"{GLEN}/05 Records/R-229.docx" in paths
    assert "" in paths  # the drive root, so that later runs can place its children


def test_incremental_with_nothing_changed_is_one_request(clean: Run) -> None:
    quiet = clean.results[1]
    assert clean.requests[1] == 1
    assert quiet.touched == ()
    assert quiet.removed == ()
    assert clean.indexes[1] == clean.indexes[0]


def test_incremental_after_changes_gives_exactly_the_drive(clean: Run) -> None:
    result = clean.results[2]
    assert not result.full
    assert clean.indexes[2] == clean.truths[2]
    assert set(result.added) == clean.expected["added"]
    assert set(result.removed) == clean.expected["removed"]
    assert clean.expected["changed_at_least"] <= set(result.changed)
    assert clean.expected["sharing_at_least"] <= set(result.sharing_changed)
    paths = {row[1] for row in clean.indexes[2].values()}
    assert f"{GLEN}/07 Training/R-010.docx" in paths
    assert f"{GLEN}/05 Records/R-010.docx" not in paths
    assert f"{GLEN}/06 Reserves/S-0.docx" in paths
    assert not any(path.startswith(KIN) for path in paths)


def test_every_stored_path_addresses_its_item(clean: Run) -> None:
    assert clean.by_path == {row[1]: key for key, row in clean.indexes[2].items()}


def test_faults_give_an_identical_index(clean: Run, faulty: Run) -> None:
    injected = faulty.state.stats.faults
    assert injected["429"] > 0
    assert injected["503"] > 0
    assert injected["reset"] > 0
    assert faulty.retries >= sum(injected.values())
    assert faulty.indexes == clean.indexes
    assert faulty.indexes[2] == faulty.truths[2]
    for ours, theirs in zip(faulty.results, clean.results, strict=True):
        assert (ours.added, ours.changed, ours.removed) == (
            theirs.added,
            theirs.changed,
            theirs.removed,
        )
    assert faulty.permissions == clean.permissions
    assert faulty.by_path == clean.by_path


def test_410_resync_against_the_emulator(make_store: Callable[[], MemoryItemStore]) -> None:
    state, drive = seed()
    clock = FakeClock()
    store = make_store()

    async def go() -> SyncResult:
        async with build_gateway(
            emulator_settings(),
            transport=emulator_transport(state, base_url=BASE, monotonic=clock),
            clock=clock,
            sleep=clock.sleep,
            now=clock.wall_now,
        ) as gateway:
            await gateway.sync(drive, store)
            state.expire_delta_tokens()
            gone = state.item_by_path(drive, f"{GLEN}/05 Records/R-000.docx")
            assert gone is not None
            state.delete_item(drive, gone.id)
            state.upload(drive, f"{GLEN}/05 Records", "late.docx", b"l", user=MORAG)
            return await gateway.sync(drive, store)

    result = asyncio.run(go())
    assert result.resynced
    assert len(result.removed) == 1
    assert len(result.added) == 1
    assert index(store, drive) == truth(state, drive)


@pytest.fixture
def make_store() -> Callable[[], MemoryItemStore]:
    return MemoryItemStore
