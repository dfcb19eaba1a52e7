"""Change-notification subscriptions on drive roots, and the notifications they make.

The model only: each change in the change log (``_touch``) becomes one
notification per live subscription on that drive, put in ``outbox``; the HTTP
side (``notifier``) takes the outbox and POSTs it. As Graph does for SharePoint:

- only ``drives/{id}/root`` and change type ``updated``; at most 42,300 minutes;
- no resource data: a notification names the subscription and the resource only;
- a change to an item's permissions notifies only subscriptions created with
  ``Prefer: includesecuritywebhooks``;
- an hour before a subscription expires, a ``reauthorizationRequired`` lifecycle
  notification goes to its ``lifecycleNotificationUrl``; if it is neither
  reauthorized nor renewed within ten minutes, its notifications are withheld
  (``paused``) until it is;
- an expired subscription is deleted without a word, as Graph deletes one;
- ``remove_subscription`` (Graph removing one) sends ``subscriptionRemoved`` and
  ``report_missed`` sends ``missed``, for tests of what spcheck does then.

Graph documents ``subscriptionRemoved`` and ``missed`` for Outlook and Teams
resources only; the emulator sends them for drives too so that spcheck's handling
of both is tested (docs/emulator.md says so).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from spcheck.emulator.directory import Directory
from spcheck.emulator.interface import InvalidRequest, ItemNotFound
from spcheck.emulator.model import Delivery, DriveItem, Subscription

MAX_LIFETIME = timedelta(minutes=42_300)
REAUTHORIZE_BEFORE = timedelta(hours=1)
REAUTHORIZE_GRACE = timedelta(minutes=10)
MAX_CLIENT_STATE = 128
LIFECYCLE_EVENTS = ("reauthorizationRequired", "subscriptionRemoved", "missed")
_DRIVE_ROOT = re.compile(r"/?drives/([^/]+)/root/?", re.IGNORECASE)


def timestamp(value: datetime) -> str:
    """Graph's form for subscription times: seven decimals and Z."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


