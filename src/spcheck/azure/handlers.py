"""The logic of the Function's triggers, as plain functions over a ``Runtime``.

- ``handle_timer``: one queue message per active inspection (see active.py);
  the per-inspection fan-out is what lets the Functions host scale out. While
  change notifications are live, an inspection checked less than
  SPCHECK_SAFETY_NET_MINUTES ago is left to them (``notify.schedule``): the timer
  is then the safety net, and becomes the only trigger again when they stop.
- ``handle_queue``: one check cycle for the message's inspection, reports to
  blobs, the run recorded in the store's check history. A message that no
  retry can fix (malformed, an unknown inspection, a definition that does not
  load) is recorded in the audit log (action ``check_rejected``, result
  ``skipped``) and dropped: the handler returns normally. A failure reaching
  Graph, the store or the container raises, so the host retries the message
  (``maxDequeueCount`` in host.json) and then moves it to the poison queue.
- ``handle_access``: an access request over HTTP (see access.py), or a finding accepted
  or its acceptance withdrawn (see acceptance.py).
- the change-notification triggers (receiver, wake worker, subscription timer)
  are in ``azure.notify``, on the same ``Runtime``.

Handlers are synchronous: the Python worker runs them on its thread pool, and
each makes its own event loop for the Graph SDK (one ``asyncio.run`` per call).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spcheck.azure.acceptance import parse_acceptance_request, run_acceptance, wants_acceptance
from spcheck.azure.access import Requester, StoreFactory, error, parse_access_request, run_access
from spcheck.azure.active import split_active
from spcheck.azure.blobs import latest_report_name
from spcheck.azure.interface import (
    BadMessage,
    BadRequest,
    CheckMessage,
    Enqueuer,
    QueueOutcome,
    ReportSink,
    TimerOutcome,
)
from spcheck.azure.messages import decode, loose_inspection_id
from spcheck.azure.settings import FunctionSettings
from spcheck.commands.provision import GatewayFactory
from spcheck.domain.policy import Policy
from spcheck.errors import ConfigError, InputError
from spcheck.graph.interface import Gateway
from spcheck.loader import (
    LoadedInspection,
    definition_files,
    find_inspection,
    load_inspection,
    load_policies,
    policies_dir,
)
from spcheck.notify.interface import WakeQueue
from spcheck.notify.schedule import notifications_live, safety_net_due
from spcheck.settings import Settings, load_settings
from spcheck.store.factory import open_store
from spcheck.store.records import AuditEntry, AuditResult

if TYPE_CHECKING:
    import azure.functions as func

log = logging.getLogger(__name__)

QUEUE_ACTOR = "function:spcheck (queue)"
REJECTED = "check_rejected"


def _build_gateway(settings: Settings) -> Gateway:
    from spcheck.graph.client import build_gateway

    # SPCHECK_AUTH=auto picks the managed identity in Azure (IDENTITY_ENDPOINT is set there).
    return build_gateway(settings)


def _queue(function: FunctionSettings) -> Enqueuer:
    from spcheck.azure.messages import StorageQueue

    return StorageQueue(function.storage, function.queue)


def _wake_queue(function: FunctionSettings) -> WakeQueue:
    from spcheck.azure.wakes import StorageWakeQueue

    return StorageWakeQueue(function.storage, function.notify_queue)


def _reports(function: FunctionSettings) -> ReportSink:
    from spcheck.azure.blobs import BlobReports

    return BlobReports(function.storage, function.reports_container)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Runtime:
    """Where a handler gets its settings, clock and adapters; tests replace any of them."""

    settings: Callable[[], Settings] = load_settings
    function_settings: Callable[[], FunctionSettings] = FunctionSettings.from_env
    gateway_factory: GatewayFactory = _build_gateway
    store_factory: StoreFactory = open_store
    queue_factory: Callable[[FunctionSettings], Enqueuer] = _queue
    reports_factory: Callable[[FunctionSettings], ReportSink] = _reports
    wake_queue_factory: Callable[[FunctionSettings], WakeQueue] = _wake_queue
    now: Callable[[], dt.datetime] = field(default=_utc_now)


# --- timer --------------------------------------------------------------------------------------


def _load_definitions(settings: Settings) -> tuple[list[LoadedInspection], list[str]]:
    """Every definition that loads, and the files that do not (one bad file stops no other)."""
    policies = load_policies(policies_dir(settings.policies))
    paths = definition_files(settings.inspections)
    stems = [path.stem for path in paths]
    loaded: list[LoadedInspection] = []
    invalid: list[str] = []
    for path in paths:
        if stems.count(path.stem) > 1:
            log.error("inspection %s is defined more than once (%s); not checked", path.stem, path)
            invalid.append(str(path))
            continue
        try:
            loaded.append(load_inspection(path, policies))
        except InputError as wrong:
            log.error("definition not checked: %s", wrong)
            invalid.append(str(path))
    return loaded, invalid


def handle_timer(timer: func.TimerRequest | None, runtime: Runtime) -> TimerOutcome:
    """Enqueue one check message per active inspection."""
    settings = runtime.settings()
    function = runtime.function_settings()
    if timer is not None and timer.past_due:
        log.warning("the check timer is running late (past due)")
    now = runtime.now()
    loaded, invalid = _load_definitions(settings)
    active, inactive = split_active(loaded, now, function.active_weeks_after)
    due, resting = _safety_net(runtime, settings, active, now)
    messages = [CheckMessage(inspection=a.inspection.id, enqueued_at=now) for a in due]
    runtime.queue_factory(function).send(messages)
    outcome = TimerOutcome(
        enqueued=tuple(m.inspection for m in messages),
        inactive=tuple(i.inspection.id for i in inactive),
        invalid=tuple(invalid),
        resting=tuple(i.inspection.id for i in resting),
    )
    log.info(
        "enqueued %d active inspection(s) on %s: %s; %d left to change notifications, "
        "%d inactive, %d invalid",
        len(outcome.enqueued),
        function.queue,
        ", ".join(outcome.enqueued) or "none",
        len(outcome.resting),
        len(outcome.inactive),
        len(outcome.invalid),
    )
    return outcome


def _safety_net(
    runtime: Runtime, settings: Settings, active: list[LoadedInspection], now: dt.datetime
) -> tuple[list[LoadedInspection], list[LoadedInspection]]:
    """(due, resting): the inspections this run checks, and those notifications cover."""
    interval = dt.timedelta(minutes=settings.safety_net_minutes)
    with runtime.store_factory(settings.state) as store:
        live = notifications_live(store.drive_subscriptions(), now)
        due: list[LoadedInspection] = []
        resting: list[LoadedInspection] = []
        for loaded in active:
            last = store.last_run(loaded.inspection.id) if live else None
            checked = last.generated_at if last is not None else None
            (due if safety_net_due(live, checked, now, interval) else resting).append(loaded)
    return due, resting


# --- queue --------------------------------------------------------------------------------------


def _message_parts(message: func.QueueMessage | bytes | str) -> tuple[bytes, str, int]:
    if isinstance(message, str):
        return message.encode("utf-8"), "", 1
    if isinstance(message, bytes):
        return message, "", 1
    return message.get_body(), message.id or "", message.dequeue_count or 1


def _policies(settings: Settings) -> dict[str, Policy]:
    """The policies, and a check that the definitions directory exists: without either, every
    message fails alike, so this raises (the host retries, then poisons) instead of rejecting."""
    if not settings.inspections.is_dir():
        raise ConfigError(f"SPCHECK_INSPECTIONS: {settings.inspections} is not a directory")
    return load_policies(policies_dir(settings.policies))


def _reject(
    runtime: Runtime,
    settings: Settings,
    body: bytes,
    message_id: str,
    dequeue_count: int,
    reason: str,
) -> QueueOutcome:
    inspection = loose_inspection_id(body)
    entry = AuditEntry(
        plan_id=f"queue-{message_id[:64]}" if message_id else "queue",
        inspection_id=inspection or "(unknown)",
        step=0,
        action=REJECTED,
        actor=QUEUE_ACTOR,
        at=runtime.now(),
        result=AuditResult.SKIPPED,
        detail=f"queue message rejected, not retried: {reason} (delivery {dequeue_count})",
    )
    with runtime.store_factory(settings.state) as store:
        store.append(entry)
    log.warning("queue message %s rejected and not retried: %s", message_id or "?", reason)
    return QueueOutcome(inspection=inspection, rejected=reason)


def handle_queue(message: func.QueueMessage | bytes | str, runtime: Runtime) -> QueueOutcome:
    """Check one inspection; reject (record, return) what retrying cannot fix."""
    from spcheck.service import CycleOptions, CycleOutcome, run_cycle

    body, message_id, dequeue_count = _message_parts(message)
    settings = runtime.settings()
    function = runtime.function_settings()
    policies = _policies(settings)
    try:
        check = decode(body)
        loaded = load_inspection(find_inspection(settings.inspections, check.inspection), policies)
    except (BadMessage, InputError) as wrong:
        return _reject(runtime, settings, body, message_id, dequeue_count, str(wrong))
    # Replaying a past day must not alert anyone about today (as `spcheck check --as-of`).
    latest = latest_report_name(check.inspection, ".html")
    options = CycleOptions(
        as_of=check.as_of,
        alerts=check.as_of is None,
        report_at=f"{latest} in the storage container {function.reports_container}",
    )

    async def cycle() -> CycleOutcome:
        async with runtime.gateway_factory(settings) as gateway:
            with runtime.store_factory(settings.state) as store:
                return await run_cycle(
                    gateway, store, [loaded], settings, options=options, now=runtime.now
                )

    outcome = asyncio.run(cycle())
    if outcome.reconciled.line():
        log.warning("%s: %s", check.inspection, outcome.reconciled.line())
    report = outcome.report
    blobs = runtime.reports_factory(function).write_report(check.inspection, report)
    status = report.inspections[0].status if report.inspections else None
    summary = report.summary
    log.info(
        "checked %s: %s, %d error(s), %d warning(s); report in %s",
        check.inspection,
        status,
        summary.errors,
        summary.warnings,
        function.reports_container,
    )
    return QueueOutcome(inspection=check.inspection, status=status, blobs=blobs)


# --- HTTP ---------------------------------------------------------------------------------------


def _json_response(status: int, body: dict[str, object]) -> func.HttpResponse:
    import azure.functions as func

    return func.HttpResponse(
        json.dumps(body, indent=2, ensure_ascii=False),
        status_code=status,
        mimetype="application/json",
        charset="utf-8",
    )


def handle_access(request: func.HttpRequest, runtime: Runtime) -> func.HttpResponse:
    """POST /api/access: plan or apply a grant or revoke, or accept or withdraw the
    acceptance of a finding; JSON in, JSON out."""
    body = request.get_body()
    if wants_acceptance(body):
        return _handle_acceptance(body, request, runtime)
    try:
        parsed = parse_access_request(body)
    except BadRequest as wrong:
        response = error(400, "bad_request", str(wrong))
        return _json_response(response.status, response.body)
    try:
        settings = runtime.settings()
        function = runtime.function_settings()
    except ConfigError as wrong:
        response = error(500, "configuration", str(wrong))
        return _json_response(response.status, response.body)
    result = run_access(
        parsed,
        settings=settings,
        gateway_factory=runtime.gateway_factory,
        store_factory=runtime.store_factory,
        now=runtime.now,
        requester=Requester.from_headers(dict(request.headers)),
        reports=runtime.reports_factory(function),
    )
    return _json_response(result.status, result.body)


def _handle_acceptance(
    body: bytes, request: func.HttpRequest, runtime: Runtime
) -> func.HttpResponse:
    try:
        parsed = parse_acceptance_request(body)
    except BadRequest as wrong:
        response = error(400, "bad_request", str(wrong))
        return _json_response(response.status, response.body)
    try:
        settings = runtime.settings()
    except ConfigError as wrong:
        response = error(500, "configuration", str(wrong))
        return _json_response(response.status, response.body)
    result = run_acceptance(
        parsed,
        settings=settings,
        store_factory=runtime.store_factory,
        now=runtime.now,
        requester=Requester.from_headers(dict(request.headers)),
    )
    return _json_response(result.status, result.body)
