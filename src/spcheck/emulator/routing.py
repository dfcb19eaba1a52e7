"""Route Graph URLs on the raw path, as Graph does.

The SDK sends keys such as ``host:/sites/x`` or ``root:/A/B:`` percent-encoded as
one segment (``%3A %2F``); hand-written URLs send them unencoded across several
segments (``root:/A/B:/children``). So the path is split on ``/`` first, each
segment is decoded, and an open ``key:`` segment swallows the segments up to the
one that closes it with ``:``. Empty segments are ignored, which accepts the
``/v1.0//drives`` that an adapter base URL with a trailing slash produces.
Segment names match case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spcheck.emulator.interface import BadRequest
from spcheck.graph.paths import key_segments

_DELTA_WITH_TOKEN = re.compile(r"delta\(token=(?:'([^']*)'|([^)]*))\)", re.IGNORECASE)
_ITEM_SUBRESOURCES = {
    "children": "children",
    "content": "content",
    "permissions": "permissions",
    "invite": "invite",
    "createlink": "createLink",
}


@dataclass(frozen=True, slots=True)
class ItemRef:
    """An item addressed by ``base`` (an id or ``root``), optionally by a path below it."""

    base: str
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    target: str
    site_key: str | None = None
    drive_id: str | None = None
    item: ItemRef | None = None
    token: str | None = None
    permission_id: str | None = None
    user: str | None = None
    subscription_id: str | None = None

    def kind(self, method: str) -> str:
        return f"{method} {self.target}"


def segments(path: str) -> list[str]:
    """Decoded path segments with colon-addressed keys joined back into one."""
    try:
        return key_segments(path)
    except UnicodeDecodeError:
        raise BadRequest("The request path is not valid UTF-8 after percent-decoding") from None


def _not_found(segment: str) -> BadRequest:
    return BadRequest(f"Resource not found for the segment '{segment}'.")


def _item_ref(key: str) -> ItemRef:
    base, colon, rest = key.partition(":")
    if not base:
        raise _not_found(key)
    if not colon:
        return ItemRef(base)
    return ItemRef(base, rest.removesuffix(":").strip("/"))


def _item_route(drive: Route, ref: ItemRef, rest: list[str]) -> Route:
    def build(target: str, **extra: str) -> Route:
        return Route(target, site_key=drive.site_key, drive_id=drive.drive_id, item=ref, **extra)

    if not rest:
        return build("item")
    head = rest[0].lower()
    if len(rest) == 1 and head in ("delta", "delta()"):
        return build("delta")
    matched = _DELTA_WITH_TOKEN.fullmatch(rest[0])
    if len(rest) == 1 and matched is not None:
        return build(
            "delta", token=matched.group(1) if matched.group(1) is not None else matched.group(2)
        )
    if head == "permissions" and len(rest) == 2:
        return build("permission", permission_id=rest[1])
    if len(rest) == 1 and head in _ITEM_SUBRESOURCES:
        return build(_ITEM_SUBRESOURCES[head])
    raise _not_found(rest[-1] if len(rest) > 1 else rest[0])


def _drive_route(drive: Route, rest: list[str]) -> Route:
    if not rest:
        return drive
    head = rest[0]
    if head.lower() == "root":
        return _item_route(drive, ItemRef("root"), rest[1:])
    if head.lower().startswith("root:"):
        return _item_route(drive, _item_ref("root" + head[4:]), rest[1:])
    if head.lower() == "items" and len(rest) >= 2:
        return _item_route(drive, _item_ref(rest[1]), rest[2:])
    raise _not_found(head)


def parse(path: str) -> Route:
    """The route for a path below the API version (raw, percent-encoded)."""
    parts = segments(path)
    if not parts:
        raise _not_found("")
    head = parts[0].lower()
    if head == "$batch" and len(parts) == 1:
        return Route("batch")
    if head == "users" and len(parts) == 3 and parts[2].lower() == "sendmail":
        return Route("sendMail", user=parts[1])
    if head == "subscriptions":
        if len(parts) == 1:
            return Route("subscriptions")
        if len(parts) == 2:
            return Route("subscription", subscription_id=parts[1])
        if len(parts) == 3 and parts[2].lower() == "reauthorize":
            return Route("reauthorize", subscription_id=parts[1])
        raise _not_found(parts[-1])
    if head == "sites" and len(parts) >= 2:
        site = parts[1]
        rest = parts[2:]
        if not rest:
            return Route("site", site_key=site)
        if len(rest) == 1 and rest[0].lower() == "drives":
            return Route("siteDrives", site_key=site)
        if rest[0].lower() == "drive":
            return _drive_route(Route("drive", site_key=site), rest[1:])
        if rest[0].lower() == "drives" and len(rest) >= 2:
            return _drive_route(Route("drive", site_key=site, drive_id=rest[1]), rest[2:])
        raise _not_found(rest[0])
    if head == "drives" and len(parts) >= 2:
        return _drive_route(Route("drive", drive_id=parts[1]), parts[2:])
    raise _not_found(parts[0])


PERMISSION_TARGETS = frozenset({"permissions", "permission", "invite", "createLink"})
# Graph's notification service, not SharePoint: no SharePoint resource units.
SUBSCRIPTION_TARGETS = frozenset({"subscriptions", "subscription", "reauthorize"})


def resource_units(route: Route, method: str, query_token: str | None) -> int:
    """SharePoint's cost of a request: 1 read, 2 multi-item read or write, 5 sharing, and 0 for
    what is not SharePoint (mail, subscriptions, the ``$batch`` envelope)."""
    if route.target in ("batch", "sendMail") or route.target in SUBSCRIPTION_TARGETS:
        return 0
    if route.target in PERMISSION_TARGETS:
        return 5
    if route.target == "delta":
        return 1 if (route.token or query_token) else 2
    if method != "GET":
        return 2
    if route.target in ("children", "siteDrives"):
        return 2
    return 1
