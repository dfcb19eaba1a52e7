"""What ``spcheck doctor`` asks of Graph beyond the ``Gateway``: the token's claims, the
site and the drive one by one, a write test on a folder of spcheck's own, a delta
round trip, and the server's clock.

The write test is the one place spcheck ever deletes anything, and only its own
probe folder: a ``Probe`` is made by ``create_probe`` of one gateway and that
gateway deletes only a probe it created in the same run, still named as it named
it, still under the parent it was made in, still empty, and unchanged since its
last write (``If-Match``). Anything else is refused with ``ProbeRefused`` and no
request is sent.
"""

from __future__ import annotations

import base64
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spcheck.graph.interface import GraphError
from spcheck.graph.views import Drive, Site

PROBE_PREFIX = "spcheck-doctor-write-test-"


class ProbeRefused(GraphError):
    """A probe folder operation the guard refuses: nothing was sent to Graph. Exit 1."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class Probe:
    """A probe folder as its gateway last wrote it. Only that gateway may rename or delete it."""

    drive_id: str
    item_id: str
    parent_id: str
    name: str
    etag: str | None
    run: str


@dataclass(frozen=True, slots=True)
class DeltaCheck:
    """A delta round trip: pages read after ``token=latest`` and the changes they held."""

    pages: int
    changes: int


@dataclass(frozen=True, slots=True)
class ServerClock:
    """The ``Date`` of a Graph response and the local time it was received."""

    server: datetime
    local: datetime

    @property
    def skew_seconds(self) -> float:
        """Positive when the local clock is behind Graph's."""
        return (self.server - self.local).total_seconds()


def decode_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, decoded locally with no signature check (the token is not
    kept). An opaque token, or one that is not a JWT, gives an empty mapping."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, UnicodeDecodeError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


class Diagnostics(ABC):
    """Graph calls that only ``spcheck doctor`` makes."""

    @abstractmethod
    async def token_claims(self) -> Mapping[str, Any] | None:
        """The claims of a fresh access token (None with SPCHECK_AUTH=none); never the token."""

    @abstractmethod
    async def site_record(self) -> Site:
        """The site SPCHECK_SITE names."""

    @abstractmethod
    async def drive_record(self, site_id: str) -> Drive:
        """The site's default document library."""

    @abstractmethod
    async def create_probe(self, drive_id: str, parent_id: str) -> Probe:
        """A new, empty folder of spcheck's own under ``parent_id`` (never an existing one)."""

    @abstractmethod
    async def rename_probe(self, probe: Probe) -> Probe:
        """Rename a probe this gateway created; the new name keeps the probe prefix."""

    @abstractmethod
    async def delete_probe(self, probe: Probe) -> None:
        """Delete a probe this gateway created in this run, if it is as it was left."""

    @abstractmethod
    async def delta_round_trip(self, drive_id: str) -> DeltaCheck:
        """``root/delta?token=latest``, then its deltaLink followed to the end."""

    @abstractmethod
    def server_clock(self) -> ServerClock | None:
        """The Date of the latest Graph response, or None when none carried one."""
