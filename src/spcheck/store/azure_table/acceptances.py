"""Accepted findings and attested milestones: what the SSO decided, and when it ended."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from spcheck.domain.acceptance import Acceptance
from spcheck.domain.attestation import Attestation
from spcheck.store.azure_codec import aware, get_text, int64, key, put_text
from spcheck.store.azure_table.base import AzureTableBase
from spcheck.store.azure_table.entities import (
    _acceptance_entity,
    _ending,
    _row_acceptance,
    _row_attestation,
)
from spcheck.store.records import REPLACED


class TableAcceptances(AzureTableBase):
    """Accepted findings and attested milestones: what the SSO decided, and when it ended."""

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
