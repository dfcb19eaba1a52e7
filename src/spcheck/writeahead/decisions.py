"""Reading back the SSO's decisions, which live in the store: acceptances and attestations.

``spcheck accept``, ``unaccept``, ``attest`` and ``unattest`` record an intent (kinds
``acceptance`` and ``attestation``, subject ``{"id": ..., "action": ...}``), then the
decision, then the audit entry. If the run stops in between, the decision is found
in the store or not, and the entry says which.
"""

from __future__ import annotations

import json
from typing import Any

from spcheck.graph.interface import Gateway
from spcheck.store.records import AuditResult, Intent, Store
from spcheck.writeahead.interface import Reconciler, Settlement

ACCEPTANCE = "acceptance"
ATTESTATION = "attestation"


def _subject(intent: Intent) -> dict[str, Any]:
    subject: dict[str, Any] = json.loads(intent.subject)
    return subject


class AcceptanceReconciler(Reconciler):
    kind = ACCEPTANCE
    needs_graph = False

    async def settle(self, intent: Intent, gateway: Gateway | None, store: Store) -> Settlement:
        subject = _subject(intent)
        every = store.acceptances(intent.inspection_id, live=False)
        found = next((a for a in every if a.id == subject["id"]), None)
        if subject["action"] == "accept":
            if found is None:
                return Settlement(AuditResult.FAILED, "not recorded: the finding still counts")
            return Settlement(AuditResult.OK, "recorded")
        if found is not None and found.ended_at is not None:
            return Settlement(AuditResult.OK, "withdrawn")
        return Settlement(AuditResult.FAILED, "not withdrawn: the acceptance is still in force")


class AttestationReconciler(Reconciler):
    kind = ATTESTATION
    needs_graph = False

    async def settle(self, intent: Intent, gateway: Gateway | None, store: Store) -> Settlement:
        subject = _subject(intent)
        every = store.attestations(intent.inspection_id)
        found = next((a for a in every if a.id == subject["id"]), None)
        if subject["action"] == "attest":
            if found is None:
                return Settlement(AuditResult.FAILED, "not recorded: the milestone is still open")
            return Settlement(AuditResult.OK, "recorded")
        if found is not None and found.withdrawn_at is not None:
            return Settlement(AuditResult.OK, "withdrawn")
        return Settlement(AuditResult.FAILED, "not withdrawn: the attestation still stands")
