"""clientState and the digests spcheck keeps instead of secrets.

clientState is derived from SPCHECK_NOTIFY_SECRET (HMAC-SHA256, hex: 64 characters,
under Graph's 128), so the secret itself is never sent to Graph and changing it
makes new subscriptions whose clientState old notifications cannot match. The
receiver compares in constant time. The state store keeps SHA-256 digests of the
clientState and of the notification URL (which may carry a function key): enough
to notice either has changed, nothing that can be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

_CONTEXT = b"spcheck change notifications: clientState"


def client_state(secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), _CONTEXT, hashlib.sha256).hexdigest()


def state_matches(expected: str, received: str | None) -> bool:
    """Whether a notification's clientState is ours, in constant time."""
    if received is None:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def shown_url(url: str) -> str:
    """A notification URL safe to print: scheme, host and path; never the query (a key)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def shown_id(value: str) -> str:
    """A drive or subscription id as output shows it: ``b!******0B`` (ids run to 66 characters,
    and a masked one only has to be told apart from the others on the same page)."""
    compact = "".join(value.split())
    return compact[:2] + "******" + compact[-2:] if len(compact) > 6 else "******"
