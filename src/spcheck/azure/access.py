"""Access requests over HTTP: the same validation, plan, apply and audit as `spcheck grant`
and `spcheck revoke`, answered as JSON.

Body: ``{"inspection": id, "action": "grant"|"revoke", "emails": [...],
"role": "read"|"write" (grant only, optional), "apply": false}``. Without
``apply`` (or with false) the answer is the plan and nothing changes; with
``apply: true`` the plan is carried out, verified and audited by the same
``Provisioner`` the CLI uses. Answers (errors as ``{"error": {"code", "message"}}``):

- 200: the plan (``spcheck.plan/v1``), and with apply the audit entries written;
- 400 ``bad_request``: not JSON, unknown keys, a bad field, an email the CLI refuses;
- 400 ``refused``: the policy refuses it (outside the allowed domains, not a
  nominated contact or team member, outside the access window or the member's
  window, a folder no policy may give them): nothing changed, nothing audited,
  as with the CLI;
- 404 ``not_found``: no definition for that inspection;
- 500 ``configuration``: the Function's settings, policy or definitions are wrong;
- 503 ``unavailable`` (Graph or the store failed) or ``not_verified`` (applied,
  but a fresh read still differs).

When App Service authentication (Entra) is on, the platform sets
``x-ms-client-principal-name`` / ``-id``; the requester is then the person every
audit entry the request writes names (``requested_by``, beside the app), with
the principal id in its detail. ``apply: true`` from a caller the platform did
not identify is refused (403 ``unidentified``): a change must name who asked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import Any

from spcheck.azure.interface import BadRequest, OutputUnavailable, ReportSink
from spcheck.commands.provision import ROLES, GatewayFactory, actor_for, parse_emails
from spcheck.domain.inspection import INSPECTION_ID
from spcheck.errors import InputError, PolicyRefusal, ServiceUnavailable, SpcheckError
from spcheck.loader import definition_files, find_inspection, load_inspection, load_policies
from spcheck.loader import policies_dir as resolve_policies
from spcheck.provision.engine import Provisioner
from spcheck.provision.interface import (
    Mode,
    NotVerified,
    PlanRefused,
    Request,
    StepsFailed,
    show_email,
)
from spcheck.provision.render import audit_document, plan_document
from spcheck.settings import Settings
from spcheck.store.factory import store_exists
from spcheck.store.records import AuditEntry, AuditLog, Intent, Store
from spcheck.writeahead.reconcile import settle_open

log = logging.getLogger(__name__)

ACTIONS = {"grant": Mode.GRANT, "revoke": Mode.REVOKE}
MAX_BODY_BYTES = 64 * 1024
MAX_EMAILS = 50
_KEYS = frozenset({"inspection", "action", "emails", "role", "apply"})
_ID = re.compile(INSPECTION_ID)

StoreFactory = Callable[[str], Store]


@dataclass(frozen=True, slots=True)
class AccessRequest:
    inspection: str
    mode: Mode
    emails: tuple[str, ...]
    role: str | None = None
    apply: bool = False

    def request(self) -> Request:
        return Request(self.mode, emails=self.emails, role=self.role)


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked, as App Service authentication reports it."""

    name: str | None
    principal_id: str | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Requester | None:
        lowered = {k.lower(): v for k, v in headers.items()}
        name = (lowered.get("x-ms-client-principal-name") or "").strip()[:256] or None
        principal = (lowered.get("x-ms-client-principal-id") or "").strip()[:64] or None
        return cls(name, principal) if (name or principal) else None

    def describe(self) -> str:
        who = show_email(self.name) if self.name else "an unnamed principal"
        return f"{who} (principal {self.principal_id})" if self.principal_id else who

    @property
    def person(self) -> str:
        """Who asked, as the audit log records it: the sign-in name, else the principal id."""
        return self.name or f"principal {self.principal_id}"


@dataclass(frozen=True, slots=True)
class AccessResponse:
    status: int
    body: dict[str, Any]


def error(status: int, code: str, message: str, **extra: Any) -> AccessResponse:
    return AccessResponse(status, {"error": {"code": code, "message": message}, **extra})


