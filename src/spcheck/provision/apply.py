"""Carry out a plan's steps, one at a time, re-reading before each write and auditing each.

Every step first reads what it is about to change (the folder, or the
folder's permissions) and does nothing when the change is already made or the
thing to remove is gone: so a run that was interrupted, or a plan that was
overtaken, converges instead of granting twice. A removal takes away only the
permission the plan named, and only while it still belongs to the person or
link the plan named.

Each step is written to the audit log before the next one starts, ``failed``
included (with the error's one-line message). An invitation Graph refuses (the
tenant's external-sharing setting) fails its step and the run goes on with the
next one, so that a revocation later in the plan is still made. The audit is write-ahead: just
before a step's first write, its intent is recorded (kind ``provision.step``,
with what it is about to change), and the step's entry closes it. A write
whose outcome is unknown (the process killed, an outage outlasting the retries,
an interruption) leaves the intent open, and the next run reads the folder
back (``provision/reconcile.py``) and audits what really happened. Only
folders are created and only permissions removed: nothing here deletes, moves
or edits content, and no sharing link is made.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from spcheck.graph.interface import Gateway, InvitationRefused, Role
from spcheck.graph.views import Permission
from spcheck.provision.actual import access_of
from spcheck.provision.interface import (
    Action,
    Plan,
    ProvisionError,
    Step,
    StepOutcome,
)
from spcheck.provision.planner import EXPIRY_TOLERANCE
from spcheck.store.records import AuditEntry, AuditLog, AuditResult
from spcheck.writeahead.journal import OpenChange, WriteAhead, refused

Result = tuple[AuditResult, str, Any, Any]  # result, detail, before, after
KIND = "provision.step"


def permission_record(permission: Permission) -> dict[str, Any]:
    """A permission as the audit log keeps it (renderers mask the email and id)."""
    access = access_of(permission)
    return {
        "id": access.permission_id,
        "roles": list(access.roles),
        "kind": access.kind,
        "email": access.email,
        "group": access.name,
        "link_scope": access.link_scope,
        "expires_at": access.expires_at.isoformat() if access.expires_at else None,
    }


def _to_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def holds(permission: Permission, email: str | None) -> bool:
    """The permission names this person."""
    return email is not None and email in permission.emails()


def exact(permission: Permission, role: str | None, expires_at: datetime | None) -> bool:
    """A person's permission with exactly this role and (near enough) this expiry."""
    access = access_of(permission)
    if access.kind != "person" or set(access.roles) != {role}:
        return False
    if access.expires_at is None or expires_at is None:
        return access.expires_at is None and expires_at is None
    return abs(access.expires_at - expires_at) <= EXPIRY_TOLERANCE


