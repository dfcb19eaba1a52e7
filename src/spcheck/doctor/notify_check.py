"""The doctor's change-notification check: with SPCHECK_NOTIFY_URL set, a subscription of
spcheck's own for the drive, made and deleted at once.

Making one is the only way to prove what the first subscription timer run needs: that
Graph reaches the endpoint from the internet and gets the validation token back (its
handshake, before it answers the request), and that the tenant lets this app subscribe
with its permissions. The subscription lives for an hour at most, and doctor deletes it
as soon as Graph has made it; a notification it brings meanwhile is a check cycle sooner.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from spcheck.doctor.graph_checks import Found, graph_failure
from spcheck.doctor.interface import CheckResult, failed, passed, skipped, warned
from spcheck.errors import SpcheckError
from spcheck.graph.gateway import GraphGateway
from spcheck.graph.interface import GraphError
from spcheck.settings import Settings

RUNBOOK = "runbooks/subscriptions.md"
# Long enough that no clock between here and Graph makes it already past.
LIFETIME = timedelta(hours=1)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


async def check_notify(
    gateway: GraphGateway, settings: Settings, found: Found, *, now: datetime | None = None
) -> CheckResult:
    if settings.notify_url is None and settings.notify_secret is None:
        return skipped(
            "notify",
            "change notifications are not configured (SPCHECK_NOTIFY_URL): spcheck checks "
            "on its schedule alone",
        )
    from spcheck.notify.upkeep import notify_config

    try:
        config = notify_config(settings)
    except SpcheckError as error:
        return failed("notify", str(error), "set it as the runbook shows", f"{RUNBOOK}#set-up")
    if found.drive is None:
        return skipped("notify", "needs the drive check to pass")
    expires = (now or datetime.now(UTC)) + LIFETIME
    try:
        made = await gateway.create_subscription(
            found.drive.id, config.url, config.client_state, expires, security=config.security
        )
    except GraphError as error:
        code = f" {error.code}" if error.code else ""
        if error.status == 400:
            return failed(
                "notify",
                f"Graph could not validate {config.shown_url} (HTTP 400{code}): the endpoint "
                "did not answer its handshake",
                "check the URL and its function key, and that the endpoint is running and "
                "reachable from the internet; the runbook shows how to call it yourself",
                f"{RUNBOOK}#when-graph-refuses",
            )
        if error.status == 403:
            return warned(
                "notify",
                f"Graph refused change notifications for this app (HTTP 403{code}): spcheck "
                "will check on its schedule alone",
                "nothing is lost; the runbook says which permission the tenant may want",
                f"{RUNBOOK}#when-graph-refuses",
            )
        return graph_failure("notify", error, "making a test subscription")
    try:
        await gateway.delete_subscription(made.id)
    except GraphError:
        return warned(
            "notify",
            f"Graph validated {config.shown_url} and made a test subscription, which could "
            f"not be deleted: it ends by itself at {_when(made.expires_at)}",
            "nothing to do; run doctor again to see the delete work",
            f"{RUNBOOK}#set-up",
        )
    return passed(
        "notify",
        f"Graph validated {config.shown_url} and made a subscription for the drive "
        "(deleted again)",
    )