# --- the body -----------------------------------------------------------------------------------


def read_request(body: bytes, keys: frozenset[str]) -> tuple[dict[str, Any], str]:
    """A request body's shape: JSON, an object, only ``keys``, and its inspection id."""
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("the body is not JSON") from None
    if not isinstance(data, dict):
        raise BadRequest('the body is not a JSON object like {"inspection": ..., "action": ...}')
    unknown = sorted(set(data) - keys)
    if unknown:
        raise BadRequest(f"unknown key(s): {', '.join(map(repr, unknown[:5]))}")
    inspection = data.get("inspection")
    if not isinstance(inspection, str) or not _ID.match(inspection):
        raise BadRequest("inspection: expected an inspection id ([a-z0-9-]{3,40})")
    return data, inspection


def parse_access_request(body: bytes) -> AccessRequest:
    """Check the body's shape, then the emails and role exactly as the CLI does."""
    data, inspection = read_request(body, _KEYS)
    action = data.get("action")
    if not isinstance(action, str) or action not in ACTIONS:
        raise BadRequest(f"action: expected one of {', '.join(ACTIONS)}")
    emails = data.get("emails")
    if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        raise BadRequest("emails: expected a list of email addresses")
    if len(emails) > MAX_EMAILS:
        raise BadRequest(f"emails: at most {MAX_EMAILS} in one request")
    role = data.get("role")
    if role is not None and (not isinstance(role, str) or action != "grant"):
        raise BadRequest("role: a string, and only for grant")
    apply = data.get("apply", False)
    if not isinstance(apply, bool):
        raise BadRequest("apply: expected true or false")
    try:
        # The CLI's own checks and messages (EMAIL: ..., --role: ...).
        if role is not None and role not in ROLES:
            raise InputError(f"--role: {role!r} is not one of {', '.join(ROLES)}")
        cleaned = parse_emails(emails)
    except InputError as refused:
        raise BadRequest(str(refused)) from None
    return AccessRequest(inspection, ACTIONS[action], cleaned, role, apply)


# --- the audit trail ----------------------------------------------------------------------------


