"""SQLite specifics: migration on open, refusing foreign or damaged files, readers during writes."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from spcheck.errors import ConfigError
from spcheck.store.factory import open_store, store_exists
from spcheck.store.interface import StoreError
from spcheck.store.migrations import APPLICATION_ID, SCHEMA_VERSION
from spcheck.store.records import AuditResult
from spcheck.store.sqlite import SqliteStore, backup_path, migrate

from .contract import SEEN, entry, item


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def test_an_empty_file_is_migrated_to_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.touch()
    with SqliteStore(path) as store:
        store.upsert_items("d", [item("a", "A.docx")])
        store.append(entry(1, SEEN))
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    assert pragma(path, "user_version") == SCHEMA_VERSION
    assert pragma(path, "application_id") == APPLICATION_ID
    assert pragma(path, "journal_mode") == "wal"
    with SqliteStore(path) as again:
        assert [i.id for i in again.items("d")] == ["a"]
        assert [e.step for e in again.entries()] == [1]


def test_a_file_from_an_older_version_opens_migrates_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, upto=1) == 1
    conn.execute(
        "INSERT INTO items (drive_id, id, name, path, path_key, parent_id, is_folder, first_seen) "
        "VALUES ('d', 'a', 'A.docx', 'Inspections/A.docx', 'inspections/a.docx', NULL, 0, ?)",
        (SEEN.isoformat(),),
    )
    conn.execute("INSERT INTO delta_links VALUES ('d', 'https://graph.example/delta?token=1')")
    conn.close()
    assert pragma(path, "user_version") == 1

    with SqliteStore(path) as store:
        assert store.version == SCHEMA_VERSION
        kept = store.item_by_path("d", "inspections/A.DOCX")
        assert kept is not None
        assert kept.first_seen == SEEN
        assert store.get_delta_link("d") == "https://graph.example/delta?token=1"
        store.append(entry(1, SEEN))
        store.put("a", "hash", "{}", SEEN)
    assert pragma(path, "user_version") == SCHEMA_VERSION
    # The file as it was before the migration is kept beside it, whole.
    kept_copy = backup_path(path, 1)
    assert pragma(kept_copy, "user_version") == 1
    copy = sqlite3.connect(kept_copy)
    assert copy.execute("SELECT link FROM delta_links").fetchall() == [
        ("https://graph.example/delta?token=1",)
    ]
    assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    copy.close()
    SqliteStore(path).close()  # current: nothing to migrate, no other copy
    assert sorted(p.name for p in tmp_path.glob("*.bak")) == ["old.db.schema1.bak"]


def test_a_schema_4_file_gains_history_and_keeps_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "four.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, upto=4) == 4
    conn.execute(
        "INSERT INTO check_runs (run_id, inspection_id, as_of, generated_at, generated_utc, "
        "status, counts, finding_keys) VALUES ('r1', 'glenmorven-2026', ?, ?, ?, 'error', "
        "'{\"error\": 2}', '[\"pir.missing|||\"]')",
        (SEEN.isoformat(), SEEN.isoformat(), SEEN.isoformat()),
    )
    conn.close()
    with SqliteStore(path) as store:
        assert store.version == SCHEMA_VERSION
        run = store.last_run("glenmorven-2026")
        assert run is not None
        assert run.finding_keys == frozenset({"pir.missing|||"})
        assert dict(run.milestones) == {}
        assert [r.run_id for r in store.recent_runs("glenmorven-2026", 14)] == ["r1"]
        assert store.history("glenmorven-2026").cycle == 0
        assert store.acceptances("glenmorven-2026") == []


def test_audit_entries_written_before_the_person_was_recorded_read_as_nobody(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v5.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, upto=5) == 5
    conn.execute(
        "INSERT INTO audit (plan_id, inspection_id, step, action, actor, before, after, at, "
        "at_utc, result) VALUES ('p', 'glenmorven-2026', 1, 'grant', 'app:spcheck', 'null', "
        "'null', ?, ?, 'ok')",
        (SEEN.isoformat(), SEEN.isoformat()),
    )
    conn.close()
    with SqliteStore(path) as store:
        store.append(entry(2, SEEN, requested_by="sso.testperson@careinspectorate.example"))
        old, new = sorted(store.entries(), key=lambda e: e.step)
    assert (old.requested_by, old.actor) == (None, "app:spcheck")
    assert new.requested_by == "sso.testperson@careinspectorate.example"


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are the SSO's notes, not a database\n" * 20)
    before = digest(path)
    with pytest.raises(StoreError, match="not an SQLite database") as refused:
        SqliteStore(path)
    assert str(path) in str(refused.value)
    assert refused.value.exit_code == 2  # not a state file at all: a setting to correct
    assert digest(path) == before


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError, match="another program's SQLite database"):
        SqliteStore(path)
    assert digest(path) == before
    assert not Path(str(path) + "-wal").exists()


def test_a_file_from_a_newer_spcheck_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer spcheck"):
        SqliteStore(path)


def _corrupt(path: Path) -> None:
    """Overwrite the middle of the file (B-tree pages, not the header) with garbage."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    assert len(data) >= 6 * page, "the test database is too small to damage its inner pages"
    for start in range(2 * page, len(data) - page, page):
        data[start : start + 64] = bytes(range(200, 255)) + bytes(9)
    path.write_bytes(bytes(data))


