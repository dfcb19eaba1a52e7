"""Subscriptions: Graph's validation handshake, notifications on drive and permission changes,
expiry, lifecycle events, refusal, and the faults that drop or delay notifications."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from spcheck.emulator.app import DEFAULT_BASE_URL
from spcheck.emulator.inprocess import InProcessTransport, transport
from spcheck.emulator.notifier import Notifier
from spcheck.emulator.seeds import ROOT_FOLDER
from spcheck.emulator.state import EmulatorState
from spcheck.emulator.subscriptions import MAX_LIFETIME

from .helpers import RECEIVER_URL, Clock, Receiver

Scenario = Callable[[httpx.AsyncClient, Notifier], Awaitable[None]]


def run(state: EmulatorState, receiver: Receiver, scenario: Scenario, **app: Any) -> None:
    served: InProcessTransport = transport(
        state, notify_transport=receiver.transport(), notify_retry_pause=0.01, **app
    )

    async def main() -> None:
        async with httpx.AsyncClient(transport=served, base_url=DEFAULT_BASE_URL) as client:
            await scenario(client, served.app.emulator.notifier)
            await served.app.emulator.notifier.drain()

    asyncio.run(main())


def request(drive_id: str, state: EmulatorState, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "changeType": "updated",
        "notificationUrl": RECEIVER_URL,
        "lifecycleNotificationUrl": RECEIVER_URL,
        "resource": f"drives/{drive_id}/root",
        "expirationDateTime": (state.now() + timedelta(days=29)).isoformat(),
        "clientState": "the-client-state",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


async def subscribe(
    client: httpx.AsyncClient, drive_id: str, state: EmulatorState, *, security: bool = False
) -> str:
    headers = {"Prefer": "includesecuritywebhooks"} if security else {}
    answer = await client.post(
        "/subscriptions", json=request(drive_id, state), headers=headers
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def upload(client: httpx.AsyncClient, drive_id: str, name: str) -> None:
    answer = await client.put(
        f"/drives/{drive_id}/root:/{ROOT_FOLDER}/{name}:/content",
        content=b"synthetic",
    )
    assert answer.status_code == 201, answer.text


def test_creating_a_subscription_makes_the_validation_handshake_first(
    state: EmulatorState, drive_id: str
) -> None:
    receiver = Receiver()
    answers: list[httpx.Response] = []

    async def scenario(client: httpx.AsyncClient, notifier: Notifier) -> None:
        answers.append(await client.post("/subscriptions", json=request(drive_id, state)))

    run(state, receiver, scenario)
    body = answers[0].json()
    assert answers[0].status_code == 201
    assert body["resource"] == f"drives/{drive_id}/root"
    assert body["changeType"] == "updated"
    assert body["clientState"] == "the-client-state"
    assert body["expirationDateTime"].endswith(".0000000Z")
    # One handshake for the one distinct URL, its own query (the function key) kept.
    assert len(receiver.queries) == 1
    assert receiver.queries[0]["code"] == "test-key"
    assert len(receiver.queries[0]["validationToken"]) > 20
    assert list(state.subscriptions) == [body["id"]]


def test_a_receiver_that_does_not_echo_the_token_gets_no_subscription(
    state: EmulatorState, drive_id: str
) -> None:
    receiver = Receiver()
    receiver.echo = False
    answers: list[httpx.Response] = []

    async def scenario(client: httpx.AsyncClient, notifier: Notifier) -> None:
        answers.append(await client.post("/subscriptions", json=request(drive_id, state)))

    run(state, receiver, scenario)
    assert answers[0].status_code == 400
    assert "validation request failed" in answers[0].json()["error"]["message"]
    assert state.subscriptions == {}


@pytest.mark.parametrize(
    ("changes", "status", "says"),
    [
        ({"notificationUrl": "https://receiver.example/api/notify"}, 400, "loopback"),
        ({"lifecycleNotificationUrl": "http://10.0.0.5/api/notify"}, 400, "loopback"),
        ({"resource": "drives/{drive}/items/01ABC"}, 400, "root of a drive"),
        ({"changeType": "created,updated"}, 400, "only 'updated'"),
        ({"clientState": "x" * 129}, 400, "128"),
        ({"expirationDateTime": "2026-09-07T08:00:00Z"}, 400, "in the future"),
        ({"resource": "drives/b!unknown/root"}, 404, ""),
    ],
)
def test_graph_refuses_a_subscription_it_cannot_serve(
    state: EmulatorState, drive_id: str, changes: dict[str, Any], status: int, says: str
) -> None:
    receiver = Receiver()
    answers: list[httpx.Response] = []
    changes = {k: v.replace("{drive}", drive_id) for k, v in changes.items()}

    async def scenario(client: httpx.AsyncClient, notifier: Notifier) -> None:
        body = request(drive_id, state, **changes)
        answers.append(await client.post("/subscriptions", json=body))

    run(state, receiver, scenario)
    assert answers[0].status_code == status, answers[0].text
    assert says in answers[0].json()["error"]["message"]
    assert receiver.queries == []  # refused before any handshake
    assert state.subscriptions == {}


def test_the_longest_subscription_is_42300_minutes(clock: Clock, drive_id: str) -> None:
    from spcheck.emulator.seeds import seed_demo

    state = seed_demo(clock)
    drive = next(iter(state.sites.values())).drive_id
    receiver = Receiver()
    answers: list[httpx.Response] = []
    longest = clock.now + MAX_LIFETIME

    async def scenario(client: httpx.AsyncClient, notifier: Notifier) -> None:
        for expiry in (longest, longest + timedelta(minutes=1)):
            body = request(drive, state, expirationDateTime=expiry.isoformat())
            answers.append(await client.post("/subscriptions", json=body))

    run(state, receiver, scenario)
    assert [a.status_code for a in answers] == [201, 400]
    assert "42300 minutes" in answers[1].json()["error"]["message"]


def test_each_change_in_the_drive_is_notified_without_resource_data(
    state: EmulatorState, drive_id: str
) -> None:
    receiver = Receiver()
    ids: list[str] = []

    async def scenario(client: httpx.AsyncClient, notifier: Notifier) -> None:
        ids.append(await subscribe(client, drive_id, state))
        await upload(client, drive_id, "one.txt")
        await upload(client, drive_id, "two.txt")

    run(state, receiver, scenario)
    notes = receiver.notifications
    assert len(notes) == 2
    first = notes[0]
    assert set(first) == {
        "id",
        "subscriptionId",
        "subscriptionExpirationDateTime",
        "changeType",
        "resource",
        "tenantId",
        "clientState",
    }
    assert first["subscriptionId"] == ids[0]
    assert first["resource"] == f"drives/{drive_id}/root"
    assert first["clientState"] == "the-client-state"
    assert first["tenantId"] == state.tenant_id
    assert notes[0]["id"] != notes[1]["id"]
    assert state.notifications.delivered == 2


def test_permission_changes_notify_only_with_security_webhooks(
    state: EmulatorState, drive_id: str
) -> None:
    receivers = {False: Receiver(), True: Receiver()}
    for security, receiver in receivers.items():
        folder = state.create_folder(drive_id, ROOT_FOLDER, f"shared-{security}")

        async def scenario(
            client: httpx.AsyncClient,
            notifier: Notifier,
            security: bool = security,
            folder: Any = folder,
        ) -> None:
            sub = await subscribe(client, drive_id, state, security=security)
            link = await client.post(
                f"/drives/{drive_id}/items/{folder.id}/createLink",
                json={"type": "view", "scope": "anonymous"},
            )
            assert link.status_code in (200, 201)
            await notifier.drain()
            await client.delete(f"/subscriptions/{sub}")

        run(state, receiver, scenario)
    assert receivers[False].notifications == []
    assert len(receivers[True].notifications) == 1


def test_an_expired_subscription_is_gone_and_notifies_nothing(clock: Clock) -> None:
    from spcheck.emulator.seeds import seed_demo

    state = seed_demo(clock)
    drive = next(iter(state.sites.values())).drive_id
    receiver = Receiver()
    answers: list[int] = []

    async def scenario(client: httpx.AsyncClient, notifier: Notifier) -> None:
        expiry = (clock.now + timedelta(days=1)).isoformat()
        body = request(drive, state, expirationDateTime=expiry)
        sub = (await client.post("/subscriptions", json=body)).json()["id"]
        clock.advance(days=1, seconds=1)
        await upload(client, drive, "late.txt")
        answers.append((await client.get(f"/subscriptions/{sub}")).status_code)
        answers.append(
            (
                await client.patch(
                    f"/subscriptions/{sub}",
                    json={"expirationDateTime": (clock.now + timedelta(days=2)).isoformat()},
                )
            ).status_code
        )

    run(state, receiver, scenario)
    assert answers == [404, 404]
    assert receiver.notifications == []
    assert state.subscriptions == {}


def test_an_unanswered_reauthorization_challenge_pauses_notifications_until_renewed(
    clock: Clock,
) -> None:
    from spcheck.emulator.seeds import seed_demo

    state = seed_demo(clock)
    drive = next(iter(state.sites.values())).drive_id
    receiver = Receiver()

    async def scenario(client: httpx.AsyncClient, notifier: Notifier) -> None:
        expiry = (clock.now + timedelta(hours=3)).isoformat()
        body = request(drive, state, expirationDateTime=expiry)
        sub = (await client.post("/subscriptions", json=body)).json()["id"]
        clock.advance(hours=2, minutes=1)  # within the hour before expiry: challenged
        await notifier.drain()
        clock.advance(minutes=11)  # not answered within ten minutes: paused
        await upload(client, drive, "withheld.txt")
        await notifier.drain()
        renewed = await client.patch(
            f"/subscriptions/{sub}",
            json={"expirationDateTime": (clock.now + timedelta(days=2)).isoformat()},
        )
        assert renewed.status_code == 200
        await upload(client, drive, "sent.txt")

    run(state, receiver, scenario)
    events = [n.get("lifecycleEvent") for n in receiver.notifications]
    assert events == ["reauthorizationRequired", None]
    assert state.notifications.paused == 1
    assert state.notifications.lifecycle["reauthorizationRequired"] == 1


def test_reauthorize_answers_the_challenge_and_removal_and_missed_are_announced(
    state: EmulatorState, drive_id: str
) -> None:
    receiver = Receiver()
    answers: list[int] = []

    async def scenario(client: httpx.AsyncClient, notifier: Notifier) -> None:
        sub = await subscribe(client, drive_id, state)
        state.require_reauthorization(sub)
        answers.append((await client.post(f"/subscriptions/{sub}/reauthorize")).status_code)
        assert state.subscriptions[sub].reauthorize_since is None
        state.report_missed(sub)
        state.remove_subscription(sub)
        answers.append((await client.post(f"/subscriptions/{sub}/reauthorize")).status_code)

    run(state, receiver, scenario)
    assert answers == [204, 404]
    events = [n["lifecycleEvent"] for n in receiver.notifications]
    assert events == ["reauthorizationRequired", "missed", "subscriptionRemoved"]
    assert all(n["clientState"] == "the-client-state" for n in receiver.notifications)
    assert all("resource" not in n for n in receiver.notifications)


def test_notify_drop_and_delay_faults_reach_change_notifications_only(
    state: EmulatorState, drive_id: str
) -> None:
    dropped, delayed = Receiver(), Receiver()

    async def scenario(client: httpx.AsyncClient, notifier: Notifier) -> None:
        sub = await subscribe(client, drive_id, state)
        await upload(client, drive_id, f"{len(state.items)}.txt")
        state.report_missed(sub)
        await notifier.drain()
        await client.delete(f"/subscriptions/{sub}")

    run(state, dropped, scenario, faults="notify-drop:1")
    assert [n.get("lifecycleEvent") for n in dropped.notifications] == ["missed"]
    assert state.notifications.dropped == 1
    run(state, delayed, scenario, faults="notify-delay:50ms")
    # The delayed change notification arrives after the lifecycle one, which is never delayed.
    assert [n.get("lifecycleEvent") for n in delayed.notifications] == ["missed", None]
    assert state.notifications.delayed == 1


def test_a_failing_receiver_is_retried_then_given_up(state: EmulatorState, drive_id: str) -> None:
    receiver = Receiver()

    async def scenario(client: httpx.AsyncClient, notifier: Notifier) -> None:
        await subscribe(client, drive_id, state)
        receiver.status = 500
        await upload(client, drive_id, "unheard.txt")

    run(state, receiver, scenario)
    assert len(receiver.bodies) == 3  # the first POST and two retries
    assert state.notifications.failed == 1
    assert state.notifications.delivered == 0


def test_subscriptions_refused_mode_answers_as_a_tenant_that_refuses(
    state: EmulatorState, drive_id: str
) -> None:
    receiver = Receiver()
    answers: list[httpx.Response] = []

    async def scenario(client: httpx.AsyncClient, notifier: Notifier) -> None:
        answers.append(await client.post("/subscriptions", json=request(drive_id, state)))
        answers.append(await client.get(f"/drives/{drive_id}/root"))

    run(state, receiver, scenario, faults="subscriptions:refused")
    assert answers[0].status_code == 403
    assert answers[0].json()["error"]["code"] == "ExtensionError"
    assert answers[1].status_code == 200
    assert receiver.queries == []


def test_a_subscription_cannot_be_made_inside_batch(state: EmulatorState, drive_id: str) -> None:
    receiver = Receiver()
    answers: list[dict[str, Any]] = []

    async def scenario(client: httpx.AsyncClient, notifier: Notifier) -> None:
        batch = {
            "requests": [
                {
                    "id": "1",
                    "method": "POST",
                    "url": "/subscriptions",
                    "body": request(drive_id, state),
                    "headers": {"Content-Type": "application/json"},
                }
            ]
        }
        answers.append((await client.post("/$batch", json=batch)).json())

    run(state, receiver, scenario)
    assert answers[0]["responses"][0]["status"] == 400
    assert state.subscriptions == {}
