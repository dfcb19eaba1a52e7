"""Reading back a provisioning step whose run stopped between the write and its audit entry.

The intent (kind ``provision.step``) holds the step: the folder's path, or the
folder's id and the person, role, expiry and permission ids. The folder or its
permissions are read again and compared with what the step was to do: made,
not made, or (a role change, which removes before it grants) made in part.
Nothing is changed here: whatever is still to do, the next plan does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from spcheck.graph.interface import Gateway, GraphNotFound
from spcheck.graph.views import Permission
from spcheck.provision.apply import KIND, exact, holds, permission_record
from spcheck.provision.interface import Action
from spcheck.store.records import AuditResult, Intent, Store
from spcheck.writeahead.interface import Reconciler, Settlement


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _records(permissions: Sequence[Permission]) -> str:
    return _json([permission_record(p) for p in permissions])


class StepReconciler(Reconciler):
    kind = KIND

    async def settle(self, intent: Intent, gateway: Gateway | None, store: Store) -> Settlement:
        assert gateway is not None, "a provisioning step is read back from Graph"
        subject: dict[str, Any] = json.loads(intent.subject)
        action = Action(subject["action"])
        drive = str(subject["drive_id"])
        if action is Action.CREATE_FOLDER:
            return await self._folder(gateway, drive, str(subject["path"]))
        try:
            current = await gateway.permissions(drive, str(subject["folder_id"]))
        except GraphNotFound:
            return Settlement(AuditResult.FAILED, "the folder is gone, and its access with it")
        email = subject.get("email")
        role = subject.get("role")
        expires = datetime.fromisoformat(subject["expires_at"]) if subject["expires_at"] else None
        mine = [p for p in current if holds(p, email)]
        if action is Action.GRANT:
            if any(exact(p, role, expires) for p in mine):
                return Settlement(AuditResult.OK, f"granted {role}", _records(mine))
            return Settlement(AuditResult.FAILED, "not granted", _records(mine))
        if action is Action.CHANGE_ROLE:
            if len(mine) == 1 and exact(mine[0], role, expires):
                return Settlement(AuditResult.OK, f"now {role}", _records(mine))
            listed = set(subject["permission_ids"])
            if listed and not any(p.id in listed for p in mine):
                return Settlement(
                    AuditResult.FAILED,
                    f"made in part: the earlier access was removed but {role} was not granted "
                    "(the next apply grants it)",
                    _records(mine),
                )
            return Settlement(AuditResult.FAILED, "not changed", _records(mine))
        wanted = str(subject["permission_ids"][0])
        still = [p for p in current if p.id == wanted]
        if still:
            return Settlement(AuditResult.FAILED, "not removed", _records(still))
        return Settlement(AuditResult.OK, "removed")

    @staticmethod
    async def _folder(gateway: Gateway, drive: str, path: str) -> Settlement:
        found = await gateway.item_by_path(drive, path)
        if found is None:
            return Settlement(AuditResult.FAILED, "the folder was not made")
        if not found.is_folder:
            return Settlement(AuditResult.FAILED, "not made: a file is where the folder should be")
        return Settlement(
            AuditResult.OK, "the folder was made", _json({"id": found.id, "name": found.name})
        )
