"""Plans, apply reports and the audit log as tables (rich) or JSON.

Output is built to be forwarded: email addresses keep their domain but mask
the mailbox, and permission ids (which encode the person's sign-in name in
SharePoint) are masked too. JSON documents carry a ``schema``. What came from
Graph (group names, error details) is neutralised first (``outward``), and table
cells are never read as rich markup.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from spcheck.domain.findings import mask
from spcheck.graph.interface import INVITATION_RUNBOOK
from spcheck.outward import neutralise
from spcheck.provision.interface import ApplyReport, Mode, Plan, Step, show_email
from spcheck.rules.privacy import redact, redact_optional
from spcheck.store.records import AuditEntry, Intent

PLAN_SCHEMA = "spcheck.plan/v1"
AUDIT_SCHEMA = "spcheck.audit/v1"


def _folder(plan: Plan, path: str) -> str:
    """A path as the SSO thinks of it: relative to the inspection folder."""
    if path.casefold() == plan.root_path.casefold():
        return f"{plan.inspection_id}/ (inspection folder)"
    prefix = plan.root_path + "/"
    if path.casefold().startswith(prefix.casefold()):
        return path[len(prefix) :]
    return path + "/"


def _time(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def step_document(plan: Plan, step: Step) -> dict[str, Any]:
    return {
        "number": step.number,
        "action": step.action.value,
        "folder": _folder(plan, step.path),
        "path": step.path,
        "email": show_email(step.email) or None,
        "group": step.group,
        "role": step.role,
        "expires_at": _time(step.expires_at),
        "removes": [mask(pid) for pid in step.permission_ids],
        "rule": step.rule,
        "reason": step.reason,
    }


def plan_document(plan: Plan, report: ApplyReport | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema": PLAN_SCHEMA,
        "plan_id": plan.plan_id,
        "inspection_id": plan.inspection_id,
        "mode": plan.mode.value,
        "as_of": plan.as_of.isoformat(),
        "folder": plan.root_path,
        "access": {"from": _time(plan.access_from), "until": _time(plan.access_until)},
        "remove_drift": plan.remove_drift,
        "steps": [step_document(plan, step) for step in plan.steps],
        "drift": [
            {
                "folder": _folder(plan, d.path),
                "path": d.path,
                "what": d.what,
                "email": show_email(d.email) or None,
                "group": d.group,
                "permission_id": mask(d.permission_id),
                "rule": d.rule,
                "why": d.why,
                "removed_by_plan": any(d.permission_id in s.permission_ids for s in plan.steps),
            }
            for d in plan.drift
        ],
        "refused": [
            {"email": show_email(r.email) or None, "rule": r.rule, "reason": r.reason}
            for r in plan.refused
        ],
        "notes": list(plan.notes),
        "applied": None,
    }
    if report is not None:
        document["applied"] = {
            "rounds": [p.plan_id for p in report.plans],
            "outcomes": [
                {
                    "plan_id": outcome.plan_id,
                    "number": outcome.step.number,
                    "action": outcome.step.action.value,
                    "folder": _folder(plan, outcome.step.path),
                    "email": show_email(outcome.step.email) or None,
                    "result": outcome.result.value,
                    "detail": outcome.detail,
                }
                for outcome in report.outcomes
            ],
            "verified": report.verified,
            "failed": len(report.failed),
            "remaining": [step_document(plan, s) for s in report.verification.steps],
        }
    return document


def _add(table: Table, *cells: str) -> None:
    """A row whose text is shown as it is (a group named ``[red]x`` is not markup)."""
    table.add_row(*(escape(cell) for cell in cells))


def _role(step: Step) -> str:
    return step.role or ""


def render_plan(plan: Plan, report: ApplyReport | None, fmt: str, console: Console) -> None:
    plan, report = neutralise((plan, report))
    if fmt == "json":
        console.file.write(json.dumps(plan_document(plan, report), indent=2) + "\n")
        return
    title = f"{plan.mode.value} {plan.inspection_id}: plan {plan.plan_id}"
    console.print(f"[bold]{title}[/bold] (as of {plan.as_of:%a %d %b %Y %H:%M %Z})")
    console.print(
        f"folder {plan.root_path}/; partnership access {plan.access_from:%d %b %Y %H:%M} "
        f"to {plan.access_until:%d %b %Y %H:%M}"
    )
    for refusal in plan.refused:
        who = f"{show_email(refusal.email)}: " if refusal.email else ""
        rule = f" [{refusal.rule}]" if refusal.rule else ""
        console.print(f"[red]refused[/red] {escape(f'{who}{refusal.reason}{rule}')}")
    if plan.refused:
        console.print("nothing will be changed")
    elif plan.steps:
        table = Table("#", "action", "folder", "who", "role", "reason", title="steps")
        for step in plan.steps:
            _add(
                table,
                str(step.number),
                step.action.value,
                _folder(plan, step.path),
                step.who,
                _role(step),
                step.reason,
            )
        console.print(table)
    else:
        console.print("no changes needed")
    if plan.drift:
        table = Table("folder", "access", "who", "rule", "why", title="drift (not in the policy)")
        for d in plan.drift:
            _add(table, _folder(plan, d.path), d.what, d.who, d.rule, d.why)
        console.print(table)
        removing = [
            d for d in plan.drift if any(d.permission_id in s.permission_ids for s in plan.steps)
        ]
        if not removing:
            command = (
                plan.mode.value if plan.mode in (Mode.PROVISION, Mode.OFFBOARD) else "provision"
            )
            console.print(
                f"drift is removed only when asked: spcheck {command} {plan.inspection_id} "
                "--apply --remove-drift"
            )
    for note in plan.notes:
        console.print(f"note: {escape(note)}")
    if report is None:
        if plan.steps and not plan.refused:
            console.print(f"{len(plan.steps)} step(s); nothing changed: run again with --apply")
        return
    _render_outcomes(plan, report, console)


def _render_outcomes(plan: Plan, report: ApplyReport, console: Console) -> None:
    if report.outcomes:
        table = Table("plan", "#", "action", "folder", "who", "result", "detail", title="applied")
        for outcome in report.outcomes:
            _add(
                table,
                outcome.plan_id,
                str(outcome.step.number),
                outcome.step.action.value,
                _folder(plan, outcome.step.path),
                outcome.step.who,
                outcome.result.value,
                outcome.detail,
            )
        console.print(table)
    if report.failed:
        console.print(
            f"[red]failed[/red]: {len(report.failed)} step(s) refused by Graph, nothing made "
            f"for them; see {INVITATION_RUNBOOK}"
        )
    if report.verified:
        console.print("verified: a fresh read matches the plan")
    else:
        console.print(
            f"[red]not verified[/red]: {len(report.verification.steps)} change(s) still needed"
        )


# --- audit log ----------------------------------------------------------------------------------


def _masked_json(text: str) -> Any:
    """An audit before/after value with emails and permission ids masked."""
    try:
        value = json.loads(text)
    except ValueError:
        return None

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: (
                    show_email(item)
                    if key == "email" and isinstance(item, str)
                    else mask(item)
                    if key == "id" and isinstance(item, str) and node.get("kind")
                    else walk(item)
                )
                for key, item in node.items()
            }
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(value)


def audit_document(
    entries: Sequence[AuditEntry],
    inspection_id: str | None,
    pending: Sequence[Intent] = (),
) -> dict[str, Any]:
    return {
        "schema": AUDIT_SCHEMA,
        "inspection_id": inspection_id,
        # Changes recorded before they were made whose outcome no run has recorded yet.
        "pending": [
            {
                "intent": intent.id,
                "kind": intent.kind,
                "opened_at": intent.opened_at.isoformat(),
                "plan_id": intent.entry.plan_id,
                "inspection_id": intent.inspection_id,
                "step": intent.entry.step,
                "action": intent.entry.action,
                "path": intent.entry.path,
                "email": show_email(intent.entry.email) or None,
                "actor": intent.entry.actor,
                "before": _masked_json(intent.entry.before),
            }
            for intent in pending
        ],
        "entries": [
            {
                "id": entry.id,
                "at": entry.at.isoformat(),
                "plan_id": entry.plan_id,
                "inspection_id": entry.inspection_id,
                "step": entry.step,
                "action": entry.action,
                "path": entry.path,
                "email": show_email(entry.email) or None,
                "actor": entry.actor,
                "requested_by": redact_optional(entry.requested_by),
                "result": entry.result.value,
                "detail": entry.detail,
                "before": _masked_json(entry.before),
                "after": _masked_json(entry.after),
            }
            for entry in entries
        ],
    }


def render_audit(
    entries: Sequence[AuditEntry],
    inspection_id: str | None,
    fmt: str,
    console: Console,
    pending: Sequence[Intent] = (),
) -> None:
    entries, pending = neutralise((tuple(entries), tuple(pending)))
    if fmt == "json":
        document = audit_document(entries, inspection_id, pending)
        console.file.write(json.dumps(document, indent=2) + "\n")
        return
    if pending:
        table = Table(
            "since",
            "inspection",
            "plan",
            "#",
            "action",
            "target",
            "actor",
            title="pending: recorded before the change, outcome not recorded yet "
            "(the next provision or check reads it back)",
        )
        for intent in pending:
            draft = intent.entry
            target = " ".join(part for part in (draft.path, show_email(draft.email)) if part)
            _add(
                table,
                f"{intent.opened_at:%Y-%m-%d %H:%M:%S %Z}",
                draft.inspection_id,
                draft.plan_id,
                str(draft.step),
                draft.action,
                target,
                draft.actor,
            )
        console.print(table)
    if not entries:
        where = f" for {inspection_id}" if inspection_id else ""
        console.print(f"no audit entries{where}")
        return
    table = Table(
        "time", "inspection", "plan", "#", "action", "target", "result", "detail", "by", "actor"
    )
    for entry in entries:
        target = " ".join(part for part in (entry.path, show_email(entry.email)) if part)
        _add(
            table,
            f"{entry.at:%Y-%m-%d %H:%M:%S %Z}",
            entry.inspection_id,
            entry.plan_id,
            str(entry.step),
            entry.action,
            target,
            entry.result.value,
            entry.detail,
            redact(entry.requested_by or ""),
            entry.actor,
        )
    console.print(table)
