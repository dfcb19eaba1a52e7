"""The audit log: one entity per change spcheck made or refused, numbered by a counter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

from spcheck.store.azure_codec import aware, int64, key, number
from spcheck.store.azure_table.base import AzureTableBase
from spcheck.store.azure_table.entities import _audit_entity, _row_audit
from spcheck.store.records import AuditEntry, AuditResult, require_outcome


class TableAuditLog(AzureTableBase):
    """The audit log: one entity per change spcheck made or refused, numbered by a counter."""

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
