"""The subscription per drive: created, renewed before it expires, recreated when it is gone,
reauthorized when Graph asks, and a refusal said once.

``keep_subscriptions`` is what ``spcheck subscribe``, the Function's subscription
timer and ``spcheck serve`` run; ``reauthorize`` and ``recreate`` are what a
lifecycle wake runs. Every outcome is recorded in the state store
(``DriveSubscription``) so the receiver knows the current subscription id.

- Lifetime: 42,300 minutes is Graph's maximum for drive items; spcheck asks for
  five minutes less (clock skew) and renews once fewer than three days remain, so
  a timer every six hours has a dozen chances before expiry.
- Recreated when: the record's subscription has expired or Graph answers 404 to
  the renewal; the notification URL or clientState changed (digests differ); or
  ``--recreate``. The old one is deleted first (a 404 there is fine).
- Refused (Graph answers 400 or 403 to the creation: the tenant does not let the
  app subscribe, or the URL failed the validation handshake): the record keeps
  the reason, ``first`` is True only when it differs from the reason recorded
  before, so a timer says it once; checking goes on with the schedule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from spcheck.errors import ConfigError
from spcheck.graph.interface import Gateway, GraphError, GraphNotFound, SiteDrive
from spcheck.notify.clientstate import client_state, digest, shown_id, shown_url
from spcheck.settings import Settings
from spcheck.store.records import DriveSubscription, Store

log = logging.getLogger(__name__)

LIFETIME = timedelta(minutes=42_300 - 5)
RENEW_BEFORE = timedelta(days=3)
REPLAY_MEMORY = timedelta(hours=24)
RUNBOOK = "runbooks/subscriptions.md"


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    """Where Graph sends notifications and the clientState it sends with them."""

    url: str = field(repr=False)
    client_state: str = field(repr=False)
    security: bool = True

    @property
    def shown_url(self) -> str:
        return shown_url(self.url)

    @property
    def url_digest(self) -> str:
        return digest(self.url)

    @property
    def state_digest(self) -> str:
        return digest(self.client_state)


def required_client_state(settings: Settings, *, secret: str | None = None) -> str:
    """The clientState for SPCHECK_NOTIFY_SECRET (or ``secret``), or a ConfigError."""
    key = settings.notify_secret.get_secret_value().strip() if settings.notify_secret else secret
    if not key:
        raise ConfigError(
            "SPCHECK_NOTIFY_SECRET: not set; expected at least 32 random characters "
            "(the clientState Graph sends back is derived from it)"
        )
    return client_state(key)


def notify_config(
    settings: Settings, *, default_url: str | None = None, secret: str | None = None
) -> NotifyConfig:
    """The notification settings, or a ConfigError naming the missing one."""
    url = settings.notify_url.get_secret_value().strip() if settings.notify_url else default_url
    if not url:
        raise ConfigError(
            "SPCHECK_NOTIFY_URL: not set; expected the https URL of spcheck's notification "
            "endpoint, e.g. https://<app>.azurewebsites.net/api/notify?code=<function key>"
        )
    return NotifyConfig(url=url, client_state=required_client_state(settings, secret=secret))


@dataclass(frozen=True, slots=True)
class UpkeepOutcome:
    """What happened to one drive's subscription."""

    drive_id: str
    action: str  # created, renewed, kept, recreated, reauthorized, refused, removed
    record: DriveSubscription | None
    reason: str | None = None
    first: bool = False  # a refusal not said before

    @property
    def refused(self) -> bool:
        return self.action == "refused"

    def line(self, config: NotifyConfig | None = None) -> str:
        drive = f"drive {shown_id(self.drive_id)}"
        record = self.record
        until = (
            record.expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
            if record is not None and record.expires_at is not None
            else "?"
        )
        ident = shown_id(record.subscription_id) if record and record.subscription_id else "none"
        to = f"; notifications to {config.shown_url}" if config is not None else ""
        if self.action == "refused":
            return (
                f"{drive}: Graph refused change notifications ({self.reason}); spcheck keeps "
                f"checking on its schedule (see {RUNBOOK})"
            )
        if self.action == "removed":
            return f"{drive}: no longer the inspection site's drive; its subscription is deleted"
        why = f" ({self.reason})" if self.reason else ""
        return f"{drive}: {self.action}{why}, subscription {ident} until {until}{to}"


def _expiry(now: datetime) -> datetime:
    # In UTC: added to a Europe/London time, 29 days would move with the clocks.
    return now.astimezone(UTC) + LIFETIME


def _reason(error: GraphError) -> str:
    parts = [f"HTTP {error.status}" if error.status else "no answer"]
    if error.code:
        parts.append(error.code)
    return " ".join(parts)


