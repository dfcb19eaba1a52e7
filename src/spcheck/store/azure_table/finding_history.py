"""Findings over time: each finding's first and last cycle, kept per inspection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType

from spcheck.domain.history import History, Tracked
from spcheck.store.azure_codec import aware, int64, key, number, when
from spcheck.store.azure_table.base import BATCH, CYCLE_ROW, AzureTableBase, _chunks, _is_conflict
from spcheck.store.azure_table.entities import _row_tracked, _tracked_entity


class TableFindingHistory(AzureTableBase):
    """Findings over time: each finding's first and last cycle, kept per inspection."""

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
