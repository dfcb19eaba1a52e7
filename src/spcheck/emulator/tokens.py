"""Access tokens the emulator issues, so the roles claim and expiry can be tested.

``POST /_emulator/token`` answers an OAuth 2.0 client-credentials request (form
fields ``grant_type=client_credentials``, ``client_id``, ``client_secret``,
``scope``) the way Microsoft Entra ID's token endpoint does, with a JWT whose
claims are shaped like Entra's app-only tokens (``aud``, ``iss``, ``tid``,
``appid``, ``idtyp``, ``roles``, ``iat``, ``nbf``, ``exp``). It is signed with
HS256 and a key that lives only in the emulator instance, so the emulator can
tell its own tokens from any other bearer (which it still accepts, unchecked,
as it always has). ``credential.EmulatorCredential`` is the test credential
that fetches them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TOKEN_PATH = "/_emulator/token"  # noqa: S105 - a URL path, not a secret
TOKEN_LIFETIME_SECONDS = 3599
EMULATOR_TENANT_ID = "7a1c2e3f-0000-4000-8000-00000000e301"
_AUDIENCE = "https://graph.microsoft.com"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What the emulator reads back from one of its own tokens."""

    app_id: str
    roles: tuple[str, ...]
    expires_at: float
    now: float

    @property
    def expired(self) -> bool:
        return self.expires_at <= self.now


class TokenIssuer:
    """Issues and reads the emulator's tokens; the signing key never leaves the instance."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._key = secrets.token_bytes(32)
        self._wall = wall

    def issue(self, client_id: str, roles: Sequence[str]) -> tuple[str, int]:
        """A signed token for ``client_id`` with ``roles``, and its lifetime in seconds."""
        now = int(self._wall())
        header = {"typ": "JWT", "alg": "HS256", "kid": "spcheck-emulator"}
        claims = {
            "aud": _AUDIENCE,
            "iss": f"https://sts.emulator.local/{EMULATOR_TENANT_ID}/",
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
            "appid": client_id,
            "idtyp": "app",
            "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"emulator-app:{client_id}")),
            "roles": list(roles),
            "tid": EMULATOR_TENANT_ID,
            "ver": "1.0",
        }
        signing = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
        signature = hmac.new(self._key, signing.encode("ascii"), hashlib.sha256).digest()
        return f"{signing}.{_b64(signature)}", TOKEN_LIFETIME_SECONDS

    def read(self, authorization: str | None) -> TokenClaims | None:
        """Claims of an ``Authorization: Bearer`` token this issuer signed; None for any other."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        token = authorization[7:].strip()
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = hmac.new(
            self._key, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256
        ).digest()
        try:
            if not hmac.compare_digest(expected, _unb64(parts[2])):
                return None
            claims: Any = json.loads(_unb64(parts[1]))
        except ValueError:
            return None
        roles = claims.get("roles") or []
        return TokenClaims(
            app_id=str(claims.get("appid", "")),
            roles=tuple(str(role) for role in roles),
            expires_at=float(claims.get("exp", 0)),
            now=self._wall(),
        )


def token_reply(
    form: Mapping[str, str], issuer: TokenIssuer, roles: Sequence[str], *, secret_expired: bool
) -> tuple[int, dict[str, Any]]:
    """Status and JSON body of the token endpoint's answer to one form."""
    client_id = form.get("client_id", "")
    if form.get("grant_type") != "client_credentials" or not client_id:
        return 400, {
            "error": "invalid_request",
            "error_description": "AADSTS900144: The request body must contain the "
            "parameters 'grant_type=client_credentials' and 'client_id'.",
            "error_codes": [900144],
        }
    if secret_expired:
        return 401, {
            "error": "invalid_client",
            "error_description": f"AADSTS7000222: The provided client secret keys for app "
            f"'{client_id}' are expired. Visit the Azure portal to create new keys for your app.",
            "error_codes": [7000222],
        }
    token, lifetime = issuer.issue(client_id, roles)
    return 200, {
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": token,
    }
