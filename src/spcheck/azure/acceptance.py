"""Accepting findings over HTTP: the same request, checks, audit and answers as
`spcheck accept` and `spcheck unaccept`, on the access trigger (``POST /api/access``),
authorised as grants are (the function key; App Service authentication when it is on).

Body: ``{"inspection": id, "action": "accept"|"unaccept", "rule": id, "path": "...",
"location": "...", "reason": "..." (accept), "until": "YYYY-MM-DD" (accept, optional),
"by": "..." (optional)}``. Who accepts is the signed-in principal when App Service
authentication reports one (a ``by`` in the body cannot override it), else ``by``, else
the Function's SPCHECK_OPERATOR. Answers (errors as ``{"error": {"code", "message"}}``):

- 200: ``{"accepted": [...]}`` or ``{"withdrawn": [...]}``, each with its rule, path,
  location, until and by;
- 400 ``bad_request``: not JSON, unknown keys, a bad field, no such open finding (or
  acceptance), a date out of range, nobody named;
- 400 ``refused``: the policy never lets that finding be accepted (audited as skipped);
- 404 ``not_found``: no definition for that inspection;
- 500 ``configuration``: the Function's settings, policy or definitions are wrong;
- 503 ``unavailable``: the state store failed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from spcheck.azure.access import (
    MAX_BODY_BYTES,
    AccessResponse,
    Requester,
    StoreFactory,
    error,
    read_request,
)
from spcheck.azure.interface import BadRequest
from spcheck.commands.accept import (
    END_OF_DAY,
    MAX_REASON,
    AcceptRequest,
    Selector,
    accept,
    selector,
    unaccept,
)
from spcheck.commands.operator import one_line, parse_moment
from spcheck.domain.acceptance import Acceptance
from spcheck.errors import InputError, PolicyRefusal, ServiceUnavailable, SpcheckError
from spcheck.loader import definition_files, find_inspection, load_inspection, load_policies
from spcheck.loader import policies_dir as resolve_policies
from spcheck.settings import Settings
from spcheck.writeahead.reconcile import settle_in_store

log = logging.getLogger(__name__)

ACTIONS = frozenset({"accept", "unaccept"})
_KEYS = frozenset({"inspection", "action", "rule", "path", "location", "reason", "until", "by"})


@dataclass(frozen=True, slots=True)
class AcceptanceRequest:
    inspection: str
    action: str
    select: Selector
    reason: str = ""
    until: dt.datetime | None = None
    by: str | None = None


def wants_acceptance(body: bytes) -> bool:
    """Whether an access-trigger body asks to accept or unaccept (else it is a grant)."""
    if len(body) > MAX_BODY_BYTES:
        return False
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and data.get("action") in ACTIONS


def _text(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{name}: expected a string")
    return value


def parse_acceptance_request(body: bytes) -> AcceptanceRequest:
    """The body's shape, then every field exactly as the CLI checks it."""
    data, inspection = read_request(body, _KEYS)
    action = data.get("action")
    if action not in ACTIONS:
        raise BadRequest("action: expected accept or unaccept")
    rule = _text(data, "rule")
    if rule is None:
        raise BadRequest("rule: expected a rule id")
    reason, until = _text(data, "reason"), _text(data, "until")
    if action == "unaccept" and (reason is not None or until is not None):
        raise BadRequest("reason and until: only for accept")
    try:
        # The CLI's own checks and messages (--reason: ..., --until: ...).
        select = selector(rule, _text(data, "path"), _text(data, "location"))
        by = _text(data, "by")
        return AcceptanceRequest(
            inspection=inspection,
            action=action,
            select=select,
            reason=one_line(reason, "--reason", MAX_REASON) if action == "accept" else "",
            until=parse_moment(until, "--until", day_time=END_OF_DAY) if until else None,
            by=one_line(by, "--by", 200) if by is not None else None,
        )
    except InputError as refused:
        raise BadRequest(str(refused)) from None


def _who(request: AcceptanceRequest, requester: Requester | None, settings: Settings) -> str:
    if requester is not None and requester.name:
        return requester.name[:200]
    if request.by:
        return request.by
    if settings.operator:
        return settings.operator
    raise BadRequest("by: say who accepts (or sign in, or set SPCHECK_OPERATOR)")


def _shown(acceptance: Acceptance) -> dict[str, Any]:
    return {
        "rule": acceptance.rule,
        "path": acceptance.path,
        "location": acceptance.location,
        "until": acceptance.until.isoformat(),
        "by": acceptance.by,
    }


def run_acceptance(
    request: AcceptanceRequest,
    *,
    settings: Settings,
    store_factory: StoreFactory,
    now: Callable[[], dt.datetime],
    requester: Requester | None = None,
) -> AccessResponse:
    """Accept or withdraw; every outcome as a response."""
    try:
        if not any(p.stem == request.inspection for p in definition_files(settings.inspections)):
            return error(404, "not_found", f"inspection {request.inspection!r}: no definition")
        policies = load_policies(resolve_policies(settings.policies))
        definition = find_inspection(settings.inspections, request.inspection)
        loaded = load_inspection(definition, policies)
    except InputError as wrong:
        # The request was valid: what is wrong is on the server (settings, policy, definition).
        return error(500, "configuration", str(wrong))
    try:
        who = _who(request, requester, settings)
        with store_factory(settings.state) as store:
            settled = settle_in_store(store, request.inspection)
            if settled:
                log.warning("%s: %s", request.inspection, settled)
            if request.action == "accept":
                made = accept(
                    AcceptRequest(
                        request.inspection, request.select, request.reason, request.until, who
                    ),
                    loaded=loaded,
                    store=store,
                    now=now(),
                )
                response = AccessResponse(200, {"accepted": [_shown(a) for a in made]})
            else:
                ended = unaccept(request.inspection, request.select, by=who, store=store, now=now())
                response = AccessResponse(200, {"withdrawn": [_shown(a) for a in ended]})
    except BadRequest as wrong:
        response = error(400, "bad_request", str(wrong))
    except PolicyRefusal as refused:
        response = error(400, "refused", str(refused))
    except ServiceUnavailable as failed:
        response = error(503, "unavailable", str(failed))
    except InputError as wrong:
        # No such finding, a date out of range: the request's own fault, not the server's.
        response = error(400, "bad_request", str(wrong))
    except SpcheckError as failed:
        response = error(500, "failed", str(failed))
    outcome = response.body.get("error", {}).get("code", "ok")
    who_asked = requester.describe() if requester else "a function-key caller"
    log.info(
        "%s %s %s by %s: %s %s",
        request.action,
        request.inspection,
        request.select.describe(),
        who_asked,
        response.status,
        outcome,
    )
    return response
