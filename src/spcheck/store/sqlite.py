"""SqliteStore: the embedded default state store (one file, WAL, a transaction per change).

Opening a file checks that it is spcheck's before anything is written to it:
an SQLite header, spcheck's application id (or an empty database), a schema
version this build knows, the tables that version must have, and a quick
integrity check. A foreign, newer or damaged file is refused with one line
naming the file and the reason (``NotAStateFile`` for what is not spcheck's
state at all, ``StoreError`` otherwise); it is never migrated, repaired or
overwritten. Missing migrations are applied in one transaction, after a copy
of the file as it was is kept beside it (``<file>.schema<N>.bak``).

One connection per store, guarded by a lock, so a store may be shared by the
threads of one process; other processes (a second cron run, ``spcheck audit``
while ``watch`` runs) open their own store on the same file and WAL lets their
readers proceed while a writer commits.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from spcheck.domain.acceptance import Acceptance
from spcheck.domain.attestation import Attestation
from spcheck.domain.findings import Severity
from spcheck.domain.history import History, Tracked
from spcheck.store.interface import NotAStateFile, StateDamaged, StoredItem, StoreError
from spcheck.store.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, TABLES_AT
from spcheck.store.records import (
    REPLACED,
    AuditEntry,
    AuditResult,
    CheckRun,
    DriveSubscription,
    Intent,
    RunStatus,
    RunSummary,
    Store,
    entry_from_json,
    entry_json,
    require_outcome,
)

SQLITE_HEADER = b"SQLite format 3\x00"
MEMORY = ":memory:"
DEFAULT_BUSY_TIMEOUT_MS = 10_000
RESTORE = (
    "it is left as it is: `spcheck state check` says more, and runbooks/state.md says how "
    "to restore it from its backup"
)
# SQLite's words for a file whose pages are not what they should be.
_DAMAGE = ("malformed", "not a database", "corrupt", "disk i/o error")


def backup_path(path: str | Path, version: int) -> Path:
    """Where the copy of a state file at schema ``version`` is kept before it is migrated."""
    return Path(f"{path}.schema{version}.bak")


def one_line(text: object) -> str:
    return " ".join(str(text).split())


_ITEM_INSERT = (
    "INSERT OR REPLACE INTO items (drive_id, id, name, path, path_key, parent_id, is_folder, "
    "first_seen, size, created_at, modified_at, created_by, modified_by, sha256, quick_xor, "
    "mime_type, etag, ctag, shared) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _text(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# What ``_access_rows`` reads: the last permissions read, or the sharing history beside it.
_ACCESS_QUERIES = {
    "read": "SELECT item_id, permissions, read_at FROM access_cache WHERE item_id IN ",
    "history": "SELECT item_id, history FROM access_cache WHERE item_id IN ",
}


def _utc(value: datetime, what: str) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return value.astimezone(UTC).isoformat()


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _row_item(row: sqlite3.Row) -> StoredItem:
    first_seen = _when(row["first_seen"])
    assert first_seen is not None
    return StoredItem(
        id=row["id"],
        name=row["name"],
        path=row["path"],
        parent_id=row["parent_id"],
        is_folder=bool(row["is_folder"]),
        first_seen=first_seen,
        size=row["size"],
        created_at=_when(row["created_at"]),
        modified_at=_when(row["modified_at"]),
        created_by=row["created_by"],
        modified_by=row["modified_by"],
        sha256=row["sha256"],
        quick_xor=row["quick_xor"],
        mime_type=row["mime_type"],
        etag=row["etag"],
        ctag=row["ctag"],
        shared=bool(row["shared"]),
    )


def _item_row(drive_id: str, item: StoredItem) -> tuple[Any, ...]:
    return (
        drive_id,
        item.id,
        item.name,
        item.path,
        item.path.casefold(),
        item.parent_id,
        int(item.is_folder),
        _text(item.first_seen),
        item.size,
        _text(item.created_at),
        _text(item.modified_at),
        item.created_by,
        item.modified_by,
        item.sha256,
        item.quick_xor,
        item.mime_type,
        item.etag,
        item.ctag,
        int(item.shared),
    )


def _row_audit(row: sqlite3.Row) -> AuditEntry:
    at = _when(row["at"])
    assert at is not None
    return AuditEntry(
        id=row["id"],
        plan_id=row["plan_id"],
        inspection_id=row["inspection_id"],
        step=row["step"],
        action=row["action"],
        path=row["path"],
        email=row["email"],
        actor=row["actor"],
        before=row["before"],
        after=row["after"],
        at=at,
        result=AuditResult(row["result"]),
        detail=row["detail"],
        requested_by=row["requested_by"],
    )


def _row_run(row: sqlite3.Row) -> CheckRun:
    as_of, generated = _when(row["as_of"]), _when(row["generated_at"])
    assert as_of is not None
    assert generated is not None
    return CheckRun(
        run_id=row["run_id"],
        inspection_id=row["inspection_id"],
        as_of=as_of,
        generated_at=generated,
        status=RunStatus(row["status"]),
        counts=MappingProxyType(dict(json.loads(row["counts"]))),
        finding_keys=frozenset(json.loads(row["finding_keys"])),
        milestones=MappingProxyType(dict(json.loads(row["milestones"]))),
    )


def _row_summary(row: sqlite3.Row) -> RunSummary:
    as_of, generated = _when(row["as_of"]), _when(row["generated_at"])
    assert as_of is not None
    assert generated is not None
    return RunSummary(
        run_id=row["run_id"],
        as_of=as_of,
        generated_at=generated,
        status=RunStatus(row["status"]),
        counts=MappingProxyType(dict(json.loads(row["counts"]))),
    )


_SEVERITIES = {severity.value: severity for severity in Severity}
_TRACKED_QUERY = (
    "SELECT key, rule, severity, first_seen, first_cycle, last_seen, path, milestone, location, "
    "resolved_at, reopened, content, sharing FROM finding_history WHERE inspection_id = ?"
)


def _row_tracked(row: Sequence[Any]) -> Tracked:
    # Read by position: an inspection's history can be tens of thousands of rows a cycle.
    (key, rule, severity, first_seen, first_cycle, last_seen, path, milestone, location,
     resolved_at, reopened, content, sharing) = row  # fmt: skip
    return Tracked(
        key,
        rule,
        _SEVERITIES[severity],
        datetime.fromisoformat(first_seen),
        first_cycle,
        datetime.fromisoformat(last_seen),
        path,
        milestone,
        location,
        datetime.fromisoformat(resolved_at) if resolved_at else None,
        bool(reopened),
        content,
        sharing,
    )


def _tracked_row(inspection_id: str, row: Tracked) -> tuple[Any, ...]:
    _utc(row.first_seen, "first_seen")
    return (
        inspection_id,
        row.key,
        row.rule,
        Severity(row.severity).value,
        row.path,
        row.milestone,
        row.location,
        row.first_seen.isoformat(),
        row.first_cycle,
        row.last_seen.isoformat(),
        _text(row.resolved_at),
        int(row.reopened),
        row.content,
        row.sharing,
    )


def _row_acceptance(row: sqlite3.Row) -> Acceptance:
    at, until = _when(row["at"]), _when(row["until"])
    assert at is not None
    assert until is not None
    return Acceptance(
        id=row["id"],
        inspection_id=row["inspection_id"],
        key=row["key"],
        rule=row["rule"],
        severity=Severity(row["severity"]),
        reason=row["reason"],
        by=row["accepted_by"],
        at=at,
        until=until,
        path=row["path"],
        location=row["location"],
        milestone=row["milestone"],
        content=row["content"],
        sharing=row["sharing"],
        ended_at=_when(row["ended_at"]),
        ended_by=row["ended_by"],
        end_reason=row["end_reason"],
    )


def _row_attestation(row: sqlite3.Row) -> Attestation:
    on, recorded = _when(row["happened_on"]), _when(row["recorded_at"])
    assert on is not None
    assert recorded is not None
    return Attestation(
        id=row["id"],
        inspection_id=row["inspection_id"],
        milestone=row["milestone"],
        on=on,
        recorded_at=recorded,
        by=row["recorded_by"],
        value=row["value"],
        note=row["note"],
        withdrawn_at=_when(row["withdrawn_at"]),
        withdrawn_by=row["withdrawn_by"],
    )


def _row_subscription(row: sqlite3.Row) -> DriveSubscription:
    checked = _when(row["checked_at"])
    assert checked is not None
    return DriveSubscription(
        drive_id=row["drive_id"],
        site_id=row["site_id"],
        subscription_id=row["subscription_id"],
        expires_at=_when(row["expires_at"]),
        checked_at=checked,
        created_at=_when(row["created_at"]),
        url_digest=row["url_digest"],
        state_digest=row["state_digest"],
        security=bool(row["security"]),
        refused=row["refused"],
    )


def user_tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return {row[0] for row in rows}


def migrate(conn: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> int:
    """Apply the missing migrations up to ``upto`` in one transaction; returns the version.

    The version is read again inside the write transaction, so two processes
    opening a new file at once migrate it once.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        for number in range(version + 1, upto + 1):
            for statement in MIGRATIONS[number - 1]:
                conn.execute(statement)
        if upto > version:
            # PRAGMAs take no parameters; both values are integers from this module.
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
            conn.execute(f"PRAGMA user_version = {upto:d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return max(version, upto)


class SqliteStore(Store):
    """The state in one SQLite file (or ``:memory:`` for tests)."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> None:
        self._path = str(path)
        self._lock = threading.RLock()
        self._histories: dict[str, History] = {}  # as last read or written, by inspection
        if self._path != MEMORY:
            self._check_file(Path(self._path))
        try:
            self._conn = sqlite3.connect(
                self._path,
                timeout=busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as error:
            raise self._error("cannot be opened", error) from None
        self._conn.row_factory = sqlite3.Row
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms):d}")
            self._check_schema()
            if self._path != MEMORY:
                self._enable_wal(busy_timeout_ms / 1000)
            # NORMAL is durable across application crashes in WAL mode; FULL adds an fsync per
            # commit that only matters for power loss.
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._keep_backup()
            self.version = migrate(self._conn)
        except StoreError:
            self._conn.close()
            raise
        except sqlite3.Error as error:
            self._conn.close()
            raise self._error("cannot be used", error) from None

    # --- opening ----------------------------------------------------------------------------

    def _enable_wal(self, timeout_s: float) -> None:
        """Switch the file to WAL, waiting out another process that is switching it too.

        Changing the journal mode needs the file to itself, and SQLite reports
        "database is locked" at once, without calling the busy handler, when a
        second connection is opening the same new file; so wait here instead.
        """
        deadline = time.monotonic() + timeout_s
        pause = 0.005
        while True:
            try:
                mode = self._conn.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() != "wal":
                    self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)

    def _keep_backup(self) -> None:
        """Copy the file as it is before migrations change it (once per schema version)."""
        if self._path == MEMORY:
            return
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version == 0 or version >= SCHEMA_VERSION:
            return  # new (nothing to keep) or current (nothing will change)
        target = backup_path(self._path, version)
        if target.exists():
            return
        partial = target.with_name(target.name + ".part")
        try:
            copy = sqlite3.connect(partial)
            try:
                self._conn.backup(copy)
            finally:
                copy.close()
            partial.replace(target)
        except (sqlite3.Error, OSError) as error:
            partial.unlink(missing_ok=True)
            raise self._error(
                "not upgraded: its backup could not be written first", error
            ) from None

    @property
    def location(self) -> str:
        return self._path

    def _error(self, what: str, error: BaseException | str) -> StoreError:
        if isinstance(error, sqlite3.DatabaseError) and any(
            word in str(error).lower() for word in _DAMAGE
        ):
            return self._damaged(error)
        return StoreError(f"state store {self._path}: {what} ({one_line(error)})")

    def _damaged(self, detail: object) -> StateDamaged:
        text = one_line(detail).removeprefix("*** in database main *** ")
        shown = text if len(text) <= 160 else text[:157] + "..."
        return StateDamaged(f"state store {self._path}: the file is damaged ({shown}); {RESTORE}")

    def _foreign(self, why: str) -> NotAStateFile:
        return NotAStateFile(
            f"state store {self._path}: not spcheck's state file ({why}); it is left as it is: "
            "point SPCHECK_STATE at spcheck's state file or at a new path"
        )

    def _check_file(self, path: Path) -> None:
        if path.is_dir():
            raise self._foreign("it is a directory")
        if not path.parent.is_dir():
            raise NotAStateFile(
                f"state store {self._path}: the directory {path.parent} does not exist; "
                "create it or point SPCHECK_STATE elsewhere"
            )
        if not path.exists():
            return
        try:
            with path.open("rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError as error:
            raise self._error("cannot be read", error.strerror or error) from None
        if header and header != SQLITE_HEADER:
            raise self._foreign("it is not an SQLite database")

    def _check_schema(self) -> None:
        conn = self._conn
        try:
            # One read transaction: another process may be creating the file right now,
            # and its header and tables must be seen together, not half before its commit.
            conn.execute("BEGIN")
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                tables = user_tables(conn)
                objects = int(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
            finally:
                conn.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            raise self._damaged(error) from None
        if app_id == 0 and version == 0 and objects == 0:
            return  # a new, empty database
        if app_id != APPLICATION_ID:
            raise self._foreign("it is another program's SQLite database")
        if version > SCHEMA_VERSION:
            raise self._error(
                "refused",
                f"it was written by a newer spcheck (schema {version}, this build "
                f"knows up to {SCHEMA_VERSION}); upgrade spcheck",
            )
        missing = TABLES_AT.get(version, frozenset()) - tables
        if missing:
            raise self._damaged(f"schema {version} lacks {', '.join(sorted(missing))}")
        try:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)").fetchall()]
        except sqlite3.DatabaseError as error:
            raise self._damaged(error) from None
        if problems != ["ok"]:
            raise self._damaged("; ".join(problems))

    # --- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; any failure rolls it back whole."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except sqlite3.Error as error:
                self._rollback()
                raise self._error("write failed", error) from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the connection is unusable; the original error is the one to report

    def _read(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._conn.execute(sql, parameters).fetchall()
            except sqlite3.Error as error:
                raise self._error("read failed", error) from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # --- items ------------------------------------------------------------------------------

    def get_delta_link(self, drive_id: str) -> str | None:
        rows = self._read("SELECT link FROM delta_links WHERE drive_id = ?", (drive_id,))
        return rows[0]["link"] if rows else None

    def set_delta_link(self, drive_id: str, link: str) -> None:
        if not link:
            raise ValueError("a delta link must not be empty")
        with self._write() as conn:
            self._put_link(conn, drive_id, link)

    @staticmethod
    def _put_link(conn: sqlite3.Connection, drive_id: str, link: str) -> None:
        conn.execute(
            "INSERT INTO delta_links (drive_id, link) VALUES (?, ?) "
            "ON CONFLICT (drive_id) DO UPDATE SET link = excluded.link",
            (drive_id, link),
        )

    def upsert_items(self, drive_id: str, items: Sequence[StoredItem]) -> None:
        rows = [_item_row(drive_id, item) for item in items]
        with self._write() as conn:
            conn.executemany(_ITEM_INSERT, rows)

    def remove_items(self, drive_id: str, ids: Iterable[str]) -> None:
        keys = [(drive_id, item_id) for item_id in ids]
        with self._write() as conn:
            conn.executemany("DELETE FROM items WHERE drive_id = ? AND id = ?", keys)

    def apply_changes(
        self,
        drive_id: str,
        upserts: Sequence[StoredItem],
        removals: Iterable[str],
        delta_link: str,
    ) -> None:
        if not delta_link:
            raise ValueError("a delta link must not be empty")
        keys = [(drive_id, item_id) for item_id in removals]
        rows = [_item_row(drive_id, item) for item in upserts]
        with self._write() as conn:
            conn.executemany("DELETE FROM items WHERE drive_id = ? AND id = ?", keys)
            conn.executemany(_ITEM_INSERT, rows)
            self._put_link(conn, drive_id, delta_link)

    def replace_all(self, drive_id: str, items: Sequence[StoredItem], delta_link: str) -> None:
        if not delta_link:
            raise ValueError("a delta link must not be empty")
        rows = [_item_row(drive_id, item) for item in items]
        with self._write() as conn:
            conn.execute("DELETE FROM items WHERE drive_id = ?", (drive_id,))
            conn.executemany(_ITEM_INSERT, rows)
            self._put_link(conn, drive_id, delta_link)

    def items(self, drive_id: str) -> list[StoredItem]:
        rows = self._read(
            "SELECT * FROM items WHERE drive_id = ? ORDER BY path_key, id", (drive_id,)
        )
        return [_row_item(row) for row in rows]

    def item(self, drive_id: str, item_id: str) -> StoredItem | None:
        rows = self._read("SELECT * FROM items WHERE drive_id = ? AND id = ?", (drive_id, item_id))
        return _row_item(rows[0]) if rows else None

    def item_by_path(self, drive_id: str, path: str) -> StoredItem | None:
        rows = self._read(
            "SELECT * FROM items WHERE drive_id = ? AND path_key = ? ORDER BY id LIMIT 1",
            (drive_id, path.strip("/").casefold()),
        )
        return _row_item(rows[0]) if rows else None

    # --- audit log --------------------------------------------------------------------------

    def append(self, entry: AuditEntry) -> AuditEntry:
        require_outcome(entry)
        with self._write() as conn:
            return self._insert_entry(conn, entry)

    @staticmethod
    def _insert_entry(conn: sqlite3.Connection, entry: AuditEntry) -> AuditEntry:
        at_utc = _utc(entry.at, "an audit entry's time")
        cursor = conn.execute(
            "INSERT INTO audit (plan_id, inspection_id, step, action, path, email, actor, "
            "before, after, at, at_utc, result, detail, requested_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.plan_id,
                entry.inspection_id,
                entry.step,
                entry.action,
                entry.path,
                entry.email,
                entry.actor,
                entry.before,
                entry.after,
                entry.at.isoformat(),
                at_utc,
                AuditResult(entry.result).value,
                entry.detail,
                entry.requested_by,
            ),
        )
        return replace(entry, id=cursor.lastrowid)

    def open_intent(self, intent: Intent) -> Intent:
        opened_utc = _utc(intent.opened_at, "an intent's time")
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO intents (kind, inspection_id, owner, opened_at, opened_utc, entry, "
                "subject) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    intent.kind,
                    intent.inspection_id,
                    intent.owner,
                    intent.opened_at.isoformat(),
                    opened_utc,
                    entry_json(intent.entry),
                    intent.subject,
                ),
            )
        return replace(intent, id=cursor.lastrowid)

    def close_intent(self, intent: Intent, entry: AuditEntry) -> AuditEntry:
        if intent.id is None:
            raise ValueError("an intent must be opened before it is closed")
        require_outcome(entry)
        with self._write() as conn:
            stored = self._insert_entry(conn, entry)
            conn.execute(
                "UPDATE intents SET closed_utc = ?, audit_id = ? "
                "WHERE id = ? AND closed_utc IS NULL",
                (datetime.now(UTC).isoformat(), stored.id, intent.id),
            )
        return stored

    def open_intents(self, inspection_id: str | None = None) -> list[Intent]:
        rows = self._read(
            "SELECT * FROM intents WHERE closed_utc IS NULL "
            "AND (?1 IS NULL OR inspection_id = ?1) ORDER BY opened_utc, id",
            (inspection_id,),
        )
        return [
            Intent(
                kind=row["kind"],
                entry=entry_from_json(row["entry"]),
                subject=row["subject"],
                owner=row["owner"],
                id=row["id"],
            )
            for row in rows
        ]

    def entries(
        self,
        inspection_id: str | None = None,
        *,
        plan_id: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        rows = self._read(
            "SELECT * FROM audit WHERE (?1 IS NULL OR inspection_id = ?1) "
            "AND (?2 IS NULL OR plan_id = ?2) ORDER BY at_utc DESC, id DESC LIMIT ?3",
            (inspection_id, plan_id, -1 if limit is None else max(limit, 0)),
        )
        return [_row_audit(row) for row in rows]

    # --- check history ----------------------------------------------------------------------

    def record_run(self, run: CheckRun) -> None:
        generated_utc = _utc(run.generated_at, "generated_at")
        _utc(run.as_of, "as_of")
        values = (
            run.run_id,
            run.inspection_id,
            run.as_of.isoformat(),
            run.generated_at.isoformat(),
            generated_utc,
            RunStatus(run.status).value,
            json.dumps(dict(run.counts), sort_keys=True),
            json.dumps(sorted(run.finding_keys)),
            json.dumps(dict(run.milestones), sort_keys=True),
        )
        with self._write() as conn:
            conn.execute(
                "INSERT INTO check_runs (run_id, inspection_id, as_of, generated_at, "
                "generated_utc, status, counts, finding_keys, milestones) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (run_id, inspection_id) DO UPDATE SET as_of = excluded.as_of, "
                "generated_at = excluded.generated_at, generated_utc = excluded.generated_utc, "
                "status = excluded.status, counts = excluded.counts, "
                "finding_keys = excluded.finding_keys, milestones = excluded.milestones",
                values,
            )

    def last_run(self, inspection_id: str) -> CheckRun | None:
        rows = self._read(
            "SELECT * FROM check_runs WHERE inspection_id = ? "
            "ORDER BY generated_utc DESC, seq DESC LIMIT 1",
            (inspection_id,),
        )
        return _row_run(rows[0]) if rows else None

    def recent_runs(self, inspection_id: str, limit: int) -> list[RunSummary]:
        rows = self._read(
            "SELECT run_id, as_of, generated_at, status, counts FROM check_runs "
            "WHERE inspection_id = ? ORDER BY generated_utc DESC, seq DESC LIMIT ?",
            (inspection_id, max(limit, 0)),
        )
        return [_row_summary(row) for row in rows]

    def alerted_keys(self, inspection_id: str) -> set[str]:
        rows = self._read(
            "SELECT key FROM alerts WHERE inspection_id = ? AND resolved_at IS NULL",
            (inspection_id,),
        )
        return {row["key"] for row in rows}

    def mark_alerted(self, inspection_id: str, keys: Iterable[str], at: datetime) -> None:
        _utc(at, "an alert's time")
        rows = [(inspection_id, key, at.isoformat()) for key in keys]
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO alerts (inspection_id, key, alerted_at, resolved_at) "
                "VALUES (?, ?, ?, NULL) ON CONFLICT (inspection_id, key) DO UPDATE SET "
                "alerted_at = excluded.alerted_at, resolved_at = NULL",
                rows,
            )

    def mark_resolved(self, inspection_id: str, keys: Iterable[str], at: datetime) -> None:
        _utc(at, "a resolution's time")
        rows = [(at.isoformat(), inspection_id, key) for key in keys]
        with self._write() as conn:
            conn.executemany(
                "UPDATE alerts SET resolved_at = ? "
                "WHERE inspection_id = ? AND key = ? AND resolved_at IS NULL",
                rows,
            )

    # --- findings over time -----------------------------------------------------------------

    def history(self, inspection_id: str) -> History:
        with self._lock:
            cycles = self._read(
                "SELECT cycle, at FROM history_cycles WHERE inspection_id = ?", (inspection_id,)
            )
            # Every write of the rows moves the cycle count in the same transaction, so an
            # unchanged count means unchanged rows: a long-running watch reads them once.
            known = self._histories.get(inspection_id)
            if known is not None and cycles and known.cycle == cycles[0]["cycle"]:
                return known
            try:
                cursor = self._conn.execute(_TRACKED_QUERY, (inspection_id,))
                cursor.row_factory = None
                rows = cursor.fetchall()
            except sqlite3.Error as error:
                raise self._error("read failed", error) from None
        tracked = {row[0]: _row_tracked(row) for row in rows}
        if not cycles:
            return History(tracked=MappingProxyType(tracked))
        found = History(
            cycle=cycles[0]["cycle"],
            at=_when(cycles[0]["at"]),
            tracked=MappingProxyType(tracked),
        )
        with self._lock:
            self._histories[inspection_id] = found
        return found

    def record_history(
        self,
        inspection_id: str,
        *,
        previous_cycle: int,
        cycle: int,
        at: datetime,
        changed: Sequence[Tracked],
    ) -> bool:
        _utc(at, "a cycle's time")
        rows = [_tracked_row(inspection_id, row) for row in changed]
        with self._write() as conn:
            found = conn.execute(
                "SELECT cycle FROM history_cycles WHERE inspection_id = ?", (inspection_id,)
            ).fetchone()
            if (found[0] if found else 0) != previous_cycle:
                return False
            conn.execute(
                "INSERT INTO history_cycles (inspection_id, cycle, at) VALUES (?, ?, ?) "
                "ON CONFLICT (inspection_id) DO UPDATE SET cycle = excluded.cycle, "
                "at = excluded.at",
                (inspection_id, cycle, at.isoformat()),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO finding_history (inspection_id, key, rule, severity, "
                "path, milestone, location, first_seen, first_cycle, last_seen, resolved_at, "
                "reopened, content, sharing) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            known = self._histories.pop(inspection_id, None)
        # Committed: what this process knew, with what it wrote, is the record now.
        if known is not None and known.cycle == previous_cycle:
            tracked = dict(known.tracked)
            tracked.update((row.key, row) for row in changed)
            with self._lock:
                self._histories[inspection_id] = History(cycle, at, MappingProxyType(tracked))
        return True

    # --- accepted findings and attested milestones ------------------------------------------

    def add_acceptance(self, acceptance: Acceptance) -> None:
        at_utc = _utc(acceptance.at, "an acceptance's time")
        _utc(acceptance.until, "an acceptance's end")
        with self._write() as conn:
            conn.execute(
                "UPDATE acceptances SET ended_at = ?, ended_by = ?, end_reason = ? "
                "WHERE inspection_id = ? AND key = ? AND ended_at IS NULL",
                (
                    acceptance.at.isoformat(),
                    acceptance.by,
                    REPLACED,
                    acceptance.inspection_id,
                    acceptance.key,
                ),
            )
            conn.execute(
                "INSERT INTO acceptances (id, inspection_id, key, rule, severity, path, location, "
                "milestone, content, sharing, reason, accepted_by, at, at_utc, until) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    acceptance.id,
                    acceptance.inspection_id,
                    acceptance.key,
                    acceptance.rule,
                    Severity(acceptance.severity).value,
                    acceptance.path,
                    acceptance.location,
                    acceptance.milestone,
                    acceptance.content,
                    acceptance.sharing,
                    acceptance.reason,
                    acceptance.by,
                    acceptance.at.isoformat(),
                    at_utc,
                    acceptance.until.isoformat(),
                ),
            )

    def acceptances(self, inspection_id: str, *, live: bool = True) -> list[Acceptance]:
        rows = self._read(
            "SELECT * FROM acceptances WHERE inspection_id = ?1 "
            "AND (?2 = 0 OR ended_at IS NULL) ORDER BY at_utc, rowid",
            (inspection_id, int(live)),
        )
        return [_row_acceptance(row) for row in rows]

    def end_acceptance(
        self, inspection_id: str, acceptance_id: str, *, at: datetime, by: str, reason: str
    ) -> bool:
        _utc(at, "an acceptance's end")
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE acceptances SET ended_at = ?, ended_by = ?, end_reason = ? "
                "WHERE inspection_id = ? AND id = ? AND ended_at IS NULL",
                (at.isoformat(), by, reason, inspection_id, acceptance_id),
            )
        return cursor.rowcount > 0

    def add_attestation(self, attestation: Attestation) -> None:
        recorded_utc = _utc(attestation.recorded_at, "an attestation's time")
        _utc(attestation.on, "when an attested step happened")
        with self._write() as conn:
            conn.execute(
                "INSERT INTO attestations (id, inspection_id, milestone, happened_on, "
                "recorded_at, recorded_utc, recorded_by, value, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    attestation.id,
                    attestation.inspection_id,
                    attestation.milestone,
                    attestation.on.isoformat(),
                    attestation.recorded_at.isoformat(),
                    recorded_utc,
                    attestation.by,
                    attestation.value,
                    attestation.note,
                ),
            )

    def attestations(self, inspection_id: str) -> list[Attestation]:
        rows = self._read(
            "SELECT * FROM attestations WHERE inspection_id = ? ORDER BY recorded_utc, rowid",
            (inspection_id,),
        )
        return [_row_attestation(row) for row in rows]

    def withdraw_attestation(
        self, inspection_id: str, attestation_id: str, *, at: datetime, by: str
    ) -> bool:
        _utc(at, "a withdrawal's time")
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE attestations SET withdrawn_at = ?, withdrawn_by = ? "
                "WHERE inspection_id = ? AND id = ? AND withdrawn_at IS NULL",
                (at.isoformat(), by, inspection_id, attestation_id),
            )
        return cursor.rowcount > 0

    # --- content cache ----------------------------------------------------------------------

    def get(self, item_id: str, content_hash: str) -> str | None:
        rows = self._read(
            "SELECT result FROM content_cache WHERE item_id = ? AND content_hash = ?",
            (item_id, content_hash),
        )
        return rows[0]["result"] if rows else None

    def put(self, item_id: str, content_hash: str, result_json: str, scanned_at: datetime) -> None:
        _utc(scanned_at, "scanned_at")
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO content_cache (item_id, content_hash, result, scanned_at) "
                "VALUES (?, ?, ?, ?)",
                (item_id, content_hash, result_json, scanned_at.isoformat()),
            )

    # --- permissions read -------------------------------------------------------------------

    def _access_rows(
        self, item_ids: Iterable[str], what: Literal["read", "history"]
    ) -> list[sqlite3.Row]:
        """The access_cache rows of ``item_ids`` that exist: the read, or the history."""
        wanted = list(dict.fromkeys(item_ids))
        found: list[sqlite3.Row] = []
        # SQLite caps bound parameters; ask in chunks.
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = _ACCESS_QUERIES[what]
            found.extend(self._read(f"{query}({marks})", chunk))
        return found

    def get_access(self, item_ids: Iterable[str]) -> dict[str, tuple[str, datetime]]:
        return {
            row["item_id"]: (row["permissions"], datetime.fromisoformat(row["read_at"]))
            for row in self._access_rows(item_ids, "read")
        }

    def put_access(
        self,
        entries: Mapping[str, str],
        read_at: datetime,
        histories: Mapping[str, str] | None = None,
    ) -> None:
        _utc(read_at, "read_at")
        kept = histories or {}
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO access_cache (item_id, permissions, read_at, history) "
                "VALUES (?, ?, ?, ?)",
                [
                    (item_id, text, read_at.isoformat(), kept.get(item_id))
                    for item_id, text in entries.items()
                ],
            )

    def get_sharing_history(self, item_ids: Iterable[str]) -> dict[str, str]:
        return {
            row["item_id"]: row["history"]
            for row in self._access_rows(item_ids, "history")
            if row["history"] is not None
        }

    # --- change notifications ---------------------------------------------------------------

    def drive_subscriptions(self) -> list[DriveSubscription]:
        rows = self._read("SELECT * FROM drive_subscriptions ORDER BY drive_id")
        return [_row_subscription(row) for row in rows]

    def put_drive_subscription(self, record: DriveSubscription) -> None:
        _utc(record.checked_at, "checked_at")
        for moment, what in ((record.expires_at, "expires_at"), (record.created_at, "created_at")):
            if moment is not None:
                _utc(moment, what)
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO drive_subscriptions (drive_id, site_id, subscription_id, "
                "expires_at, checked_at, created_at, url_digest, state_digest, security, refused) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.drive_id,
                    record.site_id,
                    record.subscription_id,
                    _text(record.expires_at),
                    record.checked_at.isoformat(),
                    _text(record.created_at),
                    record.url_digest,
                    record.state_digest,
                    int(record.security),
                    record.refused,
                ),
            )

    def remove_drive_subscription(self, drive_id: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM drive_subscriptions WHERE drive_id = ?", (drive_id,))

    def seen_notifications(self, subscription_id: str, notification_ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(notification_ids))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = "SELECT notification_id FROM notifications_seen WHERE subscription_id = ? "
            rows = self._read(f"{query}AND notification_id IN ({marks})", [subscription_id, *chunk])
            found.update(row["notification_id"] for row in rows)
        return found

    def note_notifications(
        self, subscription_id: str, notification_ids: Iterable[str], at: datetime
    ) -> None:
        seen = _utc(at, "a notification's time")
        rows = [(subscription_id, ident, seen) for ident in dict.fromkeys(notification_ids)]
        with self._write() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO notifications_seen (subscription_id, notification_id, "
                "seen_utc) VALUES (?, ?, ?)",
                rows,
            )

    def forget_notifications(self, before: datetime) -> int:
        cutoff = _utc(before, "before")
        with self._write() as conn:
            cursor = conn.execute("DELETE FROM notifications_seen WHERE seen_utc < ?", (cutoff,))
        return int(cursor.rowcount)

    def mark_pending(self, marker: str, at: datetime, *, stale_before: datetime) -> bool:
        since, stale = _utc(at, "at"), _utc(stale_before, "stale_before")
        with self._write() as conn:
            # One statement: a fresh marker stays; an absent or stale one becomes ours.
            cursor = conn.execute(
                "INSERT INTO pending_wakes (key, since_utc) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET since_utc = excluded.since_utc "
                "WHERE pending_wakes.since_utc < ?",
                (marker, since, stale),
            )
        return int(cursor.rowcount) == 1

    def clear_pending(self, marker: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM pending_wakes WHERE key = ?", (marker,))
