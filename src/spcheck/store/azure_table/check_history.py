"""Check history: each check run's summary, and which findings have been alerted."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from spcheck.store.azure_codec import (
    aware,
    digest_key,
    get_text,
    highest_first,
    int64,
    key,
    newest_first,
    number,
    put_text,
)
from spcheck.store.azure_table.base import (
    BATCH,
    CONFLICT_ATTEMPTS,
    RUN_COUNTER,
    AzureTableBase,
    _chunks,
    _is_conflict,
)
from spcheck.store.azure_table.entities import _row_run, _row_summary, _run_entity
from spcheck.store.interface import StoreError
from spcheck.store.records import CheckRun, RunSummary


class TableCheckHistory(AzureTableBase):
    """Check history: each check run's summary, and which findings have been alerted."""

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
