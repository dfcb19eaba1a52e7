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
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TypeVar

from spcheck.domain.acceptance import Acceptance
from spcheck.domain.attestation import Attestation
from spcheck.domain.findings import Severity
from spcheck.domain.history import History, Tracked
from spcheck.errors import ConfigError
from spcheck.store.azure_codec import (
    TooLarge,
    aware,
    digest_key,
    get_text,
    highest_first,
    int64,
    iso,
    key,
    newest_first,
    number,
    put_text,
    when,
)
from spcheck.store.azure_connection import StorageConnection, parse_connection
from spcheck.store.azure_lease import SYNC_ROW, DriveLease
from spcheck.store.interface import StoredItem, StoreError
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

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
TABLES = (
    "items",
    "drives",
    "audit",
    "runs",
    "alerts",
    "cache",
    "meta",
    "history",
    "accepts",
    "attests",
    "intents",
    "notify",
)
BATCH = 100  # operations per entity-group transaction
FILTER_KEYS = 14  # the service allows 15 comparisons per filter; one is the PartitionKey
CONFLICT_ATTEMPTS = 30
DEFAULT_LEASE_SECONDS = 60.0
# Fail fast when the account cannot be reached: the Functions host retries the whole message.
DEFAULT_CLIENT_OPTIONS: dict[str, Any] = {"retry_total": 3, "retry_backoff_max": 8}

CONTENT = "content"
ACCESS = "access"
SUBSCRIPTION = "subscription"
PENDING = "pending"
SEEN = "seen-"
# The drive row ``check_lease`` takes and removes: no real drive id looks like it.
PROBE_DRIVE = "spcheck-doctor-lease-check"
RUN_COUNTER = "seq"
CYCLE_ROW = "cycle"  # in the history table; finding rows are 64-character digests

T = TypeVar("T")

# Tables already made in this process, per account and prefix: opening a store per
# Function invocation should not cost seven requests each time.
_ENSURED: set[tuple[str, str]] = set()
_ENSURED_LOCK = threading.Lock()


