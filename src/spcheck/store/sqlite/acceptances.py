"""Accepted findings and attested milestones: what the SSO decided, and when it ended."""

from __future__ import annotations

from datetime import datetime

from spcheck.domain.acceptance import Acceptance
from spcheck.domain.attestation import Attestation
from spcheck.domain.findings import Severity
from spcheck.store.records import REPLACED
from spcheck.store.sqlite.base import SqliteBase
from spcheck.store.sqlite.rows import _row_acceptance, _row_attestation, _utc


class SqliteAcceptances(SqliteBase):
    """Accepted findings and attested milestones: what the SSO decided, and when it ended."""

    def add_acceptance(self, acceptance: Acceptance) -> None:
        at_utc = _utc(acceptance.at, "an acceptance's time")
        _utc(acceptance.until, "an acceptance's end")
        with self._write() as conn:
            conn.execute(
                "UPDATE acceptances SET ended_at = ?, ended_by = ?, end_reason = ? "
                "WHERE inspection_id = ? AND key = ? AND ended_at IS NULL",
                (
                    acceptance.at.isoformat(),
                    acceptance.by,
                    REPLACED,
                    acceptance.inspection_id,
                    acceptance.key,
                ),
            )
            conn.execute(
                "INSERT INTO acceptances (id, inspection_id, key, rule, severity, path, location, "
                "milestone, content, sharing, reason, accepted_by, at, at_utc, until) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    acceptance.id,
                    acceptance.inspection_id,
                    acceptance.key,
                    acceptance.rule,
                    Severity(acceptance.severity).value,
                    acceptance.path,
                    acceptance.location,
                    acceptance.milestone,
                    acceptance.content,
                    acceptance.sharing,
                    acceptance.reason,
                    acceptance.by,
                    acceptance.at.isoformat(),
                    at_utc,
                    acceptance.until.isoformat(),
                ),
            )

    def acceptances(self, inspection_id: str, *, live: bool = True) -> list[Acceptance]:
        rows = self._read(
            "SELECT * FROM acceptances WHERE inspection_id = ?1 "
            "AND (?2 = 0 OR ended_at IS NULL) ORDER BY at_utc, rowid",
            (inspection_id, int(live)),
        )
        return [_row_acceptance(row) for row in rows]

    def end_acceptance(
        self, inspection_id: str, acceptance_id: str, *, at: datetime, by: str, reason: str
    ) -> bool:
        _utc(at, "an acceptance's end")
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE acceptances SET ended_at = ?, ended_by = ?, end_reason = ? "
                "WHERE inspection_id = ? AND id = ? AND ended_at IS NULL",
                (at.isoformat(), by, reason, inspection_id, acceptance_id),
            )
        return cursor.rowcount > 0

    def add_attestation(self, attestation: Attestation) -> None:
        recorded_utc = _utc(attestation.recorded_at, "an attestation's time")
        _utc(attestation.on, "when an attested step happened")
        with self._write() as conn:
            conn.execute(
                "INSERT INTO attestations (id, inspection_id, milestone, happened_on, "
                "recorded_at, recorded_utc, recorded_by, value, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    attestation.id,
                    attestation.inspection_id,
                    attestation.milestone,
                    attestation.on.isoformat(),
                    attestation.recorded_at.isoformat(),
                    recorded_utc,
                    attestation.by,
                    attestation.value,
                    attestation.note,
                ),
            )

    def attestations(self, inspection_id: str) -> list[Attestation]:
        rows = self._read(
            "SELECT * FROM attestations WHERE inspection_id = ? ORDER BY recorded_utc, rowid",
            (inspection_id,),
        )
        return [_row_attestation(row) for row in rows]

    def withdraw_attestation(
        self, inspection_id: str, attestation_id: str, *, at: datetime, by: str
    ) -> bool:
        _utc(at, "a withdrawal's time")
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE attestations SET withdrawn_at = ?, withdrawn_by = ? "
                "WHERE inspection_id = ? AND id = ? AND withdrawn_at IS NULL",
                (at.isoformat(), by, inspection_id, attestation_id),
            )
        return cursor.rowcount > 0
