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

The package keeps one module per concern: ``base`` opens and checks the file and
holds the connection, the reads and the write transaction; ``rows`` maps rows to
values and back; each of ``items``, ``audit_log``, ``intents``, ``check_history``,
``finding_history``, ``acceptances``, ``content_cache``, ``access`` and
``notifications`` is a mixin over ``SqliteBase`` keeping its part of the ``Store``
contract. ``SqliteStore`` is them together.
"""

from __future__ import annotations

from spcheck.store.records import Store
from spcheck.store.sqlite.acceptances import SqliteAcceptances
from spcheck.store.sqlite.access import SqliteAccess
from spcheck.store.sqlite.audit_log import SqliteAuditLog
from spcheck.store.sqlite.base import (
    DEFAULT_BUSY_TIMEOUT_MS,
    MEMORY,
    RESTORE,
    SQLITE_HEADER,
    SqliteBase,
    backup_path,
    migrate,
    one_line,
    user_tables,
)
from spcheck.store.sqlite.check_history import SqliteCheckHistory
from spcheck.store.sqlite.content_cache import SqliteContentCache
from spcheck.store.sqlite.finding_history import SqliteFindingHistory
from spcheck.store.sqlite.intents import SqliteIntents
from spcheck.store.sqlite.items import SqliteItems
from spcheck.store.sqlite.notifications import SqliteNotifications

__all__ = [
    "DEFAULT_BUSY_TIMEOUT_MS",
    "MEMORY",
    "RESTORE",
    "SQLITE_HEADER",
    "SqliteBase",
    "SqliteStore",
    "backup_path",
    "migrate",
    "one_line",
    "user_tables",
]


class SqliteStore(
    SqliteItems,
    SqliteIntents,
    SqliteAuditLog,
    SqliteCheckHistory,
    SqliteFindingHistory,
    SqliteAcceptances,
    SqliteContentCache,
    SqliteAccess,
    SqliteNotifications,
    Store,
):
    """The state in one SQLite file (or ``:memory:`` for tests)."""
