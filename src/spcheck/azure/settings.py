"""The Function's own settings, beside spcheck's SPCHECK_* ones (spcheck.settings).

- ``SPCHECK_SCHEDULE``: NCRONTAB schedule of the timer, six fields, in the Function's
  time zone (WEBSITE_TIME_ZONE); default ``0 */30 8-18 * * 1-5``;
- ``SPCHECK_QUEUE``: the queue of per-inspection check messages; default
  ``spcheck-inspections``;
- ``SPCHECK_REPORTS_CONTAINER``: the private blob container for reports and audit
  exports; default ``spcheck-reports``;
- ``SPCHECK_ACTIVE_WEEKS_AFTER``: weeks after the access window ends that an
  inspection is still checked; default 4;
- ``SPCHECK_NOTIFY_QUEUE``: the queue of drive wakes made from change notifications;
  default ``spcheck-notifications``;
- ``SPCHECK_SUBSCRIPTIONS_SCHEDULE``: NCRONTAB schedule of the subscription timer
  (create, renew, recreate); default ``0 7 */6 * * *`` (every six hours);
- ``AzureWebJobsStorage``: the Function's storage account (queue and reports); required.

The schedules and queues are also named in function_app.py's decorators as
``%SPCHECK_SCHEDULE%``, ``%SPCHECK_QUEUE%``, ``%SPCHECK_NOTIFY_QUEUE%`` and
``%SPCHECK_SUBSCRIPTIONS_SCHEDULE%``: the Functions host resolves them from the app
settings, so all four must be set there (the deploy runbook does).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from spcheck.errors import ConfigError
from spcheck.store.azure_connection import StorageConnection, parse_connection

DEFAULT_SCHEDULE = "0 */30 8-18 * * 1-5"
DEFAULT_QUEUE = "spcheck-inspections"
DEFAULT_CONTAINER = "spcheck-reports"
DEFAULT_ACTIVE_WEEKS_AFTER = 4
DEFAULT_NOTIFY_QUEUE = "spcheck-notifications"
DEFAULT_SUBSCRIPTIONS_SCHEDULE = "0 7 */6 * * *"
STORAGE_VARIABLE = "AzureWebJobsStorage"

# Queue and container names: 3-63 lowercase letters, digits and single hyphens.
_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?]+$")


@dataclass(frozen=True, slots=True)
class FunctionSettings:
    storage: StorageConnection = field(repr=False)
    schedule: str = DEFAULT_SCHEDULE
    queue: str = DEFAULT_QUEUE
    reports_container: str = DEFAULT_CONTAINER
    active_weeks_after: int = DEFAULT_ACTIVE_WEEKS_AFTER
    notify_queue: str = DEFAULT_NOTIFY_QUEUE
    subscriptions_schedule: str = DEFAULT_SUBSCRIPTIONS_SCHEDULE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FunctionSettings:
        """Read and check the settings; a bad one is a ConfigError naming its variable."""
        env = os.environ if environ is None else environ
        storage_text = env.get(STORAGE_VARIABLE, "").strip()
        if not storage_text:
            raise ConfigError(
                f"{STORAGE_VARIABLE}: not set; expected the connection string of the "
                "Function's storage account"
            )
        schedule = _schedule(env, "SPCHECK_SCHEDULE", DEFAULT_SCHEDULE)
        renewals = _schedule(env, "SPCHECK_SUBSCRIPTIONS_SCHEDULE", DEFAULT_SUBSCRIPTIONS_SCHEDULE)
        queue = env.get("SPCHECK_QUEUE", "").strip() or DEFAULT_QUEUE
        notify_queue = env.get("SPCHECK_NOTIFY_QUEUE", "").strip() or DEFAULT_NOTIFY_QUEUE
        container = env.get("SPCHECK_REPORTS_CONTAINER", "").strip() or DEFAULT_CONTAINER
        if notify_queue == queue:
            raise ConfigError(
                "SPCHECK_NOTIFY_QUEUE: must differ from SPCHECK_QUEUE (wakes and check "
                "messages are read by different functions)"
            )
        for variable, name in (
            ("SPCHECK_QUEUE", queue),
            ("SPCHECK_NOTIFY_QUEUE", notify_queue),
            ("SPCHECK_REPORTS_CONTAINER", container),
        ):
            if not _NAME.match(name):
                raise ConfigError(
                    f"{variable}: {name!r} is not a valid name; expected 3-63 lowercase "
                    "letters, digits and single hyphens"
                )
        weeks_text = env.get("SPCHECK_ACTIVE_WEEKS_AFTER", "").strip()
        try:
            weeks = int(weeks_text) if weeks_text else DEFAULT_ACTIVE_WEEKS_AFTER
        except ValueError:
            weeks = -1
        if not 0 <= weeks <= 104:
            raise ConfigError("SPCHECK_ACTIVE_WEEKS_AFTER: expected a whole number of weeks, 0-104")
        return cls(
            storage=parse_connection(storage_text, STORAGE_VARIABLE),
            schedule=schedule,
            queue=queue,
            reports_container=container,
            active_weeks_after=weeks,
            notify_queue=notify_queue,
            subscriptions_schedule=renewals,
        )


def _schedule(env: Mapping[str, str], variable: str, default: str) -> str:
    schedule = env.get(variable, "").strip() or default
    fields = schedule.split()
    if len(fields) != 6 or not all(_CRON_FIELD.match(f) for f in fields):
        raise ConfigError(
            f"{variable}: expected six NCRONTAB fields "
            f"(second minute hour day month weekday), e.g. {default!r}"
        )
    return schedule
