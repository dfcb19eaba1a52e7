"""AzureTableStore on Azurite: the shared store contract, then what is particular to Tables."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from spcheck.errors import ConfigError
from spcheck.store.azure_table import AzureTableStore
from spcheck.store.factory import open_store
from spcheck.store.interface import StoredItem, StoreError
from spcheck.store.records import AuditResult, CheckRun, Intent, RunStatus
from tests.store.contract import SEEN, ItemStoreContract, StoreContract, entry, item

SECRET_KEY = "c2VjcmV0LWtleS1uZXZlci10by1iZS1zaG93bg=="


def run_threads(work: Callable[[int], None], count: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def one(number: int) -> None:
        try:
            barrier.wait()
            work(number)
        except BaseException as error:  # reported by the test
            errors.append(error)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.fixture
def open_azure(azurite: str, table_prefix: str) -> Iterator[Callable[..., AzureTableStore]]:
    opened: list[AzureTableStore] = []

    def make(**options: Any) -> AzureTableStore:
        store = AzureTableStore(azurite, table_prefix=table_prefix, **options)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


class TestAzureTableStore(ItemStoreContract, StoreContract):
    @pytest.fixture
    def store(self, open_azure: Callable[..., AzureTableStore]) -> AzureTableStore:
        return open_azure()


# --- concurrency ----------------------------------------------------------------------------


def test_two_writers_on_one_inspection_lose_no_update(
    open_azure: Callable[..., AzureTableStore],
) -> None:
    first, second = open_azure(), open_azure()
    inspection = "glenmorven-2026"

    def work(worker: int) -> None:
        store = (first, second)[worker]
        for n in range(8):
            store.append(entry(n, SEEN + timedelta(seconds=n), plan_id=f"plan-{worker}"))
            store.record_run(
                CheckRun(
                    run_id=f"w{worker}-r{n}",
                    inspection_id=inspection,
                    as_of=SEEN,
                    generated_at=SEEN + timedelta(minutes=n),
                    status=RunStatus.OK,
                )
            )
            store.mark_alerted(inspection, [f"rule.{worker}|{n}||"], SEEN)

    assert run_threads(work, 2) == []
    audit = first.entries(inspection)
    assert len(audit) == 16
    assert len({e.id for e in audit}) == 16
    assert {e.plan_id for e in audit} == {"plan-0", "plan-1"}
    assert len(first.alerted_keys(inspection)) == 16
    latest = second.last_run(inspection)
    assert latest is not None
    assert latest.generated_at == SEEN + timedelta(minutes=7)
    # Both wrote a run at that instant: the later insertion is the last run.
    assert latest.run_id in {"w0-r7", "w1-r7"}


def test_the_same_run_recorded_by_two_workers_is_stored_once(
    open_azure: Callable[..., AzureTableStore],
) -> None:
    first, second = open_azure(), open_azure()
    base = CheckRun(
        run_id="shared",
        inspection_id="glenmorven-2026",
        as_of=SEEN,
        generated_at=SEEN,
        status=RunStatus.OK,
    )

    def work(worker: int) -> None:
        store = (first, second)[worker]
        for n in range(5):
            status = RunStatus.ERROR if worker else RunStatus.WARNING
            store.record_run(replace(base, generated_at=SEEN + timedelta(hours=n), status=status))

    assert run_threads(work, 2) == []
    rows = list(first._table("runs").list_entities())
    runs = [row for row in rows if row["RowKey"].startswith("t-")]
    assert len(runs) == 1, "a run id recorded again must replace the old row, not add one"
    last = first.last_run("glenmorven-2026")
    assert last is not None
    assert last.generated_at == SEEN + timedelta(hours=4)


def test_resolving_while_another_worker_alerts_again_keeps_a_consistent_state(
    open_azure: Callable[..., AzureTableStore],
) -> None:
    first, second = open_azure(), open_azure()
    keys = [f"records.unexpected|03 Records sample/GM-{n:04}.pdf||" for n in range(30)]
    first.mark_alerted("glenmorven-2026", keys, SEEN)

    def work(worker: int) -> None:
        for n in range(4):
            if worker:
                second.mark_alerted("glenmorven-2026", keys[:10], SEEN + timedelta(days=n))
            else:
                first.mark_resolved("glenmorven-2026", keys, SEEN + timedelta(days=n))

    assert run_threads(work, 2) == []
    # Whatever the interleaving, the last step of each worker decided each key, wholly.
    open_now = first.alerted_keys("glenmorven-2026")
    assert open_now <= set(keys[:10])
    first.mark_resolved("glenmorven-2026", keys, SEEN + timedelta(days=9))
    assert first.alerted_keys("glenmorven-2026") == set()


def test_two_workers_syncing_one_drive_never_interleave(
    open_azure: Callable[..., AzureTableStore],
) -> None:
    first, second = open_azure(), open_azure()
    count = 230  # three transactions each

    def work(worker: int) -> None:
        store = (first, second)[worker]
        for round_ in range(3):
            version = worker * 10 + round_
            items = [item(f"i{n}", f"f{n}.pdf", size=version) for n in range(count)]
            # Opposite orders: unguarded, the last batches of the two would mix.
            store.replace_all("d", items[::-1] if worker else items, f"link-{version}")

    assert run_threads(work, 2) == []
    listed = first.items("d")
    sizes = {i.size for i in listed}
    assert len(listed) == count
    assert len(sizes) == 1, f"items from two syncs were interleaved: {sorted(map(str, sizes))}"
    assert first.get_delta_link("d") == f"link-{sizes.pop()}"


def test_readers_during_a_sync_see_the_old_link_until_every_item_is_written(
    open_azure: Callable[..., AzureTableStore],
) -> None:
    writer, reader = open_azure(), open_azure()
    count = 250
    writer.replace_all("d", [item(f"i{n}", f"f{n}.pdf", size=0) for n in range(count)], "l-0")
    failures: list[str] = []
    done = threading.Event()

    def write() -> None:
        try:
            for version in range(1, 4):
                items = [item(f"i{n}", f"f{n}.pdf", size=version) for n in range(count)]
                writer.apply_changes("d", items, [], f"l-{version}")
        finally:
            done.set()

    def read() -> None:
        while not done.is_set():
            link = reader.get_delta_link("d")
            assert link is not None
            sizes = {i.size or 0 for i in reader.items("d")}
            # The items are read after the link: none may be older than the link says.
            if min(sizes) < int(link.split("-")[1]):
                failures.append(f"link {link} visible with items of sizes {sorted(sizes)}")
                return

    errors = run_threads(lambda n: (write if n == 0 else read)(), 2)
    assert errors == []
    assert failures == []
    assert reader.get_delta_link("d") == "l-3"


def test_a_sync_that_died_mid_write_is_not_taken_as_complete(
    open_azure: Callable[..., AzureTableStore],
) -> None:
    store = open_azure(lease_seconds=0.5)
    store.replace_all("d", [item("a", "A.docx")], "link-1")
    boom = RuntimeError("the worker was stopped")
    calls = {"n": 0}
    real_commit = store._commit

    def dying_commit(table: str, operations: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise boom
        return real_commit(table, operations)

    store._commit = dying_commit  # type: ignore[method-assign]
    many = [item(f"n{k}", f"New/{k}.pdf") for k in range(150)]
    with pytest.raises(RuntimeError):
        store.replace_all("d", many, "link-2")
    store._commit = real_commit  # type: ignore[method-assign]
    # Half a resync was written; the link is gone, so the next run resyncs in full.
    assert store.get_delta_link("d") is None
    store.replace_all("d", many, "link-2")
    assert len(store.items("d")) == 150
    assert store.get_delta_link("d") == "link-2"


def test_a_worker_that_died_holding_the_drive_is_taken_over_after_its_lease(
    open_azure: Callable[..., AzureTableStore],
) -> None:
    from spcheck.store.azure_lease import DriveLease, LeaseLost

    store = open_azure(lease_seconds=0.4)
    store.replace_all("d", [item("a", "A.docx")], "link-1")
    dead = DriveLease(store._table("drives"), "d", lease_seconds=0.4)
    dead.acquire(clear_link=False)  # and never renews or releases
    store.apply_changes("d", [item("b", "B.docx")], [], "link-2")
    assert [i.id for i in store.items("d")] == ["a", "b"]
    assert store.get_delta_link("d") == "link-2"
    # The dead worker wakes up: it may not write over the newer sync.
    with pytest.raises(LeaseLost, match="another worker took over"):
        dead.release("link-stale")
    assert store.get_delta_link("d") == "link-2"


# --- Table specifics --------------------------------------------------------------------------


def test_an_intent_whose_entry_was_written_before_a_crash_is_not_open(
    open_azure: Callable[..., AzureTableStore],
) -> None:
    """Closing is two writes here: the entry (naming the intent), then the intent."""
    store = open_azure()
    opened = store.open_intent(Intent("provision.step", entry(1, SEEN, result=AuditResult.PENDING)))
    assert opened.id is not None
    # The crash: the entry is written, the intent is not yet marked closed.
    store._append(entry(1, SEEN, detail="granted"), opened.id)
    assert store.open_intents() == []
    assert store.open_intents("glenmorven-2026") == []
    assert [e.detail for e in store.entries()] == ["granted"]  # audited once


def test_keys_with_forbidden_characters_and_large_values_round_trip(
    open_azure: Callable[..., AzureTableStore],
) -> None:
    store = open_azure()
    odd = StoredItem(
        id="01/AB\\C#D?E%F\x01",
        name="Ünïcødé ✓.docx",
        path="Inspections/a#b?/Ünïcødé ✓.docx",
        parent_id="p/1",
        is_folder=False,
        first_seen=SEEN,
        size=5 * 2**40,
    )
    store.upsert_items("b!drive/with#odd?chars", [odd])
    assert store.item("b!drive/with#odd?chars", odd.id) == odd
    assert store.item_by_path("b!drive/with#odd?chars", "inspections/A#B?/ünïcødé ✓.DOCX") == odd
    big = '{"findings": [' + ",".join(f'{{"n": {n}, "pad": "{"x" * 40}"}}' for n in range(3000))
    store.put("item/1", "hash", big, SEEN)
    assert store.get("item/1", "hash") == big
    keys = {f"content.personal_identifier|{'deep/' * 40}file-{n}.xlsx|chi|A{n}" for n in range(900)}
    run = CheckRun("r1", "glenmorven-2026", SEEN, SEEN, RunStatus.ERROR, {}, frozenset(keys))
    store.record_run(run)
    found = store.last_run("glenmorven-2026")
    assert found is not None
    assert found.finding_keys == frozenset(keys)
    store.mark_alerted("glenmorven-2026", [next(iter(keys))], SEEN)
    assert store.alerted_keys("glenmorven-2026") == {next(iter(keys))}


def test_location_and_errors_never_show_the_account_key(azurite: str) -> None:
    unreachable = (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        f"AccountKey={SECRET_KEY};TableEndpoint=http://127.0.0.1:9/devstoreaccount1;"
    )
    with pytest.raises(StoreError) as refused:
        AzureTableStore(unreachable, table_prefix="never", client_options={"retry_total": 0})
    message = str(refused.value)
    assert SECRET_KEY not in message
    assert "AccountKey" not in message
    assert "devstoreaccount1" in message
    assert "\n" not in message
    assert refused.value.exit_code == 3
    with open_store("azure-table:" + azurite) as store:
        assert store.location.startswith("azure-table:devstoreaccount1")
        assert "AccountKey" not in store.location
        assert "Eby8" not in store.location


def test_a_wrong_key_is_a_store_error_naming_the_cause(azurite: str) -> None:
    wrong = azurite.replace("AccountKey=", f"AccountKey={SECRET_KEY[:8]}")
    with pytest.raises(StoreError, match=r"authentication failed|HTTP 403") as refused:
        AzureTableStore(wrong, table_prefix="wrongkey", client_options={"retry_total": 0})
    assert SECRET_KEY[:8] not in str(refused.value)


@pytest.mark.parametrize(
    ("setting", "reason"),
    [
        ("azure-table:AccountName=x", "no AccountKey"),
        ("azure-table:AccountKey=abc", "no AccountName"),
        ("azure-table:just some words", "Name=Value"),
        ("azure-table:SharedAccessSignature=sv=1", "neither AccountName nor TableEndpoint"),
    ],
)
def test_a_malformed_connection_string_is_a_config_error(setting: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=f"SPCHECK_STATE: .*{reason}") as refused:
        open_store(setting)
    assert refused.value.exit_code == 2
    assert "abc" not in str(refused.value)


def test_a_state_written_by_a_newer_spcheck_is_refused(
    open_azure: Callable[..., AzureTableStore], azurite: str, table_prefix: str
) -> None:
    from spcheck.store import azure_table

    store = open_azure()
    newer = {"PartitionKey": "schema", "RowKey": "version", "version": 99}
    store._table("meta").upsert_entity(newer)
    azure_table._ENSURED.clear()
    with pytest.raises(StoreError, match="newer spcheck"):
        AzureTableStore(azurite, table_prefix=table_prefix)


def test_a_state_from_schema_1_gains_the_new_tables_and_keeps_its_runs(
    open_azure: Callable[..., AzureTableStore], azurite: str, table_prefix: str
) -> None:
    from azure.data.tables import TableServiceClient

    from spcheck.store import azure_table

    # What schema 1 left: its seven tables, a run without milestone states, version 1.
    run = CheckRun("r1", "glenmorven-2026", SEEN, SEEN, RunStatus.OK, finding_keys=frozenset())
    entity = azure_table._run_entity("glenmorven-2026", "t-0001", 1, run)
    del entity["milestones"]
    with TableServiceClient.from_connection_string(azurite) as service:
        for name in ("items", "drives", "audit", "runs", "alerts", "cache", "meta"):
            service.create_table_if_not_exists(table_prefix + name)
        service.get_table_client(table_prefix + "meta").create_entity(
            {"PartitionKey": "schema", "RowKey": "version", "version": 1}
        )
        service.get_table_client(table_prefix + "runs").create_entity(entity)
        before = {t.name for t in service.list_tables() if t.name.startswith(table_prefix)}
    assert table_prefix + "history" not in before
    azure_table._ENSURED.clear()
    store = open_azure()
    version = store._table("meta").get_entity("schema", "version")["version"]
    assert version == azure_table.SCHEMA_VERSION == 2
    found = store.last_run("glenmorven-2026")
    assert found is not None
    assert (found.run_id, dict(found.milestones)) == ("r1", {})
    assert store.history("glenmorven-2026").cycle == 0
    assert store.acceptances("glenmorven-2026") == []
    assert store.attestations("glenmorven-2026") == []
