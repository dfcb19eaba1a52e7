"""Azure Functions entry (v2 Python programming model): thin triggers over spcheck.azure.handlers
and spcheck.azure.notify, where the logic and its tests live.

- ``check_timer`` (SPCHECK_SCHEDULE, default every 30 minutes in working hours): one
  queue message per active inspection. While change notifications are live it is the
  safety net: an inspection checked in the last SPCHECK_SAFETY_NET_MINUTES (default
  120) is left to them; when they stop (refused, expired) every run checks again;
- ``check_inspection`` (queue SPCHECK_QUEUE): one check cycle, reports to blobs;
- ``access`` (POST /api/access, function key): plan or apply a grant or revoke, or
  accept a finding (or withdraw an acceptance);
- ``notify_endpoint`` (POST /api/notify, function key in the notification URL): Graph's
  validation handshake and change notifications, one wake per drive on
  SPCHECK_NOTIFY_QUEUE, invisible for SPCHECK_NOTIFY_DEBOUNCE (default 5 s);
- ``notified_drive`` (queue SPCHECK_NOTIFY_QUEUE): the delta run a wake asks for
  (a full one after a ``missed`` notification), reports to blobs;
- ``subscriptions_timer`` (SPCHECK_SUBSCRIPTIONS_SCHEDULE, default every six hours):
  creates, renews or recreates the drive's subscription.

Deployment, settings and monitoring: runbooks/deploy-azure-function.md; subscriptions:
runbooks/subscriptions.md.
"""

from __future__ import annotations

import azure.functions as func

from spcheck.azure import handlers, notify

app = func.FunctionApp()


@app.timer_trigger(
    schedule="%SPCHECK_SCHEDULE%", arg_name="timer", run_on_startup=False, use_monitor=True
)
def check_timer(timer: func.TimerRequest) -> None:
    handlers.handle_timer(timer, handlers.Runtime())


@app.queue_trigger(
    arg_name="message", queue_name="%SPCHECK_QUEUE%", connection="AzureWebJobsStorage"
)
def check_inspection(message: func.QueueMessage) -> None:
    handlers.handle_queue(message, handlers.Runtime())


@app.route(route="access", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def access(req: func.HttpRequest) -> func.HttpResponse:
    return handlers.handle_access(req, handlers.Runtime())


@app.route(route="notify", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def notify_endpoint(req: func.HttpRequest) -> func.HttpResponse:
    return notify.handle_notify(req, handlers.Runtime())


@app.queue_trigger(
    arg_name="message", queue_name="%SPCHECK_NOTIFY_QUEUE%", connection="AzureWebJobsStorage"
)
def notified_drive(message: func.QueueMessage) -> None:
    notify.handle_wake_message(message, handlers.Runtime())


@app.timer_trigger(
    schedule="%SPCHECK_SUBSCRIPTIONS_SCHEDULE%",
    arg_name="timer",
    run_on_startup=False,
    use_monitor=True,
)
def subscriptions_timer(timer: func.TimerRequest) -> None:
    notify.handle_subscriptions_timer(timer, handlers.Runtime())
