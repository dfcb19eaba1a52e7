"""A read-only look at a SQLite state file: whose it is, whether it is whole, what it holds.

Nothing here writes: the file is opened read-only (no migration, no WAL switch), so
it can be run on a file that the store refuses, and on the backups kept beside it.
SQLite's own ``PRAGMA integrity_check`` does the checking.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from spcheck.store.migrations import APPLICATION_ID, SCHEMA_VERSION, TABLES_AT
from spcheck.store.sqlite import SQLITE_HEADER, one_line, user_tables

MAX_PROBLEMS = 20
COUNTED = {
    "items": "SELECT count(*) FROM items",
    "audit entries": "SELECT count(*) FROM audit",
    "pending changes": "SELECT count(*) FROM intents WHERE closed_utc IS NULL",
    "check runs": "SELECT count(*) FROM check_runs",
}


@dataclass(frozen=True, slots=True)
class FileCheck:
    """What one file is. ``verdict`` is ``ok``, ``missing``, ``foreign`` or ``damaged``."""

    path: Path
    verdict: str
    schema: int | None = None
    problems: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def whole(self) -> bool:
        return self.verdict == "ok"


@dataclass(frozen=True, slots=True)
class StateCheck:
    state: FileCheck
    backups: tuple[FileCheck, ...] = ()


def _read_only(path: Path) -> sqlite3.Connection:
    # Read-only: no migration, no WAL switch, no checkpoint.
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


def check_file(path: Path, *, count: bool = True) -> FileCheck:
    if not path.exists():
        return FileCheck(path, "missing")
    if path.is_dir():
        return FileCheck(path, "foreign", problems=("a directory, not a file",))
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        return FileCheck(path, "damaged", problems=(f"cannot be read: {error.strerror}",))
    if header != SQLITE_HEADER:
        return FileCheck(path, "foreign", problems=("not an SQLite database",))
    try:
        conn = _read_only(path)
    except sqlite3.Error as error:
        return FileCheck(path, "damaged", problems=(one_line(error),))
    try:
        return _inspect(conn, path, count)
    except sqlite3.DatabaseError as error:
        return FileCheck(path, "damaged", problems=(one_line(error),))
    finally:
        conn.close()


def _inspect(conn: sqlite3.Connection, path: Path, count: bool) -> FileCheck:
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if app_id != APPLICATION_ID:
        return FileCheck(path, "foreign", problems=("another program's SQLite database",))
    rows = conn.execute(f"PRAGMA integrity_check({MAX_PROBLEMS:d})").fetchall()
    # A row may hold several problems, one a line.
    problems = [one_line(line) for row in rows for line in str(row[0]).splitlines()]
    problems = [p for p in problems if p and not p.startswith("*** in database")]
    if problems != ["ok"]:
        return FileCheck(path, "damaged", version, tuple(problems[:MAX_PROBLEMS]))
    missing = TABLES_AT.get(version, frozenset()) - user_tables(conn)
    if missing:
        return FileCheck(path, "damaged", version, (f"lacks {', '.join(sorted(missing))}",))
    counts: dict[str, int] = {}
    if count:
        tables = user_tables(conn)
        for label, query in COUNTED.items():
            table = query.split(" FROM ", 1)[1].split()[0]
            if table in tables:
                counts[label] = int(conn.execute(query).fetchone()[0])
    return FileCheck(path, "ok", version, (), counts)


def backups_of(path: Path) -> list[Path]:
    """The copies kept before migrations (``<file>.schema<N>.bak``), oldest schema first."""

    def schema(candidate: Path) -> int:
        digits = candidate.name[len(path.name) + len(".schema") : -len(".bak")]
        return int(digits) if digits.isdigit() else -1

    found = [p for p in path.parent.glob(f"{path.name}.schema*.bak") if schema(p) >= 0]
    return sorted(found, key=schema)


def check_state(path: Path) -> StateCheck:
    return StateCheck(
        check_file(path),
        tuple(check_file(backup, count=False) for backup in backups_of(path)),
    )


def newer(check: FileCheck) -> bool:
    return check.schema is not None and check.schema > SCHEMA_VERSION
