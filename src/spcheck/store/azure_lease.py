"""One writer at a time per drive, with ETags: the guard around a delta sync's item writes.

Table Storage commits at most 100 operations of one partition together, so a
sync of a large drive is many commits. The drive's entity in the ``drives``
table holds the delta link and, while a sync writes, the writer's token:

1. acquire: write our token with ``If-Match`` on the ETag we read (a full
   resync also clears the link here, so a crash before step 3 forces the next
   run to resync instead of trusting half a listing);
2. write the items, renewing the token (a new ETag) between commits;
3. release: write the new link and clear the token, ``If-Match`` on our ETag.

A second worker finding a token waits for it to clear. It takes over only when
the entity's ETag has not changed for ``lease_seconds`` on its own clock (the
holder died mid-write), so clocks of different machines never matter. A
holder whose lease was taken fails on its next renewal or release with a
``StoreError`` instead of writing over the newer worker. An incremental sync
that dies keeps the previous link: its items are newer or equal versions and
the next run replays the same changes from that link.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from typing import Any

from spcheck.store.azure_codec import key
from spcheck.store.interface import StoreError

SYNC_ROW = "sync"
POLL_SECONDS = 0.2


class LeaseLost(StoreError):
    """Another worker took the drive over: this one stopped before writing more."""


class DriveLease:
    """The write lease on one drive's items; ``link`` is the delta link as it stands."""

    def __init__(
        self,
        table: Any,
        drive_id: str,
        *,
        lease_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._table = table
        self._drive_id = drive_id
        self._lease_seconds = lease_seconds
        self._clock = clock
        self._sleep = sleep
        self._token = uuid.uuid4().hex
        self._etag: str | None = None
        self._renewed = 0.0
        self.link = ""

    def _entity(self, link: str, holder: str) -> dict[str, Any]:
        return {
            "PartitionKey": key(self._drive_id),
            "RowKey": SYNC_ROW,
            "drive_id": self._drive_id,
            "link": link,
            "holder": holder,
        }

    def acquire(self, *, clear_link: bool) -> None:
        from azure.core import MatchConditions
        from azure.core.exceptions import (
            ResourceExistsError,
            ResourceModifiedError,
            ResourceNotFoundError,
        )
        from azure.data.tables import UpdateMode

        watched: tuple[str, float] | None = None
        give_up = self._clock() + 5 * self._lease_seconds
        while True:
            try:
                current = self._table.get_entity(key(self._drive_id), SYNC_ROW)
            except ResourceNotFoundError:
                try:
                    made = self._table.create_entity(self._entity("", self._token))
                except ResourceExistsError:
                    continue
                self._hold(made, "")
                return
            etag = current.metadata["etag"]
            link = str(current.get("link") or "")
            if current.get("holder"):
                now = self._clock()
                if watched is None or watched[0] != etag:
                    watched = (etag, now)
                if now - watched[1] < self._lease_seconds:
                    if now > give_up:
                        raise StoreError(
                            f"state store: drive {self._drive_id} is being written by another "
                            "worker for too long; try again later"
                        )
                    self._sleep(POLL_SECONDS)
                    continue
                # The holder has not renewed for a whole lease: it died mid-write.
            kept = "" if clear_link else link
            try:
                done = self._table.update_entity(
                    self._entity(kept, self._token),
                    mode=UpdateMode.REPLACE,
                    etag=etag,
                    match_condition=MatchConditions.IfNotModified,
                )
            except ResourceModifiedError:
                watched = None
                continue
            self._hold(done, kept)
            return

    def _hold(self, response: Any, link: str) -> None:
        self._etag = response["etag"]
        self._renewed = self._clock()
        self.link = link

    def _write(self, link: str, holder: str) -> None:
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
        from azure.data.tables import UpdateMode

        if self._etag is None:
            raise RuntimeError("the lease is not held")
        try:
            done = self._table.update_entity(
                self._entity(link, holder),
                mode=UpdateMode.REPLACE,
                etag=self._etag,
                match_condition=MatchConditions.IfNotModified,
            )
        except (ResourceModifiedError, ResourceNotFoundError):
            self._etag = None
            raise LeaseLost(
                f"state store: another worker took over drive {self._drive_id} while this one "
                f"was writing (no renewal for {self._lease_seconds:g}s); this sync stopped and "
                "the next run repeats it"
            ) from None
        self._hold(done, link)

    def renew_if_due(self) -> None:
        """Renew when a quarter of the lease has passed, so waiters see a live holder."""
        if self._clock() - self._renewed >= self._lease_seconds / 4:
            self._write(self.link, self._token)

    def release(self, link: str | None = None) -> None:
        """Clear the token; with ``link``, store it as the drive's delta link in the same write."""
        self._write(self.link if link is None else link, "")
        self._etag = None

    def abandon(self) -> None:
        """After a failed write: free the drive, keeping the link as acquired; best effort."""
        if self._etag is None:
            return
        # Best effort: the original failure is the one to report.
        with contextlib.suppress(Exception):
            self.release()
