"""Azure Functions entry (v2 Python programming model): three thin triggers over
spcheck.azure.handlers, where the logic and its tests live.

- ``check_timer`` (SPCHECK_SCHEDULE): one queue message per active inspection;
- ``check_inspection`` (queue SPCHECK_QUEUE): one check cycle, reports to blobs;
- ``access`` (POST /api/access, function key): plan or apply a grant or revoke, or
  accept a finding (or withdraw an acceptance).

Deployment, settings and monitoring: runbooks/deploy-azure-function.md.
"""

from __future__ import annotations

import azure.functions as func

from spcheck.azure import handlers

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
