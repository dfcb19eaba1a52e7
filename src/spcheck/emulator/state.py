"""The emulated tenant as a pure model: no HTTP here (HTTP lives in ``app`` and ``service``).

``EmulatorState`` holds users, sites with one document library each, drive items
(folders, files and the tombstones of deleted ones), permissions per item, the
change log that feeds delta, recorded mail and request statistics. Tests and the
demo call its methods directly to plant data; the HTTP layer calls the same
methods on behalf of an acting user.

Timestamps come from ``state.clock`` (settable; it must return aware datetimes), or
from ``at=`` on ``upload`` so a test can place an upload in week 3. Permission
checks apply to an acting user (``X-Emulator-User``); direct Python calls plant data
without them, and requests with no acting user act as the app, which has full
control (as an app granted the site would).

The state is built in layers, each in its own module:

- ``core``: the records, the lock, the clock and the change-log position;
- ``directory``: users, sites and their libraries, recorded mail;
- ``tree``: reading items by id or path;
- ``items``: creating, uploading, renaming, moving and deleting items;
- ``access``: permissions, invitations, sharing links and access checks;
- ``subscriptions``: change-notification subscriptions and the outbox they fill;
- ``names``: the name and email rules they share.
"""

from __future__ import annotations

from spcheck.emulator.access import GRANT_ROLES, LINK_SCOPES, LINK_TYPES, Access
from spcheck.emulator.items import CONFLICT_BEHAVIOURS, MAX_SIMPLE_UPLOAD, Items
from spcheck.emulator.names import check_name, is_email, mime_type_for
from spcheck.emulator.subscriptions import Subscriptions

__all__ = [
    "CONFLICT_BEHAVIOURS",
    "GRANT_ROLES",
    "LINK_SCOPES",
    "LINK_TYPES",
    "MAX_SIMPLE_UPLOAD",
    "EmulatorState",
    "check_name",
    "is_email",
    "mime_type_for",
]


class EmulatorState(Items, Access, Subscriptions):
    """Users, sites, drive items, permissions, the change log, subscriptions and the
    notifications they make, mail and request stats."""