def _reason(error: BaseException) -> str:
    """A short, secret-free cause (an SDK message can carry the request URL and its SAS)."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    if isinstance(error, ClientAuthenticationError):
        return "authentication failed: check the account key or SAS"
    if isinstance(error, HttpResponseError):
        code = getattr(error, "error_code", None) or ""
        status = error.status_code or "no status"
        return f"HTTP {status} {code}".strip()
    if isinstance(error, ServiceRequestError):
        return "the storage account cannot be reached"
    if isinstance(error, ServiceResponseError):
        return "the storage account did not answer"
    return type(error).__name__


def _is_conflict(error: BaseException) -> bool:
    """A lost optimistic-concurrency race (412 on If-Match, 409 on create): read and retry."""
    status = getattr(error, "status_code", None)
    return status in (409, 412)


def _chunks(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class AzureTableStore(Store):
    """The whole ``Store`` contract on Azure Table Storage."""

    def __init__(
        self,
        connection_string: str,
        *,
        table_prefix: str = "spcheck",
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        client_options: Mapping[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not (table_prefix.isascii() and table_prefix.isalnum() and table_prefix[:1].isalpha()):
            raise ConfigError(
                f"table prefix {table_prefix!r}: letters and digits only, starting with a letter"
            )
        if len(table_prefix) > 50:
            raise ConfigError(f"table prefix {table_prefix!r}: at most 50 characters")
        self._connection: StorageConnection = parse_connection(connection_string)
        self._prefix = table_prefix
        self._lease_seconds = lease_seconds
        self._clock = clock
        self._sleep = sleep
        self._location = f"azure-table:{self._connection.shown}/{table_prefix}*"
        try:
            from azure.data.tables import TableServiceClient
        except ImportError:
            raise ConfigError(
                "SPCHECK_STATE: Azure Table Storage needs the azure extra: "
                "pip install 'spcheck[azure]'"
            ) from None
        options = {**DEFAULT_CLIENT_OPTIONS, **(client_options or {})}
        try:
            self._service = TableServiceClient.from_connection_string(
                self._connection.value, **options
            )
        except ValueError:
            raise ConfigError(
                "SPCHECK_STATE: the Azure Storage connection string is not valid"
            ) from None
        self._tables = {
            name: self._service.get_table_client(table_prefix + name) for name in TABLES
        }
        self._closed = False
        self._ensure()

    # --- plumbing ---------------------------------------------------------------------------

    @property
    def location(self) -> str:
        return self._location

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        from azure.core.exceptions import AzureError

        if self._closed:
            raise StoreError(f"state store {self._location}: used after close")
        try:
            yield
        except StoreError:
            raise
        except AzureError as error:
            raise StoreError(f"state store {self._location}: {what} ({_reason(error)})") from None

    def _table(self, name: str) -> Any:
        return self._tables[name]

    def _ensure(self) -> None:
        marker = (self._connection.value, self._prefix)
        with _ENSURED_LOCK:
            if marker in _ENSURED:
                return
        with self._guard("cannot create its tables"):
            for name in TABLES:
                self._service.create_table_if_not_exists(self._prefix + name)
            self._check_schema()
        with _ENSURED_LOCK:
            _ENSURED.add(marker)

    def _check_schema(self) -> None:
        from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

        meta = self._table("meta")
        try:
            found = meta.get_entity("schema", "version")
        except ResourceNotFoundError:
            # Another worker may make it at the same moment.
            with contextlib.suppress(ResourceExistsError):
                meta.create_entity(
                    {"PartitionKey": "schema", "RowKey": "version", "version": SCHEMA_VERSION}
                )
            return
        version = number(found.get("version")) or 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"state store {self._location}: refused: it was written by a newer spcheck "
                f"(schema {version}, this build knows up to {SCHEMA_VERSION}); upgrade spcheck"
            )
        if version < SCHEMA_VERSION:
            # Every version so far only adds tables (made above) and properties (read with
            # defaults), so upgrading is recording the version.
            from azure.data.tables import UpdateMode

            meta.upsert_entity(
                {"PartitionKey": "schema", "RowKey": "version", "version": SCHEMA_VERSION},
                mode=UpdateMode.REPLACE,
            )

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for table in self._tables.values():
            table.close()
        self._service.close()

    def _query(
        self,
        table: str,
        query: str,
        parameters: Mapping[str, Any],
        *,
        select: list[str] | None = None,
        top: int | None = None,
    ) -> Iterator[Any]:
        # The SDK substitutes @names only where they stand between spaces.
        pages = self._table(table).query_entities(
            query,
            parameters=dict(parameters),
            select=select,
            results_per_page=min(top, 1000) if top else None,
        )
        return iter(pages)

    def _commit(self, table: str, operations: Sequence[tuple[Any, ...]]) -> list[Any]:
        """One entity-group transaction (same partition, at most 100 operations)."""
        if not operations:
            return []
        result: list[Any] = self._table(table).submit_transaction(list(operations))
        return result

    def _retrying(self, what: str, attempt: Callable[[], T]) -> T:
        """Run a read-modify-write until it commits without a concurrent change in between."""
        from azure.core.exceptions import HttpResponseError

        for _ in range(CONFLICT_ATTEMPTS):
            try:
                return attempt()
            except HttpResponseError as error:
                if not _is_conflict(error):
                    raise
            self._sleep(0.01)
        raise StoreError(
            f"state store {self._location}: {what}: too many concurrent writers; try again"
        )

    # --- items ------------------------------------------------------------------------------

    def get_delta_link(self, drive_id: str) -> str | None:
        from azure.core.exceptions import ResourceNotFoundError

        with self._guard("read failed"):
            try:
                found = self._table("drives").get_entity(key(drive_id), "sync")
            except ResourceNotFoundError:
                return None
        link = found.get("link")
        return str(link) if link else None

    def check_lease(self) -> None:
        """Take and give back a write lease on a drive row of spcheck's own, then remove the
        row: shows that the account takes the conditional writes a sync depends on."""
        lease = self._lease(PROBE_DRIVE)
        with self._guard("the write lease could not be taken and given back"):
            lease.acquire(clear_link=False)
            lease.release()
            self._table("drives").delete_entity(key(PROBE_DRIVE), SYNC_ROW)

    def _lease(self, drive_id: str) -> DriveLease:
        return DriveLease(
            self._table("drives"),
            drive_id,
            lease_seconds=self._lease_seconds,
            clock=self._clock,
            sleep=self._sleep,
        )

    def _write_items(
        self,
        drive_id: str,
        upserts: Sequence[StoredItem],
        removals: Iterable[str],
        *,
        link: str | None,
        replace_all: bool = False,
    ) -> None:
        """Items under the drive's lease; the link (when given) is written last."""
        from azure.data.tables import UpdateMode

        removed = list(dict.fromkeys(removals))
        latest = {item.id: item for item in upserts}
        # Built before the lease: a bad item is refused before anything is written.
        operations: list[tuple[Any, ...]] = [
            ("upsert", _item_entity(drive_id, item), {"mode": UpdateMode.REPLACE})
            for item in latest.values()
        ]
        lease = self._lease(drive_id)
        with self._guard("write failed"):
            lease.acquire(clear_link=replace_all)
            try:
                existing = self._item_ids(drive_id) if (removed or replace_all) else set()
                if replace_all:
                    removed = sorted(existing - set(latest))
                operations += [
                    ("delete", {"PartitionKey": key(drive_id), "RowKey": key(item_id)})
                    for item_id in removed
                    if item_id in existing and item_id not in latest
                ]
                for batch in _chunks(operations, BATCH):
                    lease.renew_if_due()
                    self._commit("items", batch)
                lease.release(link)
            except BaseException:
                lease.abandon()
                raise

    def _item_ids(self, drive_id: str) -> set[str]:
        rows = self._query(
            "items", "PartitionKey eq @pk", {"pk": key(drive_id)}, select=["item_id"]
        )
        return {str(row["item_id"]) for row in rows}

    def set_delta_link(self, drive_id: str, link: str) -> None:
        if not link:
            raise ValueError("a delta link must not be empty")
        self._write_items(drive_id, (), (), link=link)

    def upsert_items(self, drive_id: str, items: Sequence[StoredItem]) -> None:
        self._write_items(drive_id, items, (), link=None)

    def remove_items(self, drive_id: str, ids: Iterable[str]) -> None:
        self._write_items(drive_id, (), ids, link=None)

    def apply_changes(
        self,
        drive_id: str,
        upserts: Sequence[StoredItem],
        removals: Iterable[str],
        delta_link: str,
    ) -> None:
        if not delta_link:
            raise ValueError("a delta link must not be empty")
        self._write_items(drive_id, upserts, removals, link=delta_link)

    def replace_all(self, drive_id: str, items: Sequence[StoredItem], delta_link: str) -> None:
        if not delta_link:
            raise ValueError("a delta link must not be empty")
        self._write_items(drive_id, items, (), link=delta_link, replace_all=True)

    def items(self, drive_id: str) -> list[StoredItem]:
        with self._guard("read failed"):
            rows = list(self._query("items", "PartitionKey eq @pk", {"pk": key(drive_id)}))
        found = [_row_item(row) for row in rows]
        return sorted(found, key=lambda item: (item.path.casefold(), item.id))

    def item(self, drive_id: str, item_id: str) -> StoredItem | None:
        from azure.core.exceptions import ResourceNotFoundError

        with self._guard("read failed"):
            try:
                row = self._table("items").get_entity(key(drive_id), key(item_id))
            except ResourceNotFoundError:
                return None
        return _row_item(row)

    def item_by_path(self, drive_id: str, path: str) -> StoredItem | None:
        wanted = path.strip("/").casefold()
        with self._guard("read failed"):
            rows = list(
                self._query(
                    "items",
                    "PartitionKey eq @pk and path_key eq @path",
                    {"pk": key(drive_id), "path": wanted},
                )
            )
        found = sorted((_row_item(row) for row in rows), key=lambda item: item.id)
        return found[0] if found else None

    # --- audit log --------------------------------------------------------------------------

    def _next_audit_id(self) -> int:
        return self._increment("meta", "counter", "audit")

    def _increment(self, table: str, partition: str, row: str) -> int:
        """A counter shared by every worker: If-Match on its ETag, retried on conflict."""
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceNotFoundError
        from azure.data.tables import UpdateMode

        def attempt() -> int:
            client = self._table(table)
            try:
                found = client.get_entity(partition, row)
            except ResourceNotFoundError:
                client.create_entity({"PartitionKey": partition, "RowKey": row, "value": int64(1)})
                return 1
            value = (number(found.get("value")) or 0) + 1
            client.update_entity(
                {"PartitionKey": partition, "RowKey": row, "value": int64(value)},
                mode=UpdateMode.REPLACE,
                etag=found.metadata["etag"],
                match_condition=MatchConditions.IfNotModified,
            )
            return value

        return self._retrying("a counter", attempt)

    def append(self, entry: AuditEntry) -> AuditEntry:
        return self._append(entry, None)

    def _append(self, entry: AuditEntry, intent_id: int | None) -> AuditEntry:
        aware(entry.at, "an audit entry's time")
        require_outcome(entry)
        result = AuditResult(entry.result)
        with self._guard("write failed"):
            audit_id = self._next_audit_id()
            stored = replace(entry, id=audit_id, result=result)
            entity = _audit_entity(stored)
            if intent_id is not None:
                # Text, not a number: it is only ever matched for equality in a filter.
                entity["intent"] = str(intent_id)
            self._table("audit").create_entity(entity)
        return stored

    # --- intents (the write-ahead audit) ----------------------------------------------------

    def open_intent(self, intent: Intent) -> Intent:
        aware(intent.opened_at, "an intent's time")
        with self._guard("write failed"):
            intent_id = self._increment("meta", "counter", "intent")
            stored = replace(intent, id=intent_id)
            entity: dict[str, Any] = {
                "PartitionKey": key(intent.inspection_id),
                "RowKey": f"{intent_id:020d}",
                "intent_id": int64(intent_id),
                "inspection_id": intent.inspection_id,
                "kind": intent.kind,
                "owner": intent.owner,
                "opened_at": intent.opened_at.isoformat(),
                "open": True,
            }
            put_text(entity, "entry", entry_json(intent.entry))
            put_text(entity, "subject", intent.subject)
            self._table("intents").create_entity(entity)
        return stored

    def close_intent(self, intent: Intent, entry: AuditEntry) -> AuditEntry:
        if intent.id is None:
            raise ValueError("an intent must be opened before it is closed")
        stored = self._append(entry, intent.id)
        assert stored.id is not None
        with self._guard("write failed"):
            self._mark_closed(intent.inspection_id, intent.id, stored.id)
        return stored

    def _mark_closed(self, inspection_id: str, intent_id: int, audit_id: int) -> None:
        from azure.core.exceptions import ResourceNotFoundError
        from azure.data.tables import UpdateMode

        with contextlib.suppress(ResourceNotFoundError):
            self._table("intents").update_entity(
                {
                    "PartitionKey": key(inspection_id),
                    "RowKey": f"{intent_id:020d}",
                    "open": False,
                    "closed_utc": datetime.now(UTC).isoformat(),
                    "audit_id": int64(audit_id),
                },
                mode=UpdateMode.MERGE,
            )

    def open_intents(self, inspection_id: str | None = None) -> list[Intent]:
        clauses, parameters = ["open eq true"], {}
        if inspection_id is not None:
            clauses.append("PartitionKey eq @pk")
            parameters["pk"] = key(inspection_id)
        found: list[Intent] = []
        with self._guard("read failed"):
            for row in self._query("intents", " and ".join(clauses), parameters):
                intent = Intent(
                    kind=str(row["kind"]),
                    entry=entry_from_json(get_text(row, "entry")),
                    subject=get_text(row, "subject", "{}"),
                    owner=str(row.get("owner") or ""),
                    id=number(row.get("intent_id")),
                )
                assert intent.id is not None
                # Closed in two writes: an entry naming the intent means it was closed.
                recorded = list(
                    self._query(
                        "audit",
                        "PartitionKey eq @pk and intent eq @intent",
                        {"pk": key(intent.inspection_id), "intent": str(intent.id)},
                        select=["audit_id"],
                        top=1,
                    )
                )
                if recorded:
                    audit_id = number(recorded[0].get("audit_id")) or 0
                    self._mark_closed(intent.inspection_id, intent.id, audit_id)
                    continue
                found.append(intent)
        found.sort(key=lambda i: (i.opened_at.astimezone(UTC), i.id or 0))
        return found

    def entries(
        self,
        inspection_id: str | None = None,
        *,
        plan_id: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        if limit is not None and limit <= 0:
            return []
        clauses, parameters = [], {}
        if inspection_id is not None:
            clauses.append("PartitionKey eq @pk")
            parameters["pk"] = key(inspection_id)
        if plan_id is not None:
            clauses.append("plan_id eq @plan")
            parameters["plan"] = plan_id
        with self._guard("read failed"):
            if clauses:
                rows = self._query("audit", " and ".join(clauses), parameters, top=limit)
            else:
                rows = iter(self._table("audit").list_entities())
            found: list[AuditEntry] = []
            for row in rows:
                found.append(_row_audit(row))
                # Within one inspection the RowKey order is newest first already.
                if inspection_id is not None and limit is not None and len(found) >= limit:
                    break
        found.sort(key=lambda e: (e.at.astimezone(UTC), e.id or 0), reverse=True)
        return found if limit is None else found[:limit]

    # --- check history ----------------------------------------------------------------------

    def record_run(self, run: CheckRun) -> None:
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceNotFoundError
        from azure.data.tables import UpdateMode

        aware(run.generated_at, "generated_at")
        aware(run.as_of, "as_of")
        partition = key(run.inspection_id)
        index_row = "id-" + key(run.run_id)
        client = self._table("runs")

        def get(row: str) -> Any:
            try:
                return client.get_entity(partition, row)
            except ResourceNotFoundError:
                return None

        def conditional(entity: dict[str, Any], found: Any) -> tuple[Any, ...]:
            if found is None:
                return ("create", entity)
            return (
                "update",
                entity,
                {
                    "mode": UpdateMode.REPLACE,
                    "etag": found.metadata["etag"],
                    "match_condition": MatchConditions.IfNotModified,
                },
            )

        def attempt() -> None:
            # Counter, index and run commit together (one partition), or not at all.
            index = get(index_row)
            operations: list[tuple[Any, ...]] = []
            old_row = None
            if index is not None:
                seq = number(index.get("seq")) or 0
                old_row = str(index.get("time_row") or "")
            else:
                counter = get(RUN_COUNTER)
                seq = (number(counter.get("value")) if counter is not None else 0) or 0
                seq += 1
                operations.append(
                    conditional(
                        {"PartitionKey": partition, "RowKey": RUN_COUNTER, "value": int64(seq)},
                        counter,
                    )
                )
            time_row = f"t-{newest_first(run.generated_at)}-{highest_first(seq)}"
            index_entity = {
                "PartitionKey": partition,
                "RowKey": index_row,
                "run_id": run.run_id,
                "seq": int64(seq),
                "time_row": time_row,
            }
            operations.append(conditional(index_entity, index))
            operations.append(
                ("upsert", _run_entity(partition, time_row, seq, run), {"mode": UpdateMode.REPLACE})
            )
            if old_row and old_row != time_row:
                operations.append(("delete", {"PartitionKey": partition, "RowKey": old_row}))
            self._commit("runs", operations)

        with self._guard("write failed"):
            self._retrying("recording a run", attempt)

    def last_run(self, inspection_id: str) -> CheckRun | None:
        with self._guard("read failed"):
            rows = self._query(
                "runs",
                "PartitionKey eq @pk and RowKey ge @low and RowKey lt @high",
                {"pk": key(inspection_id), "low": "t-", "high": "t."},
                top=1,
            )
            first = next(rows, None)
        return _row_run(first) if first is not None else None

    def recent_runs(self, inspection_id: str, limit: int) -> list[RunSummary]:
        if limit <= 0:
            return []
        with self._guard("read failed"):
            rows = self._query(
                "runs",
                "PartitionKey eq @pk and RowKey ge @low and RowKey lt @high",
                {"pk": key(inspection_id), "low": "t-", "high": "t."},
                select=["run_id", "as_of", "generated_at", "status", "counts"],
                top=limit,
            )
            return [_row_summary(row) for row in itertools.islice(rows, limit)]

    def alerted_keys(self, inspection_id: str) -> set[str]:
        with self._guard("read failed"):
            rows = self._query(
                "alerts",
                "PartitionKey eq @pk and resolved_at eq @none",
                {"pk": key(inspection_id), "none": ""},
            )
            return {get_text(row, "key") for row in rows}

    def mark_alerted(self, inspection_id: str, keys: Iterable[str], at: datetime) -> None:
        from azure.data.tables import UpdateMode

        aware(at, "an alert's time")
        partition = key(inspection_id)
        operations = []
        for finding in dict.fromkeys(keys):
            entity = {
                "PartitionKey": partition,
                "RowKey": digest_key(finding),
                "alerted_at": at.isoformat(),
                "resolved_at": "",
            }
            put_text(entity, "key", finding)
            operations.append(("upsert", entity, {"mode": UpdateMode.REPLACE}))
        with self._guard("write failed"):
            for batch in _chunks(operations, BATCH):
                self._commit("alerts", batch)

    def mark_resolved(self, inspection_id: str, keys: Iterable[str], at: datetime) -> None:
        from azure.core import MatchConditions
        from azure.core.exceptions import HttpResponseError
        from azure.data.tables import UpdateMode

        aware(at, "a resolution's time")
        partition = key(inspection_id)
        wanted = {digest_key(finding) for finding in keys}
        if not wanted:
            return

        def open_alerts() -> list[Any]:
            rows = self._query(
                "alerts",
                "PartitionKey eq @pk and resolved_at eq @none",
                {"pk": partition, "none": ""},
            )
            return [row for row in rows if row["RowKey"] in wanted]

        with self._guard("write failed"):
            for _ in range(CONFLICT_ATTEMPTS):
                conflicted = False
                # Resolve only what is still open, If-Match its ETag: an alert raised again
                # meanwhile is re-read on the next pass instead of being overwritten blind.
                operations = [
                    (
                        "update",
                        {
                            "PartitionKey": partition,
                            "RowKey": row["RowKey"],
                            "resolved_at": at.isoformat(),
                        },
                        {
                            "mode": UpdateMode.MERGE,
                            "etag": row.metadata["etag"],
                            "match_condition": MatchConditions.IfNotModified,
                        },
                    )
                    for row in open_alerts()
                ]
                for batch in _chunks(operations, BATCH):
                    try:
                        self._commit("alerts", batch)
                    except HttpResponseError as error:
                        if not _is_conflict(error):
                            raise
                        conflicted = True
                if not conflicted:
                    return
                self._sleep(0.01)
            raise StoreError(
                f"state store {self._location}: resolving alerts: too many concurrent writers"
            )

    # --- findings over time -----------------------------------------------------------------

    def history(self, inspection_id: str) -> History:
        with self._guard("read failed"):
            rows = list(self._query("history", "PartitionKey eq @pk", {"pk": key(inspection_id)}))
        cycle, at = 0, None
        tracked: dict[str, Tracked] = {}
        for row in rows:
            if row["RowKey"] == CYCLE_ROW:
                cycle, at = number(row.get("cycle")) or 0, when(row.get("at"))
            else:
                found = _row_tracked(row)
                tracked[found.key] = found
        return History(cycle=cycle, at=at, tracked=MappingProxyType(tracked))

    def record_history(
        self,
        inspection_id: str,
        *,
        previous_cycle: int,
        cycle: int,
        at: datetime,
        changed: Sequence[Tracked],
    ) -> bool:
        from azure.core import MatchConditions
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
        from azure.data.tables import UpdateMode

        aware(at, "a cycle's time")
        partition = key(inspection_id)
        operations = [
            ("upsert", _tracked_entity(partition, row), {"mode": UpdateMode.REPLACE})
            for row in changed
        ]
        table = self._table("history")
        counter = {
            "PartitionKey": partition,
            "RowKey": CYCLE_ROW,
            "cycle": int64(cycle),
            "at": at.isoformat(),
        }
        with self._guard("write failed"):
            try:
                found = table.get_entity(partition, CYCLE_ROW)
            except ResourceNotFoundError:
                found = None
            stored = (number(found.get("cycle")) or 0) if found is not None else 0
            if stored != previous_cycle:
                return False
            try:
                if found is None:
                    table.create_entity(counter)
                else:
                    table.update_entity(
                        counter,
                        mode=UpdateMode.REPLACE,
                        etag=found.metadata["etag"],
                        match_condition=MatchConditions.IfNotModified,
                    )
            except HttpResponseError as error:
                if _is_conflict(error):
                    return False  # another worker recorded this cycle first
                raise
            for batch in _chunks(operations, BATCH):
                self._commit("history", batch)
        return True

    # --- accepted findings and attested milestones ------------------------------------------

    def add_acceptance(self, acceptance: Acceptance) -> None:
        aware(acceptance.at, "an acceptance's time")
        aware(acceptance.until, "an acceptance's end")
        partition = key(acceptance.inspection_id)
        entity = _acceptance_entity(partition, acceptance)

        def attempt() -> None:
            # The new acceptance and the end of the one it replaces commit together.
            operations: list[tuple[Any, ...]] = [("create", entity)]
            for row in self._live_acceptances(partition):
                if get_text(row, "key") == acceptance.key:
                    operations.append(_ending(row, acceptance.at, acceptance.by, REPLACED))
            self._commit("accepts", operations)

        with self._guard("write failed"):
            self._retrying("recording an acceptance", attempt)

    def _live_acceptances(self, partition: str) -> list[Any]:
        return list(
            self._query(
                "accepts",
                "PartitionKey eq @pk and ended_at eq @none",
                {"pk": partition, "none": ""},
            )
        )

    def acceptances(self, inspection_id: str, *, live: bool = True) -> list[Acceptance]:
        partition = key(inspection_id)
        with self._guard("read failed"):
            if live:
                rows = self._live_acceptances(partition)
            else:
                rows = list(self._query("accepts", "PartitionKey eq @pk", {"pk": partition}))
        found = [_row_acceptance(row) for row in rows]
        return sorted(found, key=lambda a: a.at.astimezone(UTC))

    def end_acceptance(
        self, inspection_id: str, acceptance_id: str, *, at: datetime, by: str, reason: str
    ) -> bool:
        from azure.core.exceptions import ResourceNotFoundError

        aware(at, "an acceptance's end")
        partition = key(inspection_id)

        def attempt() -> bool:
            try:
                row = self._table("accepts").get_entity(partition, key(acceptance_id))
            except ResourceNotFoundError:
                return False
            if row.get("ended_at"):
                return False
            self._commit("accepts", [_ending(row, at, by, reason)])
            return True

        with self._guard("write failed"):
            return self._retrying("ending an acceptance", attempt)

    def add_attestation(self, attestation: Attestation) -> None:
        aware(attestation.recorded_at, "an attestation's time")
        aware(attestation.on, "when an attested step happened")
        entity: dict[str, Any] = {
            "PartitionKey": key(attestation.inspection_id),
            "RowKey": key(attestation.id),
            "attestation_id": attestation.id,
            "inspection_id": attestation.inspection_id,
            "milestone": attestation.milestone,
            "happened_on": attestation.on.isoformat(),
            "recorded_at": attestation.recorded_at.isoformat(),
            "recorded_by": attestation.by,
            "withdrawn_at": "",
        }
        if attestation.value is not None:
            entity["value"] = int64(attestation.value)
        put_text(entity, "note", attestation.note)
        with self._guard("write failed"):
            self._table("attests").create_entity(entity)

    def attestations(self, inspection_id: str) -> list[Attestation]:
        with self._guard("read failed"):
            rows = list(self._query("attests", "PartitionKey eq @pk", {"pk": key(inspection_id)}))
        found = [_row_attestation(row) for row in rows]
        return sorted(found, key=lambda a: a.recorded_at.astimezone(UTC))

    def withdraw_attestation(
        self, inspection_id: str, attestation_id: str, *, at: datetime, by: str
    ) -> bool:
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceNotFoundError
        from azure.data.tables import UpdateMode

        aware(at, "a withdrawal's time")
        partition = key(inspection_id)

        def attempt() -> bool:
            table = self._table("attests")
            try:
                row = table.get_entity(partition, key(attestation_id))
            except ResourceNotFoundError:
                return False
            if row.get("withdrawn_at"):
                return False
            table.update_entity(
                {
                    "PartitionKey": partition,
                    "RowKey": row["RowKey"],
                    "withdrawn_at": at.isoformat(),
                    "withdrawn_by": by,
                },
                mode=UpdateMode.MERGE,
                etag=row.metadata["etag"],
                match_condition=MatchConditions.IfNotModified,
            )
            return True

        with self._guard("write failed"):
            return self._retrying("withdrawing an attestation", attempt)

    # --- content cache ----------------------------------------------------------------------

    def get(self, item_id: str, content_hash: str) -> str | None:
        from azure.core.exceptions import ResourceNotFoundError

        with self._guard("read failed"):
            try:
                row = self._table("cache").get_entity(CONTENT, key(item_id))
            except ResourceNotFoundError:
                return None
        if row.get("content_hash") != content_hash:
            return None
        return get_text(row, "result")

    def put(self, item_id: str, content_hash: str, result_json: str, scanned_at: datetime) -> None:
        from azure.data.tables import UpdateMode

        aware(scanned_at, "scanned_at")
        entity: dict[str, Any] = {
            "PartitionKey": CONTENT,
            "RowKey": key(item_id),
            "item_id": item_id,
            "content_hash": content_hash,
            "scanned_at": scanned_at.isoformat(),
        }
        table = self._table("cache")
        with self._guard("write failed"):
            try:
                put_text(entity, "result", result_json)
            except TooLarge:
                # Not cached: the file is scanned again next time, never taken as passed.
                log.warning("content result of an item is too large to cache; not cached")
                table.delete_entity(CONTENT, key(item_id))
                return
            table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    # --- permissions read -------------------------------------------------------------------

    def _access_rows(self, item_ids: Iterable[str]) -> list[Mapping[str, Any]]:
        """The permissions-read entities of ``item_ids`` that exist, asked in chunks."""
        wanted = list(dict.fromkeys(item_ids))
        found: list[Mapping[str, Any]] = []
        with self._guard("read failed"):
            for chunk in _chunks(wanted, FILTER_KEYS):
                names = {f"k{n}": key(item_id) for n, item_id in enumerate(chunk)}
                either = " or ".join(f"RowKey eq @{name}" for name in names)
                found.extend(
                    self._query(
                        "cache", f"PartitionKey eq @pk and ( {either} )", {"pk": ACCESS, **names}
                    )
                )
        return found

    def get_access(self, item_ids: Iterable[str]) -> dict[str, tuple[str, datetime]]:
        found: dict[str, tuple[str, datetime]] = {}
        for row in self._access_rows(item_ids):
            read_at = when(row.get("read_at"))
            if read_at is not None:
                found[str(row["item_id"])] = (get_text(row, "permissions"), read_at)
        return found

    def put_access(
        self,
        entries: Mapping[str, str],
        read_at: datetime,
        histories: Mapping[str, str] | None = None,
    ) -> None:
        from azure.data.tables import UpdateMode

        aware(read_at, "read_at")
        kept = histories or {}
        operations = []
        for item_id, text in entries.items():
            entity: dict[str, Any] = {
                "PartitionKey": ACCESS,
                "RowKey": key(item_id),
                "item_id": item_id,
                "read_at": read_at.isoformat(),
            }
            put_text(entity, "permissions", text)
            if item_id in kept:
                # In the same entity as the read: the two are written together or not at all.
                put_text(entity, "history", kept[item_id])
            operations.append(("upsert", entity, {"mode": UpdateMode.REPLACE}))
        with self._guard("write failed"):
            for batch in _chunks(operations, BATCH):
                self._commit("cache", batch)

    def get_sharing_history(self, item_ids: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for row in self._access_rows(item_ids):
            history = get_text(row, "history", "")
            if history:
                found[str(row["item_id"])] = history
        return found

    # --- change notifications ---------------------------------------------------------------

    def drive_subscriptions(self) -> list[DriveSubscription]:
        with self._guard("read failed"):
            rows = list(self._query("notify", "PartitionKey eq @pk", {"pk": SUBSCRIPTION}))
        return sorted((_row_subscription(row) for row in rows), key=lambda r: r.drive_id)

    def put_drive_subscription(self, record: DriveSubscription) -> None:
        from azure.data.tables import UpdateMode

        aware(record.checked_at, "checked_at")
        for moment, what in ((record.expires_at, "expires_at"), (record.created_at, "created_at")):
            if moment is not None:
                aware(moment, what)
        with self._guard("write failed"):
            self._table("notify").upsert_entity(
                _subscription_entity(record), mode=UpdateMode.REPLACE
            )

    def remove_drive_subscription(self, drive_id: str) -> None:
        with self._guard("write failed"):
            self._table("notify").delete_entity(SUBSCRIPTION, key(drive_id))

    def seen_notifications(self, subscription_id: str, notification_ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(notification_ids))
        found: set[str] = set()
        with self._guard("read failed"):
            for chunk in _chunks(wanted, FILTER_KEYS):
                names = {f"k{n}": key(ident) for n, ident in enumerate(chunk)}
                either = " or ".join(f"RowKey eq @{name}" for name in names)
                rows = self._query(
                    "notify",
                    f"PartitionKey eq @pk and ( {either} )",
                    {"pk": SEEN + key(subscription_id), **names},
                )
                found.update(str(row["notification_id"]) for row in rows)
        return found

    def note_notifications(
        self, subscription_id: str, notification_ids: Iterable[str], at: datetime
    ) -> None:
        from azure.data.tables import UpdateMode

        aware(at, "a notification's time")
        partition = SEEN + key(subscription_id)
        operations = [
            (
                "upsert",
                {
                    "PartitionKey": partition,
                    "RowKey": key(ident),
                    "subscription_id": subscription_id,
                    "notification_id": ident,
                    "seen_utc": at.astimezone(UTC).isoformat(),
                },
                {"mode": UpdateMode.REPLACE},
            )
            for ident in dict.fromkeys(notification_ids)
        ]
        with self._guard("write failed"):
            for batch in _chunks(operations, BATCH):
                self._commit("notify", batch)

    def forget_notifications(self, before: datetime) -> int:
        aware(before, "before")
        cutoff = before.astimezone(UTC)
        with self._guard("write failed"):
            rows = self._query(
                "notify",
                "PartitionKey ge @low and PartitionKey lt @high",
                {"low": SEEN, "high": SEEN[:-1] + "."},
                select=["PartitionKey", "RowKey", "seen_utc"],
            )
            by_partition: dict[str, list[tuple[Any, ...]]] = {}
            for row in rows:
                seen = when(row.get("seen_utc"))
                if seen is None or seen < cutoff:
                    by_partition.setdefault(str(row["PartitionKey"]), []).append(
                        ("delete", {"PartitionKey": row["PartitionKey"], "RowKey": row["RowKey"]})
                    )
            for operations in by_partition.values():
                for batch in _chunks(operations, BATCH):
                    self._commit("notify", batch)
        return sum(len(operations) for operations in by_partition.values())

    def mark_pending(self, marker: str, at: datetime, *, stale_before: datetime) -> bool:
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
        from azure.data.tables import UpdateMode

        aware(at, "at")
        aware(stale_before, "stale_before")
        entity = {
            "PartitionKey": PENDING,
            "RowKey": key(marker),
            "marker": marker,
            "since_utc": at.astimezone(UTC).isoformat(),
        }
        table = self._table("notify")

        def attempt() -> bool:
            for _ in range(CONFLICT_ATTEMPTS):
                try:
                    table.create_entity(entity)
                    return True
                except ResourceExistsError:
                    pass
                try:
                    found = table.get_entity(PENDING, key(marker))
                except ResourceNotFoundError:
                    continue  # cleared between the two calls: try to create it again
                since = when(found.get("since_utc"))
                if since is not None and since >= stale_before:
                    return False
                # A stale marker (its wake was lost): take it over, If-Match its ETag.
                table.update_entity(
                    entity,
                    mode=UpdateMode.REPLACE,
                    etag=found.metadata["etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
                return True
            raise StoreError(f"state store {self._location}: a pending marker keeps changing")

        with self._guard("write failed"):
            return self._retrying("a pending marker", attempt)

    def clear_pending(self, marker: str) -> None:
        with self._guard("write failed"):
            self._table("notify").delete_entity(PENDING, key(marker))


# --- entities -----------------------------------------------------------------------------------


def _item_entity(drive_id: str, item: StoredItem) -> dict[str, Any]:
    if not isinstance(item.first_seen, datetime):
        raise ValueError("an item's first_seen must be a datetime")
    entity: dict[str, Any] = {
        "PartitionKey": key(drive_id),
        "RowKey": key(item.id),
        "drive_id": drive_id,
        "item_id": item.id,
        "name": item.name,
        "path": item.path,
        "path_key": item.path.casefold(),
        "parent_id": item.parent_id,
        "is_folder": item.is_folder,
        "first_seen": iso(item.first_seen),
        "size": int64(item.size),
        "created_at": iso(item.created_at),
        "modified_at": iso(item.modified_at),
        "created_by": item.created_by,
        "modified_by": item.modified_by,
        "sha256": item.sha256,
        "quick_xor": item.quick_xor,
        "mime_type": item.mime_type,
        "item_etag": item.etag,
        "item_ctag": item.ctag,
        "shared": item.shared,
    }
    # The SDK leaves None out; an absent property reads back as None.
    return {name: value for name, value in entity.items() if value is not None}


def _text_or_none(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value)


def _row_item(row: Mapping[str, Any]) -> StoredItem:
    first_seen = when(row.get("first_seen"))
    if first_seen is None:
        raise StoreError("state store: an item has no first_seen; the table is damaged")
    return StoredItem(
        id=str(row["item_id"]),
        name=str(row["name"]),
        path=str(row["path"]),
        parent_id=_text_or_none(row, "parent_id"),
        is_folder=bool(row.get("is_folder")),
        first_seen=first_seen,
        size=number(row.get("size")),
        created_at=when(row.get("created_at")),
        modified_at=when(row.get("modified_at")),
        created_by=_text_or_none(row, "created_by"),
        modified_by=_text_or_none(row, "modified_by"),
        sha256=_text_or_none(row, "sha256"),
        quick_xor=_text_or_none(row, "quick_xor"),
        mime_type=_text_or_none(row, "mime_type"),
        etag=_text_or_none(row, "item_etag"),
        ctag=_text_or_none(row, "item_ctag"),
        shared=bool(row.get("shared")),
    )


def _audit_entity(entry: AuditEntry) -> dict[str, Any]:
    assert entry.id is not None
    entity: dict[str, Any] = {
        "PartitionKey": key(entry.inspection_id),
        "RowKey": f"{newest_first(entry.at)}-{highest_first(entry.id)}",
        "audit_id": int64(entry.id),
        "plan_id": entry.plan_id,
        "inspection_id": entry.inspection_id,
        "step": int64(entry.step),
        "action": entry.action,
        "actor": entry.actor,
        "at": entry.at.isoformat(),
        "at_utc": entry.at.astimezone(UTC).isoformat(),
        "result": AuditResult(entry.result).value,
    }
    if entry.path is not None:
        entity["path"] = entry.path
    if entry.email is not None:
        entity["email"] = entry.email
    if entry.requested_by is not None:
        entity["requested_by"] = entry.requested_by
    put_text(entity, "before", entry.before)
    put_text(entity, "after", entry.after)
    put_text(entity, "detail", entry.detail)
    return entity


def _row_audit(row: Mapping[str, Any]) -> AuditEntry:
    at = when(row.get("at"))
    if at is None:
        raise StoreError("state store: an audit entry has no time; the table is damaged")
    return AuditEntry(
        id=number(row.get("audit_id")),
        plan_id=str(row["plan_id"]),
        inspection_id=str(row["inspection_id"]),
        step=number(row.get("step")) or 0,
        action=str(row["action"]),
        actor=str(row["actor"]),
        at=at,
        result=AuditResult(str(row["result"])),
        path=_text_or_none(row, "path"),
        email=_text_or_none(row, "email"),
        before=get_text(row, "before", "null"),
        after=get_text(row, "after", "null"),
        detail=get_text(row, "detail"),
        requested_by=_text_or_none(row, "requested_by"),
    )


def _run_entity(partition: str, row: str, seq: int, run: CheckRun) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": partition,
        "RowKey": row,
        "run_id": run.run_id,
        "inspection_id": run.inspection_id,
        "seq": int64(seq),
        "as_of": run.as_of.isoformat(),
        "generated_at": run.generated_at.isoformat(),
        "status": RunStatus(run.status).value,
        "counts": json.dumps(dict(run.counts), sort_keys=True),
    }
    put_text(entity, "finding_keys", json.dumps(sorted(run.finding_keys)))
    put_text(entity, "milestones", json.dumps(dict(run.milestones), sort_keys=True))
    return entity


def _row_run(row: Mapping[str, Any]) -> CheckRun:
    as_of, generated = when(row.get("as_of")), when(row.get("generated_at"))
    if as_of is None or generated is None:
        raise StoreError("state store: a check run has no time; the table is damaged")
    return CheckRun(
        run_id=str(row["run_id"]),
        inspection_id=str(row["inspection_id"]),
        as_of=as_of,
        generated_at=generated,
        status=RunStatus(str(row["status"])),
        counts=MappingProxyType(dict(json.loads(str(row["counts"])))),
        finding_keys=frozenset(json.loads(get_text(row, "finding_keys", "[]"))),
        milestones=MappingProxyType(dict(json.loads(get_text(row, "milestones", "{}")))),
    )


def _row_summary(row: Mapping[str, Any]) -> RunSummary:
    as_of, generated = when(row.get("as_of")), when(row.get("generated_at"))
    if as_of is None or generated is None:
        raise StoreError("state store: a check run has no time; the table is damaged")
    return RunSummary(
        run_id=str(row["run_id"]),
        as_of=as_of,
        generated_at=generated,
        status=RunStatus(str(row["status"])),
        counts=MappingProxyType(dict(json.loads(str(row["counts"])))),
    )


def _optional(entity: dict[str, Any], **values: str | None) -> None:
    for name, value in values.items():
        if value is not None:
            entity[name] = value


def _tracked_entity(partition: str, row: Tracked) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": partition,
        "RowKey": digest_key(row.key),
        "rule": row.rule,
        "severity": Severity(row.severity).value,
        "first_seen": aware(row.first_seen, "first_seen").isoformat(),
        "first_cycle": int64(row.first_cycle),
        "last_seen": row.last_seen.isoformat(),
        "resolved_at": iso(row.resolved_at) or "",
        "reopened": row.reopened,
    }
    put_text(entity, "key", row.key)
    _optional(
        entity,
        path=row.path,
        milestone=row.milestone,
        location=row.location,
        content=row.content,
        sharing=row.sharing,
    )
    return entity


def _row_tracked(row: Mapping[str, Any]) -> Tracked:
    first_seen, last_seen = when(row.get("first_seen")), when(row.get("last_seen"))
    if first_seen is None or last_seen is None:
        raise StoreError("state store: a finding's history has no time; the table is damaged")
    return Tracked(
        key=get_text(row, "key"),
        rule=str(row["rule"]),
        severity=Severity(str(row["severity"])),
        first_seen=first_seen,
        first_cycle=number(row.get("first_cycle")) or 0,
        last_seen=last_seen,
        path=_text_or_none(row, "path"),
        milestone=_text_or_none(row, "milestone"),
        location=_text_or_none(row, "location"),
        resolved_at=when(row.get("resolved_at")),
        reopened=bool(row.get("reopened")),
        content=_text_or_none(row, "content"),
        sharing=_text_or_none(row, "sharing"),
    )


def _acceptance_entity(partition: str, acceptance: Acceptance) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": partition,
        "RowKey": key(acceptance.id),
        "acceptance_id": acceptance.id,
        "inspection_id": acceptance.inspection_id,
        "rule": acceptance.rule,
        "severity": Severity(acceptance.severity).value,
        "accepted_by": acceptance.by,
        "at": acceptance.at.isoformat(),
        "until": acceptance.until.isoformat(),
        "ended_at": "",
    }
    put_text(entity, "key", acceptance.key)
    put_text(entity, "reason", acceptance.reason)
    _optional(
        entity,
        path=acceptance.path,
        location=acceptance.location,
        milestone=acceptance.milestone,
        content=acceptance.content,
        sharing=acceptance.sharing,
    )
    return entity


def _ending(row: Any, at: datetime, by: str, reason: str) -> tuple[Any, ...]:
    """A merge that ends an acceptance, only if nobody changed it since it was read."""
    from azure.core import MatchConditions
    from azure.data.tables import UpdateMode

    return (
        "update",
        {
            "PartitionKey": row["PartitionKey"],
            "RowKey": row["RowKey"],
            "ended_at": at.isoformat(),
            "ended_by": by,
            "end_reason": reason,
        },
        {
            "mode": UpdateMode.MERGE,
            "etag": row.metadata["etag"],
            "match_condition": MatchConditions.IfNotModified,
        },
    )


def _row_acceptance(row: Mapping[str, Any]) -> Acceptance:
    at, until = when(row.get("at")), when(row.get("until"))
    if at is None or until is None:
        raise StoreError("state store: an acceptance has no time; the table is damaged")
    return Acceptance(
        id=str(row["acceptance_id"]),
        inspection_id=str(row["inspection_id"]),
        key=get_text(row, "key"),
        rule=str(row["rule"]),
        severity=Severity(str(row["severity"])),
        reason=get_text(row, "reason"),
        by=str(row["accepted_by"]),
        at=at,
        until=until,
        path=_text_or_none(row, "path"),
        location=_text_or_none(row, "location"),
        milestone=_text_or_none(row, "milestone"),
        content=_text_or_none(row, "content"),
        sharing=_text_or_none(row, "sharing"),
        ended_at=when(row.get("ended_at")),
        ended_by=_text_or_none(row, "ended_by"),
        end_reason=_text_or_none(row, "end_reason"),
    )


def _row_attestation(row: Mapping[str, Any]) -> Attestation:
    on, recorded = when(row.get("happened_on")), when(row.get("recorded_at"))
    if on is None or recorded is None:
        raise StoreError("state store: an attestation has no time; the table is damaged")
    return Attestation(
        id=str(row["attestation_id"]),
        inspection_id=str(row["inspection_id"]),
        milestone=str(row["milestone"]),
        on=on,
        recorded_at=recorded,
        by=str(row["recorded_by"]),
        value=number(row.get("value")),
        note=get_text(row, "note"),
        withdrawn_at=when(row.get("withdrawn_at")),
        withdrawn_by=_text_or_none(row, "withdrawn_by"),
    )


def _subscription_entity(record: DriveSubscription) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": SUBSCRIPTION,
        "RowKey": key(record.drive_id),
        "drive_id": record.drive_id,
        "site_id": record.site_id,
        "subscription_id": record.subscription_id,
        "expires_at": iso(record.expires_at),
        "checked_at": record.checked_at.isoformat(),
        "created_at": iso(record.created_at),
        "url_digest": record.url_digest,
        "state_digest": record.state_digest,
        "security": record.security,
        "refused": record.refused,
    }
    return {name: value for name, value in entity.items() if value is not None}


def _row_subscription(row: Mapping[str, Any]) -> DriveSubscription:
    checked = when(row.get("checked_at"))
    if checked is None:
        raise StoreError("state store: a drive subscription has no time; the table is damaged")
    return DriveSubscription(
        drive_id=str(row["drive_id"]),
        site_id=str(row["site_id"]),
        subscription_id=_text_or_none(row, "subscription_id"),
        expires_at=when(row.get("expires_at")),
        checked_at=checked,
        created_at=when(row.get("created_at")),
        url_digest=str(row.get("url_digest") or ""),
        state_digest=str(row.get("state_digest") or ""),
        security=bool(row.get("security")),
        refused=_text_or_none(row, "refused"),
    )
