"""AzureTableStore: the state store of the Azure Function, on Azure Table Storage.

``SPCHECK_STATE=azure-table:<connection string>``. Twelve tables named
``<prefix><concept>``:

- items: PartitionKey drive id, RowKey item id;
- drives: drive id, ``sync`` (the delta link and the write lease, azure_lease.py);
- audit: inspection id, newest-first time then newest-first id;
- intents: inspection id, the intent's number (the write-ahead audit);
- runs: inspection id; ``seq`` (a counter), ``id-<run id>`` (an index) and
  ``t-<newest-first time>-<newest-first seq>`` (the run);
- alerts: inspection id, digest of the finding key;
- cache: ``content`` or ``access``, item id;
- history: inspection id, digest of the finding key; ``cycle`` (the cycles counted);
- accepts: inspection id, acceptance id;
- attests: inspection id, attestation id;
- meta: ``counter`` / ``schema``, ``audit`` / ``version``;
- notify: ``subscription`` (RowKey drive id), ``seen-<subscription id>`` (RowKey
  notification id) and ``pending`` (RowKey the marker's key).

Schema versions: 1 had the first seven tables; 2 adds history, accepts and attests
(made when a store opens, as every table is) and a run's milestone states. The
intents and notify tables are made the same way; a build that does not know them
leaves them alone.

What differs from SQLite, and why it is still safe:

- A delta sync larger than one entity-group transaction (100 operations) is
  several commits. Items are written first and the delta link last, under a
  per-drive write lease, so a reader that sees the new link sees every item
  and two workers never interleave their writes; a crash leaves the old link
  (a full resync clears it first), and the next run repeats the work.
- Counters (audit ids, run order) and read-modify-write updates (a run id
  recorded again, an alert resolved) use ETags with ``If-Match`` and retry on
  conflict: concurrent workers never lose an update.
- ``put_access`` commits 100 entries at a time: each entry is a whole read
  with its own time, so a partial write is stale cache, never wrong data.
- An intent is closed in two writes: the audit entry (which names the intent)
  first, then the intent. A crash between them leaves an open intent whose
  entry exists; ``open_intents`` finds the entry and closes the intent instead
  of returning it, so it is never settled twice.
- A content result too large for an entity even compressed is not cached
  (the file is rescanned next time: slower, never a false pass).
- A cycle's finding history claims the cycle first (``If-Match`` on the
  ``cycle`` row) and then writes its rows 100 at a time: a crash in between
  leaves some findings shown as new (or not yet resolved) in the next cycle,
  which then puts them right; it never hides one.

The package keeps one module per concern: ``base`` makes and checks the tables and
holds the plumbing (the guard, queries, transactions, retries); ``entities`` maps
entities to values and back; each of ``items``, ``audit_log``, ``intents``,
``check_history``, ``finding_history``, ``acceptances``, ``content_cache``,
``access`` and ``notifications`` is a mixin over ``AzureTableBase`` keeping its part
of the ``Store`` contract. ``AzureTableStore`` is them together. Nothing here
imports azure until a store is opened.
"""

from __future__ import annotations

from spcheck.store.azure_table.acceptances import TableAcceptances
from spcheck.store.azure_table.access import TableAccess
from spcheck.store.azure_table.audit_log import TableAuditLog
from spcheck.store.azure_table.base import (
    _ENSURED,
    ACCESS,
    BATCH,
    CONFLICT_ATTEMPTS,
    CONTENT,
    CYCLE_ROW,
    DEFAULT_CLIENT_OPTIONS,
    DEFAULT_LEASE_SECONDS,
    FILTER_KEYS,
    PENDING,
    PROBE_DRIVE,
    RUN_COUNTER,
    SCHEMA_VERSION,
    SEEN,
    SUBSCRIPTION,
    TABLES,
    AzureTableBase,
)
from spcheck.store.azure_table.check_history import TableCheckHistory
from spcheck.store.azure_table.content_cache import TableContentCache
from spcheck.store.azure_table.entities import _run_entity
from spcheck.store.azure_table.finding_history import TableFindingHistory
from spcheck.store.azure_table.intents import TableIntents
from spcheck.store.azure_table.items import TableItems
from spcheck.store.azure_table.notifications import TableNotifications
from spcheck.store.records import Store

# ``_ENSURED`` and ``_run_entity`` are here for the tests that reach into them.
__all__ = [
    "ACCESS",
    "BATCH",
    "CONFLICT_ATTEMPTS",
    "CONTENT",
    "CYCLE_ROW",
    "DEFAULT_CLIENT_OPTIONS",
    "DEFAULT_LEASE_SECONDS",
    "FILTER_KEYS",
    "PENDING",
    "PROBE_DRIVE",
    "RUN_COUNTER",
    "SCHEMA_VERSION",
    "SEEN",
    "SUBSCRIPTION",
    "TABLES",
    "_ENSURED",
    "AzureTableBase",
    "AzureTableStore",
    "_run_entity",
]


class AzureTableStore(
    TableItems,
    TableIntents,
    TableAuditLog,
    TableCheckHistory,
    TableFindingHistory,
    TableAcceptances,
    TableContentCache,
    TableAccess,
    TableNotifications,
    Store,
):
    """The whole ``Store`` contract on Azure Table Storage."""
