"""A test credential that gets its tokens from the emulator's token endpoint.

It has the shape of an azure-identity async credential (``get_token``, ``close``),
so tests hand it to the gateway in place of a certificate or secret credential
(``build_gateway(settings, credentials=[(AuthMode.SECRET, EmulatorCredential(...))])``)
and the whole sign-in path runs: a token with a ``roles`` claim on every request,
a refusal raised as azure-core's ``ClientAuthenticationError`` with the AADSTS
code, as a real credential raises it. Tokens are reused until five minutes before
they expire, as azure-identity does.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from spcheck.emulator.tokens import TOKEN_PATH

TEST_CLIENT_ID = "5e1d0c2b-0000-4000-8000-00000000c11e"
TEST_CLIENT_SECRET = "emulator-test-secret"  # noqa: S105 - the emulator's documented test value
_REFRESH_MARGIN = 300


class EmulatorCredential:
    """Client credentials against ``{emulator origin}/_emulator/token``."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        client_id: str = TEST_CLIENT_ID,
        client_secret: str = TEST_CLIENT_SECRET,
    ) -> None:
        parts = urlsplit(base_url)
        self._url = f"{parts.scheme}://{parts.netloc}{TOKEN_PATH}"
        self._client = httpx.AsyncClient(transport=transport, timeout=30.0)
        self._client_id = client_id
        self._secret = client_secret
        self._cached: Any = None
        self.requests = 0

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken
        from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

        if self._cached is not None and self._cached.expires_on - _REFRESH_MARGIN > time.time():
            return self._cached
        self.requests += 1
        try:
            reply = await self._client.post(
                self._url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._secret,
                    "scope": " ".join(scopes),
                },
            )
        except httpx.TransportError as error:
            raise ServiceRequestError(
                f"the token endpoint could not be reached ({error})"
            ) from None
        body = reply.json()
        if reply.status_code != 200:
            raise ClientAuthenticationError(message=str(body.get("error_description", "refused")))
        self._cached = AccessToken(
            str(body["access_token"]), int(time.time()) + int(body["expires_in"])
        )
        return self._cached

    async def close(self) -> None:
        await self._client.aclose()
