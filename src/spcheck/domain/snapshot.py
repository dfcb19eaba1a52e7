"""What spcheck knows of one inspection's folder at a moment: the input of every rule.

The check cycle builds a snapshot from the store (items seen through delta,
permissions read through Graph, content checks kept by hash); rules read only
this, so every rule is a pure function testable with plain values.
Paths are relative to the inspection folder, "/"-separated, e.g.
``03 Records sample/GM-2999.pdf``; the inspection folder itself is "".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from spcheck.domain.attestation import Attestation
from spcheck.domain.findings import Finding


@dataclass(frozen=True, slots=True)
class Upload:
    """A file or folder under the inspection folder, as last seen."""

    path: str
    name: str
    is_folder: bool
    folder_key: str | None  # the policy folder it sits under; None outside every known folder
    size: int | None = None
    created_at: dt.datetime | None = None  # Graph createdDateTime: the upload time that counts
    modified_at: dt.datetime | None = None
    created_by: str | None = None
    sha256: str | None = None

    @property
    def parent(self) -> str:
        return self.path.rpartition("/")[0]

    @property
    def depth(self) -> int:
        """1 for an item directly inside a policy folder, 2 for one inside a subfolder, ..."""
        return self.path.count("/")


class Principal(StrEnum):
    USER = "user"
    GROUP = "group"
    SITE_GROUP = "site_group"
    APPLICATION = "application"
    LINK = "link"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Access:
    """One permission on the inspection folder or something under it."""

    path: str
    permission_id: str
    roles: tuple[str, ...]
    principal: Principal
    email: str | None = None  # the grantee's address (user or invitation), lower case
    display_name: str | None = None
    link_scope: str | None = None  # anonymous | organization | users | existingAccess
    link_type: str | None = None  # view | edit | embed
    expires_at: dt.datetime | None = None
    inherited: bool = False
    # In a replay: why it is not known whether this access existed at the replayed
    # moment (None: it did). The rules report such access as not checked.
    doubt: str | None = None
    # Versions of one permission changed between two reads share this: one of them existed.
    one_of: str | None = None


class ContentStatus(StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ContentCheck:
    """The content module's verdict on one file (kept by hash between cycles)."""

    path: str
    status: ContentStatus
    findings: tuple[Finding, ...] = ()
    words: int | None = None


@dataclass(frozen=True, slots=True)
class Unverified:
    """Something the cycle could not check, with a one-line reason (never a pass)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class InspectionSnapshot:
    inspection_id: str
    root_path: str  # the inspection folder's path under the drive root
    provisioned: bool  # the inspection folder exists
    uploads: tuple[Upload, ...] = ()
    access: tuple[Access, ...] | None = None  # None: permissions were not read
    content: Mapping[str, ContentCheck] = field(default_factory=lambda: MappingProxyType({}))
    unverified: tuple[Unverified, ...] = ()
    # Attested milestones known at the snapshot's time, by milestone id.
    attested: Mapping[str, Attestation] = field(default_factory=lambda: MappingProxyType({}))

    def files(self, folder_key: str | None = None) -> tuple[Upload, ...]:
        return tuple(
            u
            for u in self.uploads
            if not u.is_folder and (folder_key is None or u.folder_key == folder_key)
        )

    def in_folder(self, folder_key: str) -> tuple[Upload, ...]:
        return tuple(u for u in self.uploads if u.folder_key == folder_key)