class RequesterAudit(AuditLog):
    """The store's audit log, adding who asked (over HTTP) to each entry's detail.

    An intent's draft carries the note too, so an entry written when a later run
    reads an interrupted change back still says who asked for it.
    """

    def __init__(self, inner: AuditLog, requester: Requester) -> None:
        self._inner = inner
        self._note = f"requested over HTTP by {requester.describe()}"

    def _noted(self, entry: AuditEntry) -> AuditEntry:
        detail = f"{entry.detail}; {self._note}" if entry.detail else self._note
        return replace(entry, detail=detail)

    def append(self, entry: AuditEntry) -> AuditEntry:
        return self._inner.append(self._noted(entry))

    def open_intent(self, intent: Intent) -> Intent:
        return self._inner.open_intent(replace(intent, entry=self._noted(intent.entry)))

    def close_intent(self, intent: Intent, entry: AuditEntry) -> AuditEntry:
        return self._inner.close_intent(intent, self._noted(entry))

    def open_intents(self, inspection_id: str | None = None) -> list[Intent]:
        return self._inner.open_intents(inspection_id)

    def entries(
        self,
        inspection_id: str | None = None,
        *,
        plan_id: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        return self._inner.entries(inspection_id, plan_id=plan_id, limit=limit)


# --- carrying it out ----------------------------------------------------------------------------


def _known(settings: Settings, inspection_id: str) -> bool:
    return any(path.stem == inspection_id for path in definition_files(settings.inspections))


def _entries(store: AuditLog, plan_ids: Iterable[str]) -> list[AuditEntry]:
    found: list[AuditEntry] = []
    for plan_id in dict.fromkeys(plan_ids):
        found.extend(store.entries(plan_id=plan_id))
    return found


def _export(reports: ReportSink, store: Store, inspection_id: str) -> str | None:
    """The audit export after a change; its failure must not hide that the change was made."""
    try:
        return reports.export_audit(inspection_id, store.entries(inspection_id))
    except OutputUnavailable as failed:
        log.warning("access applied and audited, but the audit export failed: %s", failed)
        return None


def run_access(
    request: AccessRequest,
    *,
    settings: Settings,
    gateway_factory: GatewayFactory,
    store_factory: StoreFactory,
    now: Callable[[], dt.datetime],
    requester: Requester | None = None,
    reports: ReportSink | None = None,
) -> AccessResponse:
    """Plan, and with ``apply`` carry out, one access request; every outcome as a response."""
    try:
        if not _known(settings, request.inspection):
            return error(404, "not_found", f"inspection {request.inspection!r}: no definition")
        if request.apply and requester is None:
            response = error(
                403,
                "unidentified",
                "apply: the caller is not identified, and a change must name who asked: turn "
                "on App Service authentication (runbooks/deploy-azure-function.md, the access "
                "endpoint) and call with a signed-in identity; nothing was changed",
            )
            _log(request, response, requester)
            return response
        policies = load_policies(resolve_policies(settings.policies))
        definition = find_inspection(settings.inspections, request.inspection)
        loaded = load_inspection(definition, policies)
        opened: AbstractContextManager[Store | None] = (
            store_factory(settings.state)
            if request.apply or store_exists(settings.state)
            else nullcontext(None)
        )
        with opened as store:
            audit: AuditLog | None = store
            if store is not None and requester is not None:
                audit = RequesterAudit(store, requester)

            async def work() -> AccessResponse:
                async with gateway_factory(settings) as gateway:
                    if store is not None:
                        settled = await settle_open(store, gateway, [loaded.inspection.id])
                        if settled.line():
                            log.warning("access %s: %s", request.inspection, settled.line())
                    provisioner = Provisioner(
                        gateway=gateway,
                        loaded=loaded,
                        root_folder=settings.root_folder,
                        as_of=now(),
                        audit=audit,
                        actor=actor_for(settings, gateway),
                        requested_by=requester.person if requester is not None else None,
                    )
                    first = await provisioner.plan(request.request())
                    plan = first[0]
                    if plan.is_refused:
                        message = str(PlanRefused(plan))
                        return error(400, "refused", message, plan=plan_document(plan))
                    if not request.apply:
                        return AccessResponse(200, {"plan": plan_document(plan)})
                    try:
                        report = await provisioner.apply(request.request(), first)
                    except (NotVerified, StepsFailed) as unfinished:
                        # Graph refused a step (a setting to change) or a fresh read differs.
                        status, code = (
                            (500, "step_failed")
                            if isinstance(unfinished, StepsFailed)
                            else (503, "not_verified")
                        )
                        return error(
                            status,
                            code,
                            str(unfinished),
                            plan=plan_document(plan, unfinished.report),
                        )
                    assert store is not None
                    written = _entries(store, (p.plan_id for p in report.plans))
                    body = {
                        "plan": plan_document(plan, report),
                        "audit": audit_document(written, request.inspection)["entries"],
                    }
                    if reports is not None:
                        body["audit_export"] = _export(reports, store, request.inspection)
                    return AccessResponse(200, body)

            response = asyncio.run(work())
    except PolicyRefusal as refused:
        response = error(400, "refused", str(refused))
    except ServiceUnavailable as failed:
        response = error(503, "unavailable", str(failed))
    except InputError as wrong:
        # The request was valid: what is wrong is on the server (settings, policy, definition).
        response = error(500, "configuration", str(wrong))
    except SpcheckError as failed:
        response = error(500, "failed", str(failed))
    _log(request, response, requester)
    return response


def _log(request: AccessRequest, response: AccessResponse, requester: Requester | None) -> None:
    who = requester.describe() if requester else "a function-key caller"
    people = ", ".join(show_email(e) for e in request.emails)
    outcome = response.body.get("error", {}).get("code", "ok")
    log.info(
        "access %s %s for %s (apply=%s) by %s: %s %s",
        request.mode.value,
        request.inspection,
        people,
        request.apply,
        who,
        response.status,
        outcome,
    )