class Subscriptions(Directory):
    """Subscriptions, their lifecycle and the outbox of notifications to send."""

    # creating and managing ----------------------------------------------------

    def check_subscription(
        self,
        *,
        resource: str,
        change_type: str,
        expires: datetime,
        client_state: str | None = None,
    ) -> str:
        """The drive a subscription request names, or the error Graph answers it with."""
        with self.lock:
            matched = _DRIVE_ROOT.fullmatch(resource.strip())
            if matched is None:
                raise InvalidRequest(
                    f"resource '{resource}' is not supported: on SharePoint only the root of a "
                    "drive (drives/{drive-id}/root) can be subscribed to"
                )
            drive_id = matched.group(1)
            self.site_for_drive(drive_id)
            if change_type.strip() != "updated":
                raise InvalidRequest(
                    f"changeType '{change_type}' is not supported: drive root notifications "
                    "support only 'updated'"
                )
            if client_state is not None and len(client_state) > MAX_CLIENT_STATE:
                raise InvalidRequest(f"clientState is longer than {MAX_CLIENT_STATE} characters")
            self._check_expiry(expires)
            return drive_id

    def create_subscription(
        self,
        *,
        resource: str,
        change_type: str,
        notification_url: str,
        expires: datetime,
        client_state: str | None = None,
        lifecycle_url: str | None = None,
        security: bool = False,
        tls_version: str = "v1_2",
    ) -> Subscription:
        """A new subscription (the caller has validated the URLs); Graph's 400/404 otherwise."""
        with self.lock:
            drive_id = self.check_subscription(
                resource=resource,
                change_type=change_type,
                expires=expires,
                client_state=client_state,
            )
            subscription = Subscription(
                id=self.ids.guid("subscription"),
                resource=resource.strip().strip("/"),
                drive_id=drive_id,
                change_type="updated",
                notification_url=notification_url,
                lifecycle_url=lifecycle_url,
                client_state=client_state,
                expires=self._check_expiry(expires),
                created=self.now(),
                application_id=self.app_identity.id,
                creator_id=self.app_identity.id,
                security=security,
                tls_version=tls_version,
            )
            self.subscriptions[subscription.id] = subscription
            return subscription

    def _check_expiry(self, expires: datetime) -> datetime:
        expires = self._aware(expires, "expirationDateTime")
        now = self.now()
        if expires <= now:
            raise InvalidRequest("Subscription expiration must be in the future")
        if expires > now + MAX_LIFETIME:
            raise InvalidRequest(
                f"Subscription expiration can only be {int(MAX_LIFETIME.total_seconds() // 60)} "
                "minutes in the future"
            )
        return expires

    def subscription(self, subscription_id: str) -> Subscription:
        """A live subscription by id; ``ItemNotFound`` (404) for an unknown or expired one."""
        with self.lock:
            self.tick()
            found = self.subscriptions.get(subscription_id)
            if found is None:
                raise ItemNotFound(f"The object '{subscription_id}' doesn't exist")
            return found

    def renew_subscription(self, subscription_id: str, expires: datetime) -> Subscription:
        """A new expiry; renewing also reauthorizes (and resumes a paused subscription)."""
        with self.lock:
            found = self.subscription(subscription_id)
            found.expires = self._check_expiry(expires)
            found.reauthorize_since = None
            found.paused = False
            return found

    def reauthorize_subscription(self, subscription_id: str) -> None:
        """Answer a ``reauthorizationRequired`` challenge without changing the expiry."""
        with self.lock:
            found = self.subscription(subscription_id)
            found.reauthorize_since = None
            found.paused = False

    def delete_subscription(self, subscription_id: str) -> None:
        with self.lock:
            self.subscription(subscription_id)
            del self.subscriptions[subscription_id]

    # Graph acting on its own (for tests and the benchmark) --------------------

    def remove_subscription(self, subscription_id: str) -> None:
        """Graph removes the subscription: ``subscriptionRemoved`` goes to its lifecycle URL."""
        with self.lock:
            found = self.subscription(subscription_id)
            self._lifecycle(found, "subscriptionRemoved")
            del self.subscriptions[subscription_id]

    def report_missed(self, subscription_id: str) -> None:
        """Graph could not deliver some notifications: ``missed`` goes to the lifecycle URL."""
        with self.lock:
            self._lifecycle(self.subscription(subscription_id), "missed")

    def require_reauthorization(self, subscription_id: str) -> None:
        """Graph challenges the subscription now (as an hour before it expires)."""
        with self.lock:
            found = self.subscription(subscription_id)
            self._challenge(found, self.now())

    def notify_drive(self, drive_id: str) -> None:
        """A notification for the drive with nothing changed in it (as Graph sometimes sends)."""
        with self.lock:
            self._notify(drive_id, sharing=False)

    # time -----------------------------------------------------------------------

    def tick(self) -> None:
        """Apply the clock: delete expired subscriptions, challenge those about to expire,
        pause those whose challenge went unanswered."""
        with self.lock:
            now = self.now()
            for subscription in list(self.subscriptions.values()):
                if subscription.expires <= now:
                    del self.subscriptions[subscription.id]
                    continue
                since = subscription.reauthorize_since
                if since is None and subscription.expires - now <= REAUTHORIZE_BEFORE:
                    self._challenge(subscription, now)
                elif since is not None and now - since >= REAUTHORIZE_GRACE:
                    subscription.paused = True

    def take_outbox(self) -> list[Delivery]:
        with self.lock:
            self.tick()
            taken, self.outbox = self.outbox, []
            return taken

    # notifications --------------------------------------------------------------

    def _changed(self, item: DriveItem, *, sharing: bool) -> None:
        if self.subscriptions:
            self._notify(item.drive_id, sharing=sharing)

    def _notify(self, drive_id: str, *, sharing: bool) -> None:
        now = self.now()
        for subscription in self.subscriptions.values():
            if subscription.drive_id != drive_id or subscription.expires <= now:
                continue
            if sharing and not subscription.security:
                continue
            since = subscription.reauthorize_since
            if since is not None and now - since >= REAUTHORIZE_GRACE:
                subscription.paused = True
            if subscription.paused:
                self.notifications.add("paused")
                continue
            body: dict[str, Any] = {
                "id": self.ids.guid("notification"),
                "subscriptionId": subscription.id,
                "subscriptionExpirationDateTime": timestamp(subscription.expires),
                "changeType": "updated",
                "resource": subscription.resource,
                "tenantId": self.tenant_id,
            }
            if subscription.client_state is not None:
                body["clientState"] = subscription.client_state
            self.outbox.append(Delivery(subscription.notification_url, subscription.id, body))
            self.notifications.add("queued")

    def _challenge(self, subscription: Subscription, now: datetime) -> None:
        subscription.reauthorize_since = now
        self._lifecycle(subscription, "reauthorizationRequired")

    def _lifecycle(self, subscription: Subscription, event: str) -> None:
        if subscription.lifecycle_url is None:
            return  # Graph sends lifecycle notifications only where it was asked to
        body: dict[str, Any] = {
            "subscriptionId": subscription.id,
            "subscriptionExpirationDateTime": timestamp(subscription.expires),
            "tenantId": self.tenant_id,
            "lifecycleEvent": event,
        }
        if subscription.client_state is not None:
            body["clientState"] = subscription.client_state
        self.outbox.append(
            Delivery(subscription.lifecycle_url, subscription.id, body, lifecycle=True)
        )
        self.notifications.add_lifecycle(event)
