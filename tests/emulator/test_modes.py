"""Tenant modes and the token endpoint: the emulator set up as a real tenant goes wrong."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from azure.core.exceptions import ClientAuthenticationError

from spcheck.emulator.app import DEFAULT_BASE_URL
from spcheck.emulator.credential import TEST_CLIENT_ID, EmulatorCredential
from spcheck.emulator.faults import FaultSpec
from spcheck.emulator.inprocess import transport
from spcheck.emulator.modes import TenantModes
from spcheck.emulator.seeds import ROOT_FOLDER, SERVICE_EMAIL, SITE
from spcheck.emulator.server import EmulatorServer
from spcheck.emulator.state import EmulatorState
from spcheck.errors import InputError

from .helpers import Clock

MORAG = "morag.testperson@glenmorven-council.example"


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "==="))
    return decoded


def run(
    state: EmulatorState,
    spec: str,
    scenario: Callable[[httpx.AsyncClient, dict[str, str]], Awaitable[Any]],
    *,
    with_token: bool = True,
) -> Any:
    """``scenario(client, headers)`` against the emulator in ``spec``, with an emulator token."""

    async def main() -> Any:
        served = transport(state, faults=spec)
        headers: dict[str, str] = {}
        if with_token:
            credential = EmulatorCredential(DEFAULT_BASE_URL, transport=served)
            token = await credential.get_token("https://graph.microsoft.com/.default")
            await credential.close()
            headers["Authorization"] = f"Bearer {token.token}"
        async with httpx.AsyncClient(transport=served, base_url=DEFAULT_BASE_URL) as client:
            return await scenario(client, headers)

    return asyncio.run(main())


def test_mode_entries_parse_and_print_back() -> None:
    spec = FaultSpec.parse(
        "429:0.1,grant:read,site:missing,token:expired,secret:expired,"
        "roles:Sites.Selected+Sites.ReadWrite.All,graph:unreachable,skew:-90s"
    )
    assert spec.modes == TenantModes(
        grant="read",
        site_missing=True,
        token_expired=True,
        secret_expired=True,
        roles=("Sites.Selected", "Sites.ReadWrite.All"),
        unreachable=True,
        clock_skew=-90.0,
    )
    assert FaultSpec.parse(str(spec)) == spec
    assert FaultSpec.parse("roles:none").modes.roles == ()
    assert FaultSpec.parse("skew:10m").modes.clock_skew == 600.0
    assert not FaultSpec.parse("grant:read").active  # modes are not random faults


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("grant:admin", "must be one of none, read, write"),
        ("site:gone", "must be missing"),
        ("token:stale", "must be expired"),
        ("roles:Sites Selected", "permission names joined by +"),
        ("skew:soon", "not a duration"),
        ("grant:read,grant:write", "given twice"),
    ],
)
def test_bad_mode_entries_are_one_input_error(spec: str, reason: str) -> None:
    with pytest.raises(InputError) as refused:
        FaultSpec.parse(spec)
    assert reason in str(refused.value)
    assert "\n" not in str(refused.value)


def test_tokens_carry_the_roles_and_the_app(state: EmulatorState) -> None:
    async def scenario(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
        return claims_of(headers["Authorization"].split()[1])

    healthy = run(state, "", scenario)
    assert healthy["roles"] == ["Sites.Selected", "Mail.Send"]
    assert healthy["appid"] == TEST_CLIENT_ID
    assert healthy["idtyp"] == "app"
    assert healthy["exp"] > healthy["iat"]
    broad = run(state, "roles:Sites.Selected+Files.ReadWrite.All", scenario)
    assert broad["roles"] == ["Sites.Selected", "Files.ReadWrite.All"]


def test_the_token_endpoint_refuses_an_expired_secret_as_entra_does(state: EmulatorState) -> None:
    async def scenario() -> None:
        served = transport(state, faults="secret:expired")
        credential = EmulatorCredential(DEFAULT_BASE_URL, transport=served)
        with pytest.raises(ClientAuthenticationError) as refused:
            await credential.get_token("https://graph.microsoft.com/.default")
        assert "AADSTS7000222" in str(refused.value)
        await credential.close()
        async with httpx.AsyncClient(transport=served) as client:
            raw = await client.post(
                "http://graph.emulator.local/_emulator/token",
                data={"grant_type": "client_credentials", "client_id": "x"},
            )
        assert raw.status_code == 401
        assert raw.json()["error"] == "invalid_client"
        assert raw.json()["error_codes"] == [7000222]
        async with httpx.AsyncClient(transport=served) as client:
            wrong = await client.get("http://graph.emulator.local/_emulator/token")
        assert wrong.status_code == 405

    asyncio.run(scenario())


@pytest.mark.parametrize("with_token", [True, False])
def test_grant_read_refuses_every_write_of_the_app_with_403(
    state: EmulatorState, drive_id: str, with_token: bool
) -> None:
    inspections = state.item_by_path(drive_id, ROOT_FOLDER)
    assert inspections is not None
    item = f"/drives/{drive_id}/items/{inspections.id}"

    async def scenario(client: httpx.AsyncClient, headers: dict[str, str]) -> list[int]:
        answers = [
            await client.get(f"/sites/{SITE}", headers=headers),
            await client.get(f"{item}/children", headers=headers),
            await client.post(
                f"{item}/children", json={"name": "x", "folder": {}}, headers=headers
            ),
            await client.patch(item, json={"name": "Renamed"}, headers=headers),
            await client.put(f"{item}:/a.txt:/content", content=b"a", headers=headers),
            await client.post(
                f"{item}/invite",
                json={"recipients": [{"email": MORAG}], "roles": ["read"]},
                headers=headers,
            ),
            await client.delete(item, headers=headers),
        ]
        assert all(
            a.json()["error"]["code"] == "accessDenied" for a in answers if a.status_code == 403
        )
        # A partnership user acts with their own permissions, not the app's grant.
        state.grant(drive_id, inspections.id, MORAG, ["write"])
        upload = await client.put(
            f"{item}:/b.txt:/content", content=b"b", headers={"X-Emulator-User": MORAG}
        )
        return [a.status_code for a in answers] + [upload.status_code]

    statuses = run(state, "grant:read", scenario, with_token=with_token)
    assert statuses == [200, 200, 403, 403, 403, 403, 403, 201]
    assert state.item_by_path(drive_id, ROOT_FOLDER) is not None


def test_grant_read_reaches_into_batch_sub_requests(state: EmulatorState, drive_id: str) -> None:
    async def scenario(client: httpx.AsyncClient, headers: dict[str, str]) -> list[int]:
        answer = await client.post(
            "/$batch",
            json={
                "requests": [
                    {"id": "1", "method": "GET", "url": f"/drives/{drive_id}/root"},
                    {
                        "id": "2",
                        "method": "POST",
                        "url": f"/drives/{drive_id}/root/children",
                        "body": {"name": "x", "folder": {}},
                        "headers": {"Content-Type": "application/json"},
                    },
                ]
            },
            headers=headers,
        )
        assert answer.status_code == 200
        return [entry["status"] for entry in answer.json()["responses"]]

    assert run(state, "grant:read", scenario) == [200, 403]


@pytest.mark.parametrize(
    ("spec", "status", "code"),
    [
        ("grant:none", 403, "accessDenied"),
        ("site:missing", 404, "itemNotFound"),
        ("token:expired", 401, "InvalidAuthenticationToken"),
        ("roles:Mail.Send", 403, "accessDenied"),
    ],
)
def test_site_requests_fail_as_graph_fails_them(
    state: EmulatorState, drive_id: str, spec: str, status: int, code: str
) -> None:
    async def scenario(client: httpx.AsyncClient, headers: dict[str, str]) -> list[httpx.Response]:
        return [
            await client.get(f"/sites/{SITE}", headers=headers),
            await client.get(f"/drives/{drive_id}/root/children", headers=headers),
        ]

    for answer in run(state, spec, scenario):
        assert answer.status_code == status
        assert answer.json()["error"]["code"] == code
        assert answer.headers["request-id"]


def test_an_expired_token_is_refused_even_when_the_mode_is_healthy(state: EmulatorState) -> None:
    async def scenario() -> httpx.Response:
        served = transport(state)
        credential = EmulatorCredential(DEFAULT_BASE_URL, transport=served)
        token = await credential.get_token("x")
        await credential.close()
        emulator = served.app.emulator  # type: ignore[attr-defined]
        emulator.tokens._wall = lambda: token.expires_on + 10  # an hour later
        async with httpx.AsyncClient(transport=served, base_url=DEFAULT_BASE_URL) as client:
            return await client.get(
                f"/sites/{SITE}", headers={"Authorization": f"Bearer {token.token}"}
            )

    answer = asyncio.run(scenario())
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_mail_send_needs_the_role_and_other_bearers_are_accepted(state: EmulatorState) -> None:
    message = {"message": {"toRecipients": [{"emailAddress": {"address": MORAG}}]}}

    async def scenario(client: httpx.AsyncClient, headers: dict[str, str]) -> list[int]:
        path = f"/users/{SERVICE_EMAIL}/sendMail"
        return [
            (await client.post(path, json=message, headers=headers)).status_code,
            (await client.get(f"/sites/{SITE}", headers=headers)).status_code,
            (
                await client.post(path, json=message, headers={"Authorization": "Bearer opaque"})
            ).status_code,
        ]

    assert run(state, "roles:Sites.Selected", scenario) == [403, 200, 202]
    assert len(state.sent_mail) == 1


def test_graph_unreachable_is_a_connect_error_but_the_token_endpoint_answers(
    state: EmulatorState,
) -> None:
    async def scenario(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        assert headers["Authorization"].startswith("Bearer ")
        with pytest.raises(httpx.ConnectError):
            await client.get(f"/sites/{SITE}", headers=headers)

    run(state, "graph:unreachable", scenario)
    assert state.stats.faults["unreachable"] == 1


def test_graph_unreachable_closes_the_socket_over_http() -> None:
    from spcheck.emulator.seeds import seed_empty

    with (
        EmulatorServer(seed_empty(Clock()), port=0, faults="graph:unreachable") as server,
        pytest.raises(httpx.TransportError),
        httpx.Client(timeout=5) as client,
    ):
        client.get(f"{server.base_url}/sites/{SITE}")


def test_every_answer_carries_a_date_which_skew_shifts(state: EmulatorState) -> None:
    async def scenario(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
        return [
            (await client.get(f"/sites/{SITE}", headers=headers)).headers["Date"],
            (await client.get("/sites/nowhere.example:/sites/x", headers=headers)).headers["Date"],
        ]

    from datetime import UTC, datetime

    now = datetime.now(UTC)
    straight = [parsedate_to_datetime(d) for d in run(state, "", scenario)]
    shifted = [parsedate_to_datetime(d) for d in run(state, "skew:-10m", scenario)]
    assert all(abs((d - now).total_seconds()) < 60 for d in straight)
    assert all(-660 < (d - now).total_seconds() < -540 for d in shifted)
