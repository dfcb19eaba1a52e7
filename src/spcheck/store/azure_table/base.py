"""Opening the Azure Table state store and the plumbing every part of it shares.

The tables and their schema version, the service client, the guard that turns an
SDK error into one secret-free line, queries, entity-group transactions and the
retry of a read-modify-write that lost a race.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from spcheck.errors import ConfigError
from spcheck.store.azure_codec import number
from spcheck.store.azure_connection import StorageConnection, parse_connection
from spcheck.store.interface import StoreError

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


class AzureTableBase:
    """The tables of one account and prefix: made, checked; queried and written."""

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