def damaged_state_file(path: Path) -> None:
    """A state file large enough to damage its inner pages, then damaged (one file, no WAL)."""
    with SqliteStore(path) as store:
        store.upsert_items("d", [item(f"id-{n}", f"Folder/file-{n:05}.pdf") for n in range(600)])
        for step in range(50):
            store.append(entry(step, SEEN + timedelta(seconds=step)))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    _corrupt(path)


def test_a_damaged_file_is_refused_with_the_reason_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    damaged_state_file(path)
    before = digest(path)
    with pytest.raises(StoreError, match="damaged") as refused:
        SqliteStore(path)
    message = str(refused.value)
    assert str(path) in message
    assert "\n" not in message  # SQLite's integrity report spans lines; the error does not
    assert "runbooks/state.md" in message
    assert "spcheck state check" in message
    assert refused.value.exit_code == 3
    assert digest(path) == before


def test_a_missing_directory_is_refused_not_created(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        SqliteStore(tmp_path / "no-such-dir" / "state.db")
    assert not (tmp_path / "no-such-dir").exists()


def test_readers_never_see_half_a_commit(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    count, rounds = 150, 25
    SqliteStore(path).close()
    with SqliteStore(path) as writer:
        writer.replace_all("d", [item(f"i{n}", f"f{n}.pdf", size=0) for n in range(count)], "l-0")
    failures: list[str] = []
    seen_versions: set[int] = set()
    done = threading.Event()

    def write() -> None:
        try:
            with SqliteStore(path) as store:
                for version in range(1, rounds + 1):
                    items = [item(f"i{n}", f"f{n}.pdf", size=version) for n in range(count)]
                    store.apply_changes("d", items, [], f"l-{version}")
        except Exception as error:  # reported by the main thread
            failures.append(f"writer: {error!r}")
        finally:
            done.set()

    def read() -> None:
        try:
            with SqliteStore(path) as store:
                while True:
                    finished = done.is_set()
                    listed = store.items("d")
                    sizes = {i.size for i in listed}
                    if len(listed) != count or len(sizes) != 1:
                        failures.append(
                            f"reader saw {len(listed)} items, sizes {sorted(map(str, sizes))}"
                        )
                        return
                    size = sizes.pop()
                    assert size is not None
                    seen_versions.add(size)
                    if finished:
                        return
        except Exception as error:
            failures.append(f"reader: {error!r}")

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert rounds in seen_versions
    with SqliteStore(path) as store:
        assert store.get_delta_link("d") == f"l-{rounds}"


def test_two_processes_opening_a_new_file_at_once_both_succeed(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_one(step: int) -> None:
        try:
            barrier.wait()
            with SqliteStore(path) as store:
                store.append(entry(step, SEEN + timedelta(seconds=step)))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_one, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with SqliteStore(path) as store:
        assert sorted(e.step for e in store.entries()) == [0, 1, 2, 3]
        assert all(e.id is not None for e in store.entries())


def test_a_failed_write_rolls_back_the_whole_change(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "state.db") as store:
        store.replace_all("d", [item("a", "A.docx")], "l-1")
        broken = replace(item("b", "B.docx"), first_seen=None)  # type: ignore[arg-type]
        with pytest.raises(StoreError, match="write failed"):
            store.apply_changes("d", [item("c", "C.docx"), broken], ["a"], "l-2")
        assert [i.id for i in store.items("d")] == ["a"]
        assert store.get_delta_link("d") == "l-1"


def test_open_store_reads_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    setting = f"sqlite:///{path}"
    assert not store_exists(setting)
    with open_store(setting) as store:
        assert store.location == str(path)
        store.append(entry(1, datetime(2026, 9, 21, 10, 0, tzinfo=UTC), result=AuditResult.OK))
    assert store_exists(setting)
    with pytest.raises(ConfigError, match=r"SPCHECK_STATE: .*no AccountKey"):
        open_store("azure-table:DefaultEndpointsProtocol=https;AccountName=x")
    with pytest.raises(ConfigError, match="SPCHECK_STATE"):
        open_store("postgres://somewhere")


def test_a_history_kept_in_memory_follows_what_another_process_writes(tmp_path: Path) -> None:
    from tests.store.contract import tracked

    path = tmp_path / "state.db"
    first = tracked("pir.missing|01 Pre-inspection return||", 1)
    with SqliteStore(path) as watch, SqliteStore(path) as cron:
        assert watch.record_history("i-2026", previous_cycle=0, cycle=1, at=SEEN, changed=[first])
        assert watch.history("i-2026").tracked == {first.key: first}
        later = SEEN + timedelta(days=1)
        gone = replace(first, resolved_at=later)
        assert cron.history("i-2026").cycle == 1
        assert cron.record_history("i-2026", previous_cycle=1, cycle=2, at=later, changed=[gone])
        seen = watch.history("i-2026")
        assert (seen.cycle, seen.tracked[first.key]) == (2, gone)
        # The stale writer is refused, and its memory does not pretend otherwise.
        assert not watch.record_history(
            "i-2026", previous_cycle=1, cycle=2, at=later, changed=[first]
        )
        assert watch.history("i-2026").tracked[first.key] == gone
