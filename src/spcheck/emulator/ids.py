"""Identifiers shaped like Graph's, generated deterministically.

The same sequence of calls gives the same ids on every run, so a demo or a failing
test can be replayed. Shapes: item ids ``01`` + 32 base32 characters; site ids
``hostname,siteCollectionGuid,webGuid``; drive ids ``b!`` + URL-safe base64; user
permission ids base64 of the user's SharePoint claim (the same on every item, as
SharePoint's are, so permissions can be compared between an item and its parent).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import uuid

_NAMESPACE = uuid.UUID("5f0c7a9e-3d2b-4c1e-9a6f-2b8d4e7c1a30")


class IdFactory:
    def __init__(self, namespace: str = "spcheck-emulator") -> None:
        self._namespace = namespace
        self._counter = itertools.count(1)

    def _digest(self, kind: str) -> bytes:
        seed = f"{self._namespace}:{kind}:{next(self._counter)}"
        return hashlib.sha256(seed.encode()).digest()

    def guid(self, kind: str = "guid") -> str:
        return str(uuid.UUID(bytes=self._digest(kind)[:16], version=4))

    def item_id(self) -> str:
        return "01" + base64.b32encode(self._digest("item")).decode("ascii")[:32]

    def link_id(self) -> str:
        return self.guid("link")


def site_id(hostname: str, path: str) -> str:
    collection = uuid.uuid5(_NAMESPACE, f"site:{hostname.lower()}{path.lower()}")
    web = uuid.uuid5(_NAMESPACE, f"web:{hostname.lower()}{path.lower()}")
    return f"{hostname},{collection},{web}"


def drive_id(site: str) -> str:
    raw = b"".join(uuid.uuid5(_NAMESPACE, f"{part}:{site}").bytes for part in ("s", "w", "l"))
    return "b!" + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def user_id(email: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"user:{email.lower()}"))


def user_permission_id(email: str) -> str:
    claim = f"i:0#.f|membership|{email.lower()}"
    return base64.b64encode(claim.encode()).decode("ascii").rstrip("=")


def group_permission_id(site: str, group: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"group:{site}:{group}"))


def tenant_id(domain: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"tenant:{domain.lower()}"))
