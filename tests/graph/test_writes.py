"""Writes: typed bodies, and retries only where they are safe."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
import pytest
import respx

from spcheck.graph.interface import (
    GraphAuthError,
    GraphConflict,
    GraphUnavailable,
    InvitationRefused,
    Role,
)

from .conftest import GatewayFactory, at

CHILDREN = "/drives/d1/items/parent/children"
EMAIL = "morag.testperson@glenmorven-council.example"


def test_create_folder_sends_conflict_fail_and_is_retried_after_a_503(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    bodies: list[dict[str, object]] = []
    answers = iter(
        [
            httpx.Response(503),
            httpx.Response(201, json={"id": "new", "name": "fife-2026", "folder": {}}),
        ]
    )

    def create(request: httpx.Request) -> httpx.Response:
        assert request.headers["Content-Type"] == "application/json"
        bodies.append(json.loads(request.content))
        return next(answers)

    router.post(**at(CHILDREN)).mock(side_effect=create)

    async def scenario() -> None:
        async with make_gateway() as gateway:
            result = await gateway.create_folder("d1", "parent", "fife-2026")
            assert result.created
            assert result.item.id == "new"

    asyncio.run(scenario())
    assert len(bodies) == 2
    assert bodies[0]["@microsoft.graph.conflictBehavior"] == "fail"
    assert bodies[0]["name"] == "fife-2026"
    assert bodies[0]["folder"] == {}
    assert "@microsoft_graph_conflict_behavior" not in bodies[0]


def test_create_folder_reads_409_as_exists(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    router.post(**at(CHILDREN)).mock(
        return_value=httpx.Response(409, json={"error": {"code": "nameAlreadyExists"}})
    )
    router.get(**at(CHILDREN)).mock(
        return_value=httpx.Response(
            200,
            json={
                "value": [
                    {"id": "other", "name": "notes.txt", "file": {}},
                    {"id": "old", "name": "Fife-2026", "folder": {"childCount": 3}},
                ]
            },
        )
    )

    async def scenario() -> None:
        async with make_gateway() as gateway:
            result = await gateway.create_folder("d1", "parent", "fife-2026")
            assert not result.created
            assert result.item.id == "old"
            with pytest.raises(GraphConflict, match="a file of that name"):
                await gateway.create_folder("d1", "parent", "notes.txt")

    asyncio.run(scenario())


def test_invite_sets_every_flag_explicitly(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    sent: list[dict[str, object]] = []

    def invite(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(
            200,
            json={
                "value": [
                    {"id": "perm-1", "roles": ["write"], "invitation": {"email": EMAIL}},
                ]
            },
        )

    router.post(**at("/drives/d1/items/f1/invite")).mock(side_effect=invite)

    async def scenario() -> None:
        async with make_gateway() as gateway:
            granted = await gateway.invite(
                "d1",
                "f1",
                [EMAIL],
                Role.WRITE,
                expires_at=datetime(2026, 12, 4, 23, 59, tzinfo=UTC),
                send_invitation=False,
            )
            assert [p.id for p in granted] == ["perm-1"]

    asyncio.run(scenario())
    (body,) = sent
    assert body["recipients"] == [{"email": EMAIL}]
    assert body["roles"] == ["write"]
    assert body["requireSignIn"] is True
    assert body["sendInvitation"] is False
    assert body["retainInheritedPermissions"] is True
    assert body["expirationDateTime"] == "2026-12-04T23:59:00Z"


def test_invite_rechecks_before_a_retry_and_does_not_invite_twice(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    invite = router.post(**at("/drives/d1/items/f1/invite")).mock(return_value=httpx.Response(504))
    recheck = router.get(**at("/drives/d1/items/f1/permissions")).mock(
        return_value=httpx.Response(
            200,
            json={
                "value": [
                    {"id": "inherited", "roles": ["owner"], "grantedToV2": {"siteGroup": {}}},
                    {
                        "id": "perm-9",
                        "roles": ["write"],
                        "grantedToV2": {"user": {"email": EMAIL.upper()}},
                    },
                ]
            },
        )
    )

    async def scenario() -> None:
        async with make_gateway() as gateway:
            granted = await gateway.invite("d1", "f1", [EMAIL], Role.WRITE)
            assert [p.id for p in granted] == ["perm-9"]

    asyncio.run(scenario())
    assert invite.call_count == 1
    assert recheck.call_count == 1


def test_invite_retries_when_the_recheck_finds_nothing(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    invite = router.post(**at("/drives/d1/items/f1/invite")).mock(
        side_effect=[
            httpx.ReadError("connection reset"),
            httpx.Response(200, json={"value": [{"id": "p", "roles": ["read"]}]}),
        ]
    )
    router.get(**at("/drives/d1/items/f1/permissions")).mock(
        return_value=httpx.Response(200, json={"value": []})
    )

    async def scenario() -> None:
        async with make_gateway() as gateway:
            await gateway.invite("d1", "f1", [EMAIL], Role.READ)

    asyncio.run(scenario())
    assert invite.call_count == 2


def test_delete_permission_is_idempotent(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    router.delete(**at("/drives/d1/items/f1/permissions/p1")).mock(return_value=httpx.Response(204))
    router.delete(**at("/drives/d1/items/f1/permissions/gone")).mock(
        return_value=httpx.Response(404, json={"error": {"code": "itemNotFound"}})
    )
    router.delete(**at("/drives/d1/items/f1/permissions/lost")).mock(
        side_effect=[httpx.ReadError("reset"), httpx.Response(404)]
    )

    async def scenario() -> None:
        async with make_gateway() as gateway:
            assert await gateway.delete_permission("d1", "f1", "p1") is True
            assert await gateway.delete_permission("d1", "f1", "gone") is False
            # the lost first attempt is the one that removed it
            assert await gateway.delete_permission("d1", "f1", "lost") is True

    asyncio.run(scenario())


def test_send_mail_retries_429_only(router: respx.Router, make_gateway: GatewayFactory) -> None:
    sender = "sso.alerts@careinspectorate.example"
    route = router.post(path__regex=r"^/v1\.0/users/[^/]+/sendMail$").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}),
            httpx.Response(202),
            httpx.Response(503),
        ]
    )

    async def scenario() -> None:
        async with make_gateway() as gateway:
            await gateway.send_mail(sender, [EMAIL], "PIR overdue", "<p>x</p>", html=True)
            with pytest.raises(GraphUnavailable) as caught:
                await gateway.send_mail(sender, [EMAIL], "again", "x")
            assert sender not in str(caught.value)  # the sender in the path is masked

    asyncio.run(scenario())
    assert route.call_count == 3
    body = json.loads(route.calls[1].request.content)
    message = body.get("message") or body.get("Message")
    assert message["toRecipients"] == [{"emailAddress": {"address": EMAIL}}]
    assert message["body"]["contentType"] == "html"


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        # What apps report when the tenant's external sharing does not allow the person.
        (403, {"error": {"code": "accessDenied", "message": "Access denied"}}, "accessDenied"),
        (
            400,
            {"error": {"code": "invalidRequest", "message": "The request is malformed."}},
            "invalidRequest",
        ),
        (403, {}, None),  # a refusal without Graph's error body
    ],
)
def test_a_refused_invitation_is_not_retried_and_names_the_runbook(
    router: respx.Router,
    make_gateway: GatewayFactory,
    status: int,
    body: dict[str, object],
    code: str | None,
) -> None:
    invite = router.post(**at("/drives/d1/items/f1/invite")).mock(
        return_value=httpx.Response(status, json=body)
    )

    async def scenario() -> InvitationRefused:
        async with make_gateway() as gateway:
            with pytest.raises(InvitationRefused) as refused:
                await gateway.invite("d1", "f1", [EMAIL], Role.READ)
            return refused.value

    error = asyncio.run(scenario())
    assert invite.call_count == 1  # a refusal is an answer, not a fault to retry
    assert (error.status, error.code, error.exit_code) == (status, code, 2)
    message = str(error)
    assert f"HTTP {status}" in message
    assert "runbooks/provision-inspection.md#an-invitation-is-refused" in message
    assert EMAIL not in message
    assert "\n" not in message


def test_a_401_on_an_invitation_is_still_a_sign_in_problem(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    router.post(**at("/drives/d1/items/f1/invite")).mock(
        return_value=httpx.Response(401, json={"error": {"code": "InvalidAuthenticationToken"}})
    )

    async def scenario() -> None:
        async with make_gateway() as gateway:
            with pytest.raises(GraphAuthError) as refused:
                await gateway.invite("d1", "f1", [EMAIL], Role.READ)
            assert not isinstance(refused.value, InvitationRefused)

    asyncio.run(scenario())
