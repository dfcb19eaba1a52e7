"""The Function's change-notification triggers, as plain functions over ``handlers.Runtime``.

- ``handle_notify`` (``POST /api/notify``, function key): Graph's validation handshake
  and its notifications (``notify.receiver``); wakes go on SPCHECK_NOTIFY_QUEUE,
  invisible for the debounce. A missing SPCHECK_NOTIFY_SECRET is a 500
  ``configuration``; a store or queue that fails is a 503, which Graph retries.
- ``handle_wake_message`` (queue SPCHECK_NOTIFY_QUEUE): the wake's work
  (``notify.worker``) for the active inspections, each one's report written to
  blobs as the check queue does. A malformed wake is logged and dropped; a
  failure reaching Graph, the store or the container raises, so the host retries.
- ``handle_subscriptions_timer`` (SPCHECK_SUBSCRIPTIONS_SCHEDULE): the subscription
  kept alive (``notify.upkeep``), a delta run queued after a (re)creation, a
  refusal logged once as a warning. Without SPCHECK_NOTIFY_URL notifications are
  not set up and the timer does nothing: the check timer goes on alone.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING

from spcheck.azure.active import split_active
from spcheck.azure.blobs import latest_report_name
from spcheck.azure.handlers import Runtime, _load_definitions, _message_parts
from spcheck.errors import ConfigError, ServiceUnavailable
from spcheck.notify.interface import BadWake, Wake, WakeKind
from spcheck.notify.messages import decode_wake
from spcheck.notify.receiver import Receiver, send_wake
from spcheck.notify.upkeep import (
    NotifyConfig,
    UpkeepOutcome,
    keep_subscriptions,
    notify_config,
    required_client_state,
)
from spcheck.notify.worker import WakeOutcome, handle_wake
from spcheck.report.interface import Report
from spcheck.service import CycleOptions

if TYPE_CHECKING:
    import azure.functions as func

log = logging.getLogger(__name__)

HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def _error(status: int, code: str, message: str) -> func.HttpResponse:
    import azure.functions as func

    body = json.dumps({"error": {"code": code, "message": message}})
    return func.HttpResponse(
        body, status_code=status, mimetype="application/json", charset="utf-8", headers=HEADERS
    )


def handle_notify(request: func.HttpRequest, runtime: Runtime) -> func.HttpResponse:
    """POST /api/notify: validation handshake or notifications; see notify.receiver."""
    import azure.functions as func

    try:
        settings = runtime.settings()
        function = runtime.function_settings()
        state = required_client_state(settings)
    except ConfigError as wrong:
        log.error("notification endpoint misconfigured: %s", wrong)
        return _error(500, "configuration", str(wrong))
    try:
        with runtime.store_factory(settings.state) as store:
            receiver = Receiver(
                store,
                runtime.wake_queue_factory(function),
                state,
                debounce=settings.notify_debounce,
                now=runtime.now,
            )
            answer = receiver.answer(request.method, dict(request.params), request.get_body())
    except ServiceUnavailable as failed:
        log.error("notifications not taken (Graph will resend them): %s", failed)
        return _error(503, "unavailable", str(failed))
    return func.HttpResponse(
        answer.body, status_code=answer.status, mimetype=answer.media_type, headers=HEADERS
    )


def _config(runtime: Runtime) -> NotifyConfig | None:
    try:
        return notify_config(runtime.settings())
    except ConfigError:
        return None


def handle_wake_message(
    message: func.QueueMessage | bytes | str, runtime: Runtime
) -> WakeOutcome | None:
    """Run one wake; None when the message was malformed (logged, not retried)."""
    body, message_id, dequeue_count = _message_parts(message)
    try:
        wake = decode_wake(body)
    except BadWake as wrong:
        log.warning(
            "wake message %s dropped, not retried: %s (delivery %d)",
            message_id or "?",
            wrong,
            dequeue_count,
        )
        return None
    settings = runtime.settings()
    function = runtime.function_settings()
    config = _config(runtime)
    loaded, _invalid = _load_definitions(settings)
    active, _inactive = split_active(loaded, runtime.now(), function.active_weeks_after)
    latest = latest_report_name("<inspection>", ".html")
    report_at = f"{latest} in the storage container {function.reports_container}"

    async def work() -> WakeOutcome:
        async with runtime.gateway_factory(settings) as gateway:
            with runtime.store_factory(settings.state) as store:
                return await handle_wake(
                    wake,
                    gateway=gateway,
                    store=store,
                    settings=settings,
                    inspections=active,
                    config=config,
                    options=CycleOptions(report_at=report_at),
                    now=runtime.now,
                )

    outcome = asyncio.run(work())
    if outcome.cycle is None:
        log.info("wake %s (%s): nothing to do, %s", message_id, wake.kind.value, outcome.stale)
        return outcome
    report = outcome.cycle.report
    sink = runtime.reports_factory(function)
    for result in report.inspections:
        one = Report(report.generated_at, report.as_of, report.site, (result,))
        sink.write_report(result.id, one)
    return outcome


def handle_subscriptions_timer(
    timer: func.TimerRequest | None, runtime: Runtime
) -> list[UpkeepOutcome]:
    """Keep the drive's subscription alive; queue a delta run after (re)creating it."""
    settings = runtime.settings()
    if settings.notify_url is None:
        log.info("change notifications are not set up (SPCHECK_NOTIFY_URL); nothing to keep")
        return []
    config = notify_config(settings)
    function = runtime.function_settings()
    now = runtime.now()

    async def work() -> list[UpkeepOutcome]:
        async with runtime.gateway_factory(settings) as gateway:
            with runtime.store_factory(settings.state) as store:
                outcomes = await keep_subscriptions(gateway, store, config, now)
                queue = runtime.wake_queue_factory(function)
                for outcome in outcomes:
                    record = outcome.record
                    if outcome.action in ("created", "recreated") and record is not None:
                        assert record.subscription_id is not None
                        wake = Wake(record.drive_id, WakeKind.CHANGED, record.subscription_id, now)
                        send_wake(store, queue, wake, 0.0)
                return outcomes

    outcomes = asyncio.run(work())
    for outcome in outcomes:
        if outcome.refused:
            level = logging.WARNING if outcome.first else logging.INFO
            log.log(level, "%s", outcome.line(config))
        else:
            log.info("%s", outcome.line(config))
    return outcomes
