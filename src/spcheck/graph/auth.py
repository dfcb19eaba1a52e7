"""Credentials from settings (docs/configuration.md, credentials).

``Settings.resolve_auth()`` gives the modes to try in order; each becomes an
azure-identity async credential. With ``auto`` the first mode that can give a
token wins and is logged by name; a credential that is configured but refused
stops the chain with a ``GraphAuthError`` (falling through to another identity
would hide a broken certificate or secret). azure.identity is imported inside
functions so that commands that never reach Graph do not pay for it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from spcheck.domain.findings import mask
from spcheck.graph.interface import GraphAuthError, GraphUnavailable
from spcheck.settings import AuthMode, Settings, is_loopback_host

if TYPE_CHECKING:
    from kiota_abstractions.authentication import AuthenticationProvider

log = logging.getLogger("spcheck.graph")

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_AADSTS = re.compile(r"AADSTS\d+")


class AsyncCredential(Protocol):
    async def get_token(self, *scopes: str, **kwargs: Any) -> Any: ...

    async def close(self) -> None: ...


def scope_for(graph_url: str) -> str:
    """``https://<graph host>/.default``; the public cloud's scope for a loopback emulator."""
    host = urlsplit(graph_url).hostname
    if not host or is_loopback_host(host):
        return GRAPH_SCOPE
    return f"https://{host}/.default"


def _reason(error: BaseException) -> str:
    """A short, secret-free reason: the AADSTS code when there is one, else the error type."""
    found = _AADSTS.search(str(error))
    return found.group(0) if found else type(error).__name__


class SignInUnavailable(GraphUnavailable):
    """The sign-in endpoint could not be reached (network, DNS, proxy) after azure-identity's
    own retries: an outage, not a wrong credential. Exit 3."""


# The setting that holds each mode's credential, for a refusal to name.
_CREDENTIAL_SETTING = {
    AuthMode.CERTIFICATE: "SPCHECK_CERTIFICATE_PATH (and _PASSWORD)",
    AuthMode.SECRET: "SPCHECK_CLIENT_SECRET",
    AuthMode.MANAGED_IDENTITY: "the managed identity (AZURE_CLIENT_ID)",
    AuthMode.CLI: "the Azure CLI sign-in (az login)",
}


def _unreachable(mode: AuthMode, error: BaseException) -> SignInUnavailable:
    authority = os.environ.get("AZURE_AUTHORITY_HOST") or "login.microsoftonline.com"
    where = "the managed identity endpoint" if mode is AuthMode.MANAGED_IDENTITY else authority
    return SignInUnavailable(
        f"sign-in: {where} could not be reached for the {mode.value} credential "
        f"({type(error).__name__}); check the network, DNS and any proxy, then try again"
    )


class ChainedCredential:
    """Tries (mode, credential) pairs in order and sticks with the first that gives a token."""

    def __init__(self, chain: Sequence[tuple[AuthMode, AsyncCredential]], settings: Settings):
        if not chain:
            raise ValueError("at least one credential is needed")
        self._chain = list(chain)
        self._settings = settings
        self._chosen: tuple[AuthMode, AsyncCredential] | None = None
        if len(self._chain) == 1:
            self._chosen = self._chain[0]

    @property
    def mode(self) -> AuthMode | None:
        """The mode in use; None until ``auto`` has found one."""
        return self._chosen[0] if self._chosen is not None else None

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.exceptions import (
            ClientAuthenticationError,
            ServiceRequestError,
            ServiceResponseError,
        )
        from azure.identity import CredentialUnavailableError

        unreachable = (ServiceRequestError, ServiceResponseError)
        if self._chosen is not None:
            mode, credential = self._chosen
            try:
                return await credential.get_token(*scopes, **kwargs)
            except ClientAuthenticationError as error:
                raise self._refused(mode, error) from None
            except unreachable as error:
                raise _unreachable(mode, error) from None
        skipped: list[str] = []
        for mode, credential in self._chain:
            try:
                token = await credential.get_token(*scopes, **kwargs)
            except CredentialUnavailableError as error:
                skipped.append(f"{mode.value} ({_reason(error)})")
                continue
            except ClientAuthenticationError as error:
                raise self._refused(mode, error) from None
            except unreachable as error:
                raise _unreachable(mode, error) from None
            self._chosen = (mode, credential)
            log.info("authenticated to Microsoft Graph with the %s credential", mode.value)
            return token
        raise GraphAuthError(
            "no credential could get a Graph token; tried "
            + ", ".join(skipped)
            + "; set SPCHECK_AUTH and the matching SPCHECK_ settings"
        )

    def _refused(self, mode: AuthMode, error: BaseException) -> GraphAuthError:
        return GraphAuthError(
            f"the {mode.value} credential was refused ({_reason(error)}); "
            f"check SPCHECK_TENANT_ID ({_shown(self._settings.tenant_id)}), "
            f"SPCHECK_CLIENT_ID ({_shown(self._settings.client_id)}) "
            f"and {_CREDENTIAL_SETTING.get(mode, 'that credential')}"
        )

    async def close(self) -> None:
        for _, credential in self._chain:
            await credential.close()


