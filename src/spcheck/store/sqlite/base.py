"""Opening an SQLite state file and the plumbing every part of ``SqliteStore`` shares.

The checks made before anything is written to a file, the migrations with the
backup kept before them, the one connection behind a lock, and the read and
write transactions every other module of this package goes through.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from spcheck.domain.history import History
from spcheck.store.interface import NotAStateFile, StateDamaged, StoreError
from spcheck.store.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, TABLES_AT

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


class SqliteBase:
    """The connection to one SQLite file: opened, checked, migrated; reads and writes."""

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