async def _create(
    gateway: Gateway,
    store: Store,
    site: SiteDrive,
    config: NotifyConfig,
    now: datetime,
    previous: DriveSubscription | None,
    action: str,
    why: str | None = None,
) -> UpkeepOutcome:
    try:
        made = await gateway.create_subscription(
            site.drive_id, config.url, config.client_state, _expiry(now), security=config.security
        )
    except GraphError as refused:
        if refused.status not in (400, 403):
            raise
        reason = _reason(refused)
        record = DriveSubscription(
            drive_id=site.drive_id,
            site_id=site.site_id,
            subscription_id=None,
            expires_at=None,
            checked_at=now,
            url_digest=config.url_digest,
            state_digest=config.state_digest,
            security=config.security,
            refused=reason,
        )
        store.put_drive_subscription(record)
        first = previous is None or previous.refused != reason
        return UpkeepOutcome(site.drive_id, "refused", record, reason, first=first)
    record = DriveSubscription(
        drive_id=site.drive_id,
        site_id=site.site_id,
        subscription_id=made.id,
        expires_at=made.expires_at,
        checked_at=now,
        created_at=now,
        url_digest=config.url_digest,
        state_digest=config.state_digest,
        security=config.security,
    )
    store.put_drive_subscription(record)
    return UpkeepOutcome(site.drive_id, action, record, why)


async def _delete_quietly(gateway: Gateway, subscription_id: str) -> None:
    try:
        await gateway.delete_subscription(subscription_id)
    except GraphError as failed:
        # It expires by itself; its notifications are stale meanwhile and are dropped.
        log.warning("an old subscription could not be deleted: %s", failed)


async def keep_subscription(
    gateway: Gateway,
    store: Store,
    site: SiteDrive,
    config: NotifyConfig,
    now: datetime,
    *,
    recreate: bool = False,
) -> UpkeepOutcome:
    """Make sure the site's drive has a live subscription as configured."""
    now = now.astimezone(UTC)
    record = next((r for r in store.drive_subscriptions() if r.drive_id == site.drive_id), None)
    if record is None or record.subscription_id is None:
        return await _create(gateway, store, site, config, now, record, "created")
    changed = (
        record.url_digest != config.url_digest
        or record.state_digest != config.state_digest
        or record.security != config.security
    )
    if recreate or changed or not record.live(now):
        if record.live(now):
            await _delete_quietly(gateway, record.subscription_id)
        why = (
            "asked to"
            if recreate
            else "the notification URL or clientState changed"
            if changed
            else "it had expired"
        )
        return await _create(gateway, store, site, config, now, record, "recreated", why)
    assert record.expires_at is not None
    if record.expires_at - now > RENEW_BEFORE:
        return UpkeepOutcome(site.drive_id, "kept", record)
    try:
        renewed = await gateway.renew_subscription(record.subscription_id, _expiry(now))
    except GraphNotFound:
        return await _create(
            gateway, store, site, config, now, record, "recreated", "Graph no longer had it"
        )
    record = replace(record, expires_at=renewed.expires_at, checked_at=now)
    store.put_drive_subscription(record)
    return UpkeepOutcome(site.drive_id, "renewed", record)


async def keep_subscriptions(
    gateway: Gateway,
    store: Store,
    config: NotifyConfig,
    now: datetime,
    *,
    recreate: bool = False,
) -> list[UpkeepOutcome]:
    """The site's drive subscribed; subscriptions of drives no longer watched deleted; the
    replay memory pruned."""
    now = now.astimezone(UTC)
    site = await gateway.resolve_site()
    outcomes: list[UpkeepOutcome] = []
    for record in store.drive_subscriptions():
        if record.drive_id == site.drive_id:
            continue
        if record.subscription_id is not None and record.live(now):
            await _delete_quietly(gateway, record.subscription_id)
        store.remove_drive_subscription(record.drive_id)
        outcomes.append(UpkeepOutcome(record.drive_id, "removed", record))
    outcomes.append(await keep_subscription(gateway, store, site, config, now, recreate=recreate))
    store.forget_notifications(now - REPLAY_MEMORY)
    return outcomes


async def reauthorize(
    gateway: Gateway,
    store: Store,
    record: DriveSubscription,
    config: NotifyConfig | None,
    now: datetime,
) -> UpkeepOutcome:
    """Answer ``reauthorizationRequired``: reauthorize, or recreate when Graph lost it."""
    assert record.subscription_id is not None
    try:
        await gateway.reauthorize_subscription(record.subscription_id)
    except GraphNotFound:
        return await recreate(gateway, store, record, config, now, "Graph no longer had it")
    updated = replace(record, checked_at=now)
    store.put_drive_subscription(updated)
    return UpkeepOutcome(record.drive_id, "reauthorized", updated)


async def recreate(
    gateway: Gateway,
    store: Store,
    record: DriveSubscription,
    config: NotifyConfig | None,
    now: datetime,
    why: str,
) -> UpkeepOutcome:
    """A new subscription for the record's drive (after ``subscriptionRemoved`` or a 404)."""
    if config is None:
        raise ConfigError(
            "SPCHECK_NOTIFY_URL and SPCHECK_NOTIFY_SECRET are needed to recreate a subscription"
        )
    site = SiteDrive(site_id=record.site_id, drive_id=record.drive_id)
    return await _create(gateway, store, site, config, now, record, "recreated", why)