def _shown(value: str | None) -> str:
    return mask(value) if value else "not set"


def _ids(settings: Settings) -> tuple[str, str]:
    if settings.tenant_id is None or settings.client_id is None:
        raise GraphAuthError(
            "SPCHECK_TENANT_ID and SPCHECK_CLIENT_ID: both are needed for this credential"
        )
    return settings.tenant_id, settings.client_id


def make_credential(
    mode: AuthMode, settings: Settings, environ: Mapping[str, str]
) -> AsyncCredential:
    """One azure-identity async credential for ``mode`` (never ``none``)."""
    from azure.identity.aio import (
        AzureCliCredential,
        CertificateCredential,
        ClientSecretCredential,
        ManagedIdentityCredential,
    )

    if mode is AuthMode.MANAGED_IDENTITY:
        # A user-assigned identity is named by AZURE_CLIENT_ID; system-assigned needs nothing.
        return ManagedIdentityCredential(client_id=environ.get("AZURE_CLIENT_ID"))
    if mode is AuthMode.CERTIFICATE:
        tenant, client = _ids(settings)
        if settings.certificate_path is None:
            raise GraphAuthError(
                "SPCHECK_CERTIFICATE_PATH: not set; certificate authentication needs it"
            )
        password = settings.certificate_password
        try:
            return CertificateCredential(
                tenant,
                client,
                certificate_path=str(settings.certificate_path),
                password=password.get_secret_value() if password is not None else None,
            )
        except (ValueError, OSError) as error:
            raise GraphAuthError(
                f"SPCHECK_CERTIFICATE_PATH: the certificate could not be loaded "
                f"({type(error).__name__}); expected a PEM or PKCS12 file and, if it is "
                "protected, SPCHECK_CERTIFICATE_PASSWORD"
            ) from None
    if mode is AuthMode.SECRET:
        tenant, client = _ids(settings)
        if settings.client_secret is None:
            raise GraphAuthError("SPCHECK_CLIENT_SECRET: not set; secret authentication needs it")
        try:
            return ClientSecretCredential(tenant, client, settings.client_secret.get_secret_value())
        except ValueError:
            # Settings check the ids' shape; this is azure-identity refusing them all the same.
            raise GraphAuthError(
                "SPCHECK_TENANT_ID or SPCHECK_CLIENT_ID: refused by azure-identity as malformed"
            ) from None
    if mode is AuthMode.CLI:
        if settings.tenant_id:
            return AzureCliCredential(tenant_id=settings.tenant_id)
        return AzureCliCredential()
    raise ValueError(f"no credential for auth mode {mode.value}")


@dataclass(slots=True)
class Auth:
    """The kiota authentication provider and what it is made of."""

    provider: AuthenticationProvider
    credential: ChainedCredential | None

    @property
    def mode(self) -> str:
        if self.credential is None:
            return AuthMode.NONE.value
        chosen = self.credential.mode
        return chosen.value if chosen is not None else "auto (not yet used)"

    async def aclose(self) -> None:
        if self.credential is not None:
            await self.credential.close()


def build_auth(
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    chain: Sequence[tuple[AuthMode, AsyncCredential]] | None = None,
) -> Auth:
    """The provider for ``settings.auth``; ``chain`` replaces the real credentials in tests."""
    env = os.environ if environ is None else environ
    modes = settings.resolve_auth(env)
    if modes == [AuthMode.NONE]:
        from kiota_abstractions.authentication import AnonymousAuthenticationProvider

        return Auth(provider=AnonymousAuthenticationProvider(), credential=None)
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )

    pairs = (
        list(chain)
        if chain is not None
        else [(mode, make_credential(mode, settings, env)) for mode in modes]
    )
    credential = ChainedCredential(pairs, settings)
    host = urlsplit(settings.graph_url).hostname or ""
    provider = AzureIdentityAuthenticationProvider(
        credential,  # type: ignore[arg-type]  # duck-typed AsyncTokenCredential
        scopes=[scope_for(settings.graph_url)],
        allowed_hosts=[host],
    )
    return Auth(provider=provider, credential=credential)
