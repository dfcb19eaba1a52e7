"""Credentials from settings, and what a 401/403 tells the operator to check."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
import pytest
import respx
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CredentialUnavailableError

from spcheck.graph.auth import ChainedCredential, build_auth, scope_for
from spcheck.graph.interface import GraphAuthError
from spcheck.settings import AuthMode

from .conftest import (
    FAKE_TOKEN,
    FakeCredential,
    GatewayFactory,
    at,
    emulator_settings,
    tenant_settings,
)

SECRET = "not-a-real-secret-value"


def _read_site(make_gateway: GatewayFactory, **kwargs: object) -> None:
    async def scenario() -> None:
        async with make_gateway(**kwargs) as gateway:
            await gateway.resolve_site()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("status", "code"), [(401, "InvalidAuthenticationToken"), (403, "accessDenied")]
)
def test_401_and_403_say_what_to_check_and_are_not_retried(
    status: int, code: str, router: respx.Router, make_gateway: GatewayFactory
) -> None:
    route = router.get(**at("/sites/glenmorven.sharepoint.example:/sites/inspections")).mock(
        return_value=httpx.Response(status, json={"error": {"code": code, "message": "no"}})
    )
    settings = tenant_settings()

    with pytest.raises(GraphAuthError) as caught:
        _read_site(
            make_gateway, settings=settings, credentials=[(AuthMode.SECRET, FakeCredential())]
        )

    message = str(caught.value)
    assert route.call_count == 1
    assert caught.value.exit_code == 2
    assert f"HTTP {status} {code}" in message
    assert "Sites.Selected" in message
    assert settings.site is not None
    assert settings.site in message
    assert "SPCHECK_CLIENT_ID" in message
    assert "SPCHECK_TENANT_ID" in message
    assert settings.client_id is not None
    assert settings.client_id not in message
    assert "9f" in message
    assert "11" in message
    assert SECRET not in message
    assert FAKE_TOKEN not in message
    assert "\n" not in message


def test_the_token_goes_in_the_header_and_nowhere_else(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "site-1"})

    router.get(**at("/sites/glenmorven.sharepoint.example:/sites/inspections")).mock(
        side_effect=record
    )
    router.get(**at("/sites/site-1/drive")).mock(return_value=httpx.Response(200, json={"id": "d"}))
    credential = FakeCredential()

    async def scenario() -> str:
        gateway = make_gateway(
            settings=tenant_settings(), credentials=[(AuthMode.SECRET, credential)]
        )
        async with gateway:
            await gateway.resolve_site()
            return gateway.auth_mode

    assert asyncio.run(scenario()) == "secret"
    assert seen[0].headers["Authorization"] == f"Bearer {FAKE_TOKEN}"
    assert seen[0].headers["User-Agent"] == "NONISV|CareInspectorate|spcheck/0.1.0"
    assert credential.closed


def test_auto_uses_the_first_credential_that_answers_and_says_which() -> None:
    settings = tenant_settings(auth="auto")
    unavailable = FakeCredential(error=CredentialUnavailableError("no managed identity here"))
    certificate = FakeCredential()
    cli = FakeCredential()
    chain = ChainedCredential(
        [
            (AuthMode.MANAGED_IDENTITY, unavailable),
            (AuthMode.CERTIFICATE, certificate),
            (AuthMode.CLI, cli),
        ],
        settings,
    )
    assert chain.mode is None

    async def scenario() -> None:
        await chain.get_token("https://graph.microsoft.com/.default")
        await chain.get_token("https://graph.microsoft.com/.default")

    asyncio.run(scenario())
    assert chain.mode is AuthMode.CERTIFICATE
    assert (unavailable.calls, certificate.calls, cli.calls) == (1, 2, 0)


def test_a_refused_credential_stops_auto_with_what_to_check() -> None:
    settings = tenant_settings(auth="auto")
    refused = FakeCredential(
        error=ClientAuthenticationError(f"AADSTS7000215: Invalid client secret {SECRET}")
    )
    cli = FakeCredential()
    chain = ChainedCredential([(AuthMode.SECRET, refused), (AuthMode.CLI, cli)], settings)

    with pytest.raises(GraphAuthError) as caught:
        asyncio.run(chain.get_token("https://graph.microsoft.com/.default"))

    message = str(caught.value)
    assert "secret credential was refused (AADSTS7000215)" in message
    assert SECRET not in message
    assert cli.calls == 0


def test_no_available_credential_lists_what_was_tried() -> None:
    chain = ChainedCredential(
        [
            (AuthMode.MANAGED_IDENTITY, FakeCredential(error=CredentialUnavailableError("x"))),
            (AuthMode.CLI, FakeCredential(error=CredentialUnavailableError("y"))),
        ],
        tenant_settings(auth="auto"),
    )

    with pytest.raises(GraphAuthError, match=r"tried managed-identity .*, cli "):
        asyncio.run(chain.get_token("https://graph.microsoft.com/.default"))


def test_auto_order_follows_the_settings() -> None:
    settings = tenant_settings(auth="auto")
    modes = settings.resolve_auth({"IDENTITY_ENDPOINT": "http://169.254.169.254/msi"})
    assert modes == [AuthMode.MANAGED_IDENTITY, AuthMode.SECRET, AuthMode.CLI]


def test_none_is_anonymous_and_builds_real_credentials_lazily() -> None:
    auth = build_auth(emulator_settings())
    assert auth.mode == "none"
    assert auth.credential is None

    real = build_auth(tenant_settings(), environ={})
    assert real.credential is not None
    assert real.mode == "secret"
    asyncio.run(real.aclose())


def test_scopes() -> None:
    assert scope_for("http://127.0.0.1/v1.0") == "https://graph.microsoft.com/.default"
    assert scope_for("https://graph.microsoft.us/v1.0") == "https://graph.microsoft.us/.default"


def test_importing_the_graph_package_loads_no_sdk() -> None:
    code = (
        "import sys, spcheck.graph, spcheck.store.memory\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('msgraph', 'msgraph_core', 'kiota_abstractions', 'kiota_http') "
        "or m.startswith('azure.identity')]\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_building_a_gateway_quiets_httpx_url_logging() -> None:
    import asyncio
    import logging

    from spcheck.graph.client import build_gateway
    from tests.graph.conftest import emulator_settings

    logging.getLogger("httpx").setLevel(logging.INFO)
    gateway = build_gateway(emulator_settings())
    asyncio.run(gateway.aclose())
    # httpx would log full URLs (delta tokens, mailbox addresses) at INFO.
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