class Executor:
    def __init__(
        self,
        gateway: Gateway,
        drive_id: str,
        audit: AuditLog,
        *,
        actor: str,
        send_invitation: bool,
        clock: Callable[[], datetime],
        known_ids: Mapping[str, str] | None = None,
        requested_by: str | None = None,
    ) -> None:
        self._gateway = gateway
        self._drive = drive_id
        self._audit = audit
        self._actor = actor
        self._requested_by = requested_by
        self._send_invitation = send_invitation
        self._clock = clock
        self._journal = WriteAhead(audit, clock=clock)
        self._ids: dict[str, str] = dict(known_ids or {})
        self._plan: Plan | None = None
        self._change: OpenChange | None = None

    async def run(self, plan: Plan) -> list[StepOutcome]:
        outcomes = []
        for step in plan.steps:
            outcomes.append(await self.step(plan, step))
        return outcomes

    async def step(self, plan: Plan, step: Step) -> StepOutcome:
        self._plan, self._change = plan, None
        try:
            result, detail, before, after = await self._execute(step)
        except BaseException as error:
            change, self._change = self._change, None
            if change is not None:
                if refused(error):  # Graph said no: nothing was changed
                    self._journal.close(change, AuditResult.FAILED, _one_line(error))
                else:  # the change may or may not have been made: the next run reads it back
                    self._journal.abandon(change)
            elif isinstance(error, asyncio.CancelledError | KeyboardInterrupt):
                self._record(step, AuditResult.FAILED, "interrupted before its change was made")
            elif isinstance(error, Exception):
                self._record(step, AuditResult.FAILED, _one_line(error))
            raise
        change, self._change = self._change, None
        if change is None:
            self._record(step, result, detail, before, after)
        else:
            self._journal.close(
                change, result, detail, before=_to_json(before), after=_to_json(after)
            )
        return StepOutcome(plan.plan_id, step, result, detail)

    def _entry(
        self, step: Step, result: AuditResult, detail: str, before: Any, after: Any
    ) -> AuditEntry:
        assert self._plan is not None
        return AuditEntry(
            plan_id=self._plan.plan_id,
            inspection_id=self._plan.inspection_id,
            step=step.number,
            action=step.action.value,
            actor=self._actor,
            at=self._clock(),
            result=result,
            path=step.path,
            email=step.email,
            before=_to_json(before),
            after=_to_json(after),
            detail=detail,
            requested_by=self._requested_by,
        )

    def _record(
        self,
        step: Step,
        result: AuditResult,
        detail: str,
        before: Any = None,
        after: Any = None,
    ) -> None:
        self._audit.append(self._entry(step, result, detail, before, after))

    def _intend(self, step: Step, before: Any, *, folder_id: str | None = None) -> None:
        """Record the step's intent: called just before its first write, never earlier."""
        subject = {
            "drive_id": self._drive,
            "folder_id": folder_id,
            "path": step.path,
            "action": step.action.value,
            "email": step.email,
            "role": step.role,
            "expires_at": step.expires_at.isoformat() if step.expires_at else None,
            "permission_ids": list(step.permission_ids),
            "link_scope": step.link_scope,
            "group": step.group,
        }
        draft = self._entry(step, AuditResult.PENDING, "", before, None)
        self._change = self._journal.open(KIND, draft, subject)

    async def _execute(self, step: Step) -> Result:
        if step.action is Action.CREATE_FOLDER:
            return await self._create_folder(step)
        if step.action is Action.GRANT:
            return await self._grant(step)
        if step.action is Action.CHANGE_ROLE:
            return await self._change_role(step)
        return await self._remove(step)

    # --- folders ----------------------------------------------------------------------------

    async def _item_id(self, path: str) -> str | None:
        key = path.casefold()
        if key not in self._ids:
            item = await self._gateway.item_by_path(self._drive, path)
            if item is None:
                return None
            self._ids[key] = item.id
        return self._ids[key]

    async def _folder_id(self, step: Step) -> str:
        found = await self._item_id(step.path)
        if found is None:
            raise ProvisionError(f"{step.path}: the folder does not exist; run `spcheck provision`")
        return found

    async def _create_folder(self, step: Step) -> Result:
        existing = await self._gateway.item_by_path(self._drive, step.path)
        if existing is not None:
            if not existing.is_folder:
                raise ProvisionError(f"{step.path}: a file is where the folder should be")
            self._ids[step.path.casefold()] = existing.id
            return AuditResult.SKIPPED, "already there", {"id": existing.id}, {"id": existing.id}
        parent_path, _, name = step.path.rpartition("/")
        parent_id = await self._item_id(parent_path)
        if parent_id is None:
            raise ProvisionError(f"{step.path}: the parent folder {parent_path!r} does not exist")
        self._intend(step, None, folder_id=parent_id)
        made = await self._gateway.create_folder(self._drive, parent_id, name)
        self._ids[step.path.casefold()] = made.item.id
        after = {"id": made.item.id, "name": made.item.name}
        if not made.created:
            return AuditResult.SKIPPED, "already there (made meanwhile)", after, after
        return AuditResult.OK, "created", None, after

    # --- permissions ------------------------------------------------------------------------

    def _holds(self, permission: Permission, step: Step) -> bool:
        return holds(permission, step.email)

    def _exact(self, permission: Permission, step: Step) -> bool:
        return exact(permission, step.role, step.expires_at)

    async def _invite(self, folder_id: str, step: Step) -> tuple[Permission, ...]:
        assert step.email is not None
        assert step.role is not None
        return await self._gateway.invite(
            self._drive,
            folder_id,
            [step.email],
            Role(step.role),
            expires_at=step.expires_at,
            send_invitation=self._send_invitation,
        )

    def _invited(self) -> str:
        return "invitation mail sent" if self._send_invitation else "no invitation mail (policy)"

    async def _grant(self, step: Step) -> Result:
        folder_id = await self._folder_id(step)
        current = await self._gateway.permissions(self._drive, folder_id)
        mine = [p for p in current if self._holds(p, step)]
        if any(self._exact(p, step) for p in mine):
            return AuditResult.SKIPPED, "already granted", _records(mine), _records(mine)
        self._intend(step, _records(mine), folder_id=folder_id)
        try:
            granted = await self._invite(folder_id, step)
        except InvitationRefused as refusal:
            # Graph made nothing: the step failed, the intent closes as failed, the run goes on
            # (a revocation later in the plan must still be made).
            return AuditResult.FAILED, _one_line(refusal), _records(mine), _records(mine)
        return (
            AuditResult.OK,
            f"granted {step.role}; {self._invited()}",
            _records(mine),
            _records(granted),
        )

    async def _change_role(self, step: Step) -> Result:
        folder_id = await self._folder_id(step)
        current = await self._gateway.permissions(self._drive, folder_id)
        mine = [p for p in current if self._holds(p, step)]
        if len(mine) == 1 and self._exact(mine[0], step):
            return AuditResult.SKIPPED, "already as planned", _records(mine), _records(mine)
        # Remove first, then grant: the person never holds more than the plan allows.
        self._intend(step, _records(mine), folder_id=folder_id)
        listed = set(step.permission_ids)
        for permission in mine:
            if permission.id in listed:
                await self._gateway.delete_permission(self._drive, folder_id, permission.id)
        try:
            granted = await self._invite(folder_id, step)
        except InvitationRefused as refusal:
            kept = [p for p in mine if p.id not in listed]
            return (
                AuditResult.FAILED,
                f"the old access was removed, the new refused: {_one_line(refusal)}",
                _records(mine),
                _records(kept),
            )
        detail = f"now {step.role}, expiring with the access window; {self._invited()}"
        return AuditResult.OK, detail, _records(mine), _records(granted)

    async def _remove(self, step: Step) -> Result:
        folder_id = await self._folder_id(step)
        current = await self._gateway.permissions(self._drive, folder_id)
        wanted = step.permission_ids[0]
        found = next((p for p in current if p.id == wanted), None)
        if found is None:
            return AuditResult.SKIPPED, "already gone", None, None
        before = permission_record(found)
        if step.email is not None and not self._holds(found, step):
            return AuditResult.SKIPPED, "changed since the plan; left alone", before, before
        if step.link_scope is not None and (
            found.link is None or found.link.scope != step.link_scope
        ):
            return AuditResult.SKIPPED, "changed since the plan; left alone", before, before
        if step.group is not None and access_of(found).kind != "group":
            return AuditResult.SKIPPED, "changed since the plan; left alone", before, before
        self._intend(step, before, folder_id=folder_id)
        removed = await self._gateway.delete_permission(self._drive, folder_id, wanted)
        if not removed:
            return AuditResult.SKIPPED, "already gone", before, None
        return AuditResult.OK, "removed", before, None


def _records(permissions: Iterable[Permission]) -> list[dict[str, Any]]:
    return [permission_record(p) for p in permissions]


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:500]
