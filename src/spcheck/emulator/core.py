"""What an ``EmulatorState`` holds, its clock, and the change log that feeds delta.

``StateCore`` owns every collection of the emulated tenant (users, sites, drive
items and their folder index, recorded mail, request stats) and the one lock
they share. The other parts of the state (``directory``, ``tree``, ``items``,
``access``) are layered on it and ``state.EmulatorState`` combines them.

Every change to an item goes through ``_touch``, which advances the change-log
position; ``delta`` pages over items by that position, remembering it in tokens.
Content and sharing changes are kept apart because delta reports sharing changes
only to callers that ask for them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from spcheck.emulator import ids
from spcheck.emulator.model import Delivery, DriveItem, Identity, Site, Subscription, User
from spcheck.emulator.stats import NotificationStats, RequestStats


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StateCore:
    """The tenant's records, the shared lock, the clock and the change-log position."""

    def __init__(
        self,
        clock: Callable[[], datetime] | None = None,
        *,
        tenant_domain: str = "careinspectorate.example",
        app_display_name: str = "spcheck",
    ) -> None:
        self.clock: Callable[[], datetime] = clock or _utc_now
        self.tenant_domain = tenant_domain.lower()
        self.ids = ids.IdFactory()
        self.app_identity = Identity(
            "application", ids.user_id(f"app:{app_display_name}"), app_display_name
        )
        self.enforce_permissions = True
        # SharePoint's organisation-level external sharing: "new-and-existing-guests" (the
        # default), "existing-guests" (only people already in the directory) or "disabled"
        # (only people of the organisation). Checked on invitations over HTTP (``access``);
        # an app signed in as itself never creates a guest, whatever the setting.
        self.external_sharing = "new-and-existing-guests"
        self.users: dict[str, User] = {}
        self.sites: dict[str, Site] = {}
        self.items: dict[str, DriveItem] = {}
        self.sent_mail: list[dict[str, Any]] = []
        self.invitations_sent: list[dict[str, Any]] = []
        self.stats = RequestStats()
        self.tenant_id = ids.tenant_id(self.tenant_domain)
        self.subscriptions: dict[str, Subscription] = {}
        self.outbox: list[Delivery] = []
        self.notifications = NotificationStats()
        self.lock = threading.RLock()
        self.delta_epoch = 0
        self.delta_snapshots: OrderedDict[str, tuple[int, int, list[str]]] = OrderedDict()
        self._children: dict[str, dict[str, str]] = {}
        self._drive_items: dict[str, list[str]] = {}
        self._seq = 0

    # time and the change log ------------------------------------------------

    def now(self) -> datetime:
        return self._aware(self.clock(), "the state's clock")

    @staticmethod
    def _aware(value: datetime, what: str) -> datetime:
        """UTC to the second, the precision SharePoint keeps; naive datetimes are refused."""
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{what} must give timezone-aware datetimes, got {value!r}")
        return value.astimezone(UTC).replace(microsecond=0)

    @property
    def change_seq(self) -> int:
        """Position of the latest change; delta tokens remember one."""
        return self._seq

    def _touch(self, item: DriveItem, *, sharing: bool = False) -> None:
        self._seq += 1
        if sharing:
            item.sharing_seq = self._seq
        else:
            item.content_seq = self._seq
        self._changed(item, sharing=sharing)

    def _changed(self, item: DriveItem, *, sharing: bool) -> None:
        """Called for every change in the change log (subscriptions notify from here)."""

    def expire_delta_tokens(self) -> None:
        """Make every issued delta and next link stale: the next call gets 410 resyncRequired."""
        with self.lock:
            self.delta_epoch += 1
            self.delta_snapshots.clear()
