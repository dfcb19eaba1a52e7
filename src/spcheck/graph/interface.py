"""The Graph gateway contract: what the rest of spcheck may ask of Microsoft Graph.

Everything that talks to Graph sits behind ``Gateway``; callers depend on this
module only. Methods are coroutines and must all run on one event loop per
process run (the SDK cannot survive a second ``asyncio.run``). Every error
raised is a ``GraphError`` whose message is one line naming the call and what
happened, and never carries a token or a secret.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Self

from spcheck.errors import InputError, ServiceUnavailable, SpcheckError
from spcheck.graph.views import DriveItem, Permission
from spcheck.store.interface import ItemStore

# --- errors -------------------------------------------------------------------------------------


class GraphError(SpcheckError):
    """A Graph call failed. Exit 3 unless a subclass says otherwise."""

    exit_code = 3

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class GraphAuthError(GraphError, InputError):
    """401/403 or no usable credential: a configuration problem to fix, not to retry. Exit 2."""

    exit_code = 2


INVITATION_RUNBOOK = "runbooks/provision-inspection.md#an-invitation-is-refused"


class InvitationRefused(GraphError, InputError):
    """400/403 on an invitation: Graph made nothing. The tenant's external-sharing setting
    (or the app's grant) does not let this person be invited: a setting to change, not a
    call to retry. Exit 2."""

    exit_code = 2


class GraphNotFound(GraphError, InputError):
    """404: the site, drive, item or permission named does not exist (or is hidden). Exit 2."""

    exit_code = 2


class GraphConflict(GraphError):
    """409: the resource already exists or changed under us."""


class GraphGone(GraphError):
    """410: a delta token has expired; the sync engine answers with a full resync."""


class GraphUnavailable(GraphError, ServiceUnavailable):
    """503/504 or connection failures that outlasted the retry cap. Exit 3."""

    exit_code = 3


class GraphThrottled(GraphUnavailable):
    """429 (or throttling 503) that outlasted the retry cap. Exit 3."""


# --- results ------------------------------------------------------------------------------------


class Role(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class SiteDrive:
    """The inspection site and its document library, resolved from SPCHECK_SITE."""

    site_id: str
    drive_id: str
    site_url: str | None = None


@dataclass(frozen=True, slots=True)
class FolderResult:
    item: DriveItem
    created: bool


@dataclass(frozen=True, slots=True)
class PermissionsResult:
    """Permissions of many items. An item is in exactly one of the three maps.

    ``failed`` holds items whose permissions could not be read (one-line reason
    each): callers must report them as unverifiable, never as clean.
    """

    found: Mapping[str, tuple[Permission, ...]]
    missing: frozenset[str] = frozenset()
    failed: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one delta run changed in the store.

    ``full`` is True for a first sync or a resync (``resynced`` after a 410):
    sharing changes since the previous run are then unknown, so a caller that
    audits permissions should re-read them all. ``item_count`` is the number of
    items stored after the run, or None when nothing changed and the store was
    not read. ``orphans`` are items whose parent was unknown (stored under the root).
    """

    drive_id: str
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    sharing_changed: tuple[str, ...]
    full: bool
    resynced: bool
    pages: int
    item_count: int | None
    orphans: tuple[str, ...] = ()

    @property
    def touched(self) -> tuple[str, ...]:
        """Ids of items added or changed: the files a check cycle must (re)scan."""
        return self.added + self.changed


@dataclass(frozen=True, slots=True)
class GraphSubscription:
    """A change-notification subscription as Graph answered for it."""

    id: str
    resource: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class GatewayStats:
    """Counters for one gateway's lifetime."""

    requests: int
    resource_units: int
    retries: int
    throttled: int
    waited_seconds: float


# --- the gateway --------------------------------------------------------------------------------


class Gateway(ABC):
    """Microsoft Graph as spcheck needs it. Use as ``async with build_gateway(settings) as gw``."""

    @property
    @abstractmethod
    def auth_mode(self) -> str:
        """The credential mode in use (``none``, ``certificate``, ...): safe to print."""

    @abstractmethod
    def stats(self) -> GatewayStats: ...

    @abstractmethod
    async def resolve_site(self) -> SiteDrive:
        """Site and drive ids of SPCHECK_SITE."""

    @abstractmethod
    async def item_by_path(self, drive_id: str, path: str) -> DriveItem | None:
        """The item at ``path`` under the drive root, or None when it does not exist."""

    @abstractmethod
    async def children(self, drive_id: str, item_id: str) -> list[DriveItem]:
        """All children of a folder, every page followed."""

    @abstractmethod
    async def sync(self, drive_id: str, store: ItemStore, *, full: bool = False) -> SyncResult:
        """Bring the store's copy of the drive up to date with one delta run (``full``: list
        the whole drive again, as after a missed change notification)."""

    @abstractmethod
    async def download(self, drive_id: str, item_id: str, *, max_bytes: int) -> bytes:
        """A file's content; ``GraphError`` when larger than ``max_bytes`` (never truncated)."""

    @abstractmethod
    async def permissions(self, drive_id: str, item_id: str) -> tuple[Permission, ...]:
        """Permissions of one item."""

    @abstractmethod
    async def permissions_many(self, drive_id: str, item_ids: Sequence[str]) -> PermissionsResult:
        """Permissions of many items through ``$batch`` (at most 20 per request)."""

    @abstractmethod
    async def create_folder(self, drive_id: str, parent_id: str, name: str) -> FolderResult:
        """Create a folder, or return the existing one (conflictBehavior fail; 409 is "exists")."""

    @abstractmethod
    async def invite(
        self,
        drive_id: str,
        item_id: str,
        emails: Sequence[str],
        role: Role,
        *,
        expires_at: datetime | None = None,
        send_invitation: bool = True,
        message: str | None = None,
    ) -> tuple[Permission, ...]:
        """Grant ``role`` to people by email (sign-in required; inherited access kept)."""

    @abstractmethod
    async def delete_permission(self, drive_id: str, item_id: str, permission_id: str) -> bool:
        """Remove one permission; False when it was already gone."""

    @abstractmethod
    async def send_mail(
        self, sender: str, to: Sequence[str], subject: str, body: str, *, html: bool = False
    ) -> None:
        """Send an alert mail as ``sender`` (needs Mail.Send)."""

    # --- change notifications ---

    @abstractmethod
    async def create_subscription(
        self,
        drive_id: str,
        notification_url: str,
        client_state: str,
        expires_at: datetime,
        *,
        security: bool = True,
    ) -> GraphSubscription:
        """Subscribe ``notification_url`` (for lifecycle notifications too) to changes of the
        drive; ``security`` adds permission changes (``Prefer: includesecuritywebhooks``).
        Graph first makes its validation handshake with the URL."""

    @abstractmethod
    async def renew_subscription(
        self, subscription_id: str, expires_at: datetime
    ) -> GraphSubscription:
        """A new expiry (which also reauthorizes); ``GraphNotFound`` when it is gone."""

    @abstractmethod
    async def reauthorize_subscription(self, subscription_id: str) -> None:
        """Answer a ``reauthorizationRequired`` challenge; ``GraphNotFound`` when it is gone."""

    @abstractmethod
    async def delete_subscription(self, subscription_id: str) -> bool:
        """Delete a subscription; False when it was already gone."""

    @abstractmethod
    async def aclose(self) -> None:
        """Close the HTTP client and credentials."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
