"""The receiver alone: the validation handshake, clientState, malformed bodies, replays, stale
subscriptions, other drives, burst collapse, lifecycle events and a failing queue."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spcheck.errors import ServiceUnavailable
from spcheck.notify.clientstate import client_state, shown_id, state_matches
from spcheck.notify.interface import BadWake, Wake, WakeKind, WakeQueue
from spcheck.notify.messages import decode_wake, encode_wake
from spcheck.notify.receiver import Receiver
from spcheck.store.memory_store import MemoryStore
from spcheck.store.records import DriveSubscription

NOW = datetime(2026, 9, 28, 9, 0, tzinfo=UTC)
STATE = client_state("a-test-secret-of-at-least-32-characters")
DRIVE = "b!watched-drive-0123456789"
SUBSCRIPTION = "7f105c7d-2dc5-4530-97cd-4e7ae6534c07"


class ListQueue(WakeQueue):
    def __init__(self) -> None:
        self.sent: list[tuple[Wake, float]] = []
        self.failing = False

    def send(self, wake: Wake, delay: float) -> None:
        if self.failing:
            raise ServiceUnavailable("queue spcheck-notifications: cannot be written")
        self.sent.append((wake, delay))


@pytest.fixture
def store() -> MemoryStore:
    made = MemoryStore()
    made.put_drive_subscription(
        DriveSubscription(
            drive_id=DRIVE,
            site_id="host,site,web",
            subscription_id=SUBSCRIPTION,
            expires_at=NOW + timedelta(days=20),
            checked_at=NOW,
        )
    )
    return made


@pytest.fixture
def queue() -> ListQueue:
    return ListQueue()


def receiver(store: MemoryStore, queue: ListQueue) -> Receiver:
    return Receiver(store, queue, STATE, debounce=5.0, now=lambda: NOW)


def change(**fields: Any) -> dict[str, Any]:
    note: dict[str, Any] = {
        "subscriptionId": SUBSCRIPTION,
        "subscriptionExpirationDateTime": "2026-10-18T09:00:00.0000000Z",
        "changeType": "updated",
        "resource": f"drives/{DRIVE}/root",
        "clientState": STATE,
        "tenantId": "b37cdee1-2f4f-5cbe-95f5-539e67133fa3",
    }
    note.update(fields)
    return {key: value for key, value in note.items() if value is not None}


def lifecycle(event: str, **fields: Any) -> dict[str, Any]:
    return change(lifecycleEvent=event, resource=None, changeType=None, **fields)


def post(rec: Receiver, *notes: dict[str, Any]) -> Any:
    return rec.answer("POST", {}, json.dumps({"value": list(notes)}).encode())


# --- the handshake -----------------------------------------------------------------------------


def test_the_validation_token_is_echoed_as_plain_text(store: MemoryStore, queue: ListQueue) -> None:
    token = "Validation: Token 0123-abc_DEF.xyz=="
    answer = receiver(store, queue).answer("POST", {"validationToken": token}, b"")
    assert (answer.status, answer.media_type, answer.body) == (200, "text/plain", token.encode())
    assert queue.sent == []


@pytest.mark.parametrize(
    "token", ["", "<script>alert(1)</script>", "line\nbreak", "x" * 4097, "caf\u00e9"]
)
def test_a_token_graph_never_sends_is_refused(
    store: MemoryStore, queue: ListQueue, token: str
) -> None:
    answer = receiver(store, queue).answer("POST", {"validationToken": token}, b"")
    assert answer.status == 400
    assert answer.media_type == "application/json"
    assert json.loads(answer.body)["error"]["code"] == "bad_request"


def test_another_method_is_405(store: MemoryStore, queue: ListQueue) -> None:
    assert receiver(store, queue).answer("GET", {"validationToken": "abc"}, b"").status == 405


# --- what is refused ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"not json", "not JSON"),
        (b"[]", "notification collection"),
        (b'{"value": {}}', "notification collection"),
        (b'{"value": [1]}', "value[0]: not an object"),
        (b'{"value": [{"clientState": "x"}]}', "subscriptionId: missing"),
        (b'{"value": [{"subscriptionId": 7}]}', "expected a string"),
        (
            b'{"value": [{"subscriptionId": "s", "lifecycleEvent": "deleted"}]}',
            "is not one of",
        ),
        (b" " * (1024 * 1024 + 1), "larger than"),
    ],
)
def test_a_body_that_is_not_graphs_shape_is_400(
    store: MemoryStore, queue: ListQueue, body: bytes, says: str
) -> None:
    answer = receiver(store, queue).answer("POST", {}, body)
    assert answer.status == 400
    assert says in json.loads(answer.body)["error"]["message"]
    assert queue.sent == []


def test_a_wrong_client_state_is_401_and_changes_nothing(
    store: MemoryStore, queue: ListQueue
) -> None:
    before = store.drive_subscriptions()
    answer = post(
        receiver(store, queue),
        change(clientState="guessed", id="n1"),
        change(id="n2", clientState=None),
    )
    assert answer.status == 401
    assert [d.reason for d in answer.dropped] == ["clientState does not match"] * 2
    assert queue.sent == []
    assert store.drive_subscriptions() == before
    assert store.seen_notifications(SUBSCRIPTION, ["n1", "n2"]) == set()
    # No marker was left behind: a genuine notification still wakes the drive.
    assert post(receiver(store, queue), change(id="n3")).status == 202
    assert len(queue.sent) == 1


def test_client_state_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert state_matches(STATE, STATE)
    assert not state_matches(STATE, STATE[:-1] + "0")
    assert not state_matches(STATE, None)
    assert len(calls) == 2


def test_a_mixed_body_keeps_the_genuine_notifications(store: MemoryStore, queue: ListQueue) -> None:
    answer = post(receiver(store, queue), change(clientState="forged"), change(id="n1"))
    assert answer.status == 202
    assert [w.kind for w in answer.woken] == [WakeKind.CHANGED]
    assert [d.reason for d in answer.dropped] == ["clientState does not match"]


def test_a_replayed_notification_changes_nothing(store: MemoryStore, queue: ListQueue) -> None:
    rec = receiver(store, queue)
    assert post(rec, change(id="n1")).woken
    store.clear_pending(f"{DRIVE}|changed")  # the run it asked for has started
    again = post(rec, change(id="n1"))
    assert again.status == 202
    assert again.woken == ()
    assert [d.reason for d in again.dropped] == ["replay: seen before"]
    # Twice in one body: the second is a replay too.
    store.clear_pending(f"{DRIVE}|changed")
    both = post(rec, change(id="n2"), change(id="n2"))
    assert len(both.woken) == 1
    assert [d.reason for d in both.dropped] == ["replay: seen before"]
    assert len(queue.sent) == 2


def test_a_stale_subscription_or_another_drive_changes_nothing(
    store: MemoryStore, queue: ListQueue
) -> None:
    rec = receiver(store, queue)
    stale = post(rec, change(subscriptionId="0be2a9c4-0000-4000-8000-000000000000"))
    elsewhere = post(
        rec,
        change(
            subscriptionId="99999999-0000-4000-8000-000000000000",
            resource="drives/b!some-other-drive/root",
        ),
    )
    wrong_drive = post(rec, change(resource="drives/b!some-other-drive/root"))
    for answer in (stale, elsewhere):
        assert answer.status == 202  # authentic: Graph must stop resending it
        assert [d.reason for d in answer.dropped] == [
            "replay: not the subscription of a watched drive"
        ]
    assert [d.reason for d in wrong_drive.dropped] == ["its resource is another drive's root"]
    assert queue.sent == []
    assert store.mark_pending(f"{DRIVE}|changed", NOW, stale_before=NOW)  # no marker was set


def test_a_burst_becomes_one_wake_until_its_run_starts(
    store: MemoryStore, queue: ListQueue
) -> None:
    rec = receiver(store, queue)
    answers = [post(rec, *(change(id=f"n{b}-{i}") for i in range(10))) for b in range(3)]
    assert sum(len(a.woken) for a in answers) == 1
    assert sum(a.collapsed for a in answers) == 29
    ((wake, delay),) = queue.sent
    assert (wake.drive_id, wake.kind, wake.subscription_id, wake.at) == (
        DRIVE,
        WakeKind.CHANGED,
        SUBSCRIPTION,
        NOW,
    )
    assert delay == 5.0  # the debounce
    store.clear_pending(wake.marker)
    assert post(rec, change(id="after")).woken
    assert len(queue.sent) == 2


def test_each_lifecycle_event_wakes_the_drive_for_its_own_work(
    store: MemoryStore, queue: ListQueue
) -> None:
    answer = post(
        receiver(store, queue),
        lifecycle("reauthorizationRequired"),
        lifecycle("missed"),
        lifecycle("subscriptionRemoved"),
        change(id="n1"),
        lifecycle("missed"),
    )
    assert answer.status == 202
    assert [w.kind for w in answer.woken] == [
        WakeKind.REAUTHORIZE,
        WakeKind.MISSED,
        WakeKind.REMOVED,
        WakeKind.CHANGED,
    ]
    assert answer.collapsed == 1


def test_a_queue_that_fails_is_503_and_graphs_retry_is_accepted(
    store: MemoryStore, queue: ListQueue
) -> None:
    rec = receiver(store, queue)
    queue.failing = True
    failed = post(rec, change(id="n1"))
    assert failed.status == 503
    queue.failing = False
    retried = post(rec, change(id="n1"))
    assert retried.status == 202
    assert len(retried.woken) == 1


def test_an_empty_collection_is_accepted(store: MemoryStore, queue: ListQueue) -> None:
    assert post(receiver(store, queue)).status == 202


# --- wake messages -----------------------------------------------------------------------------


def test_a_wake_round_trips() -> None:
    wake = Wake(DRIVE, WakeKind.MISSED, SUBSCRIPTION, NOW)
    assert decode_wake(encode_wake(wake)) == wake
    assert decode_wake(encode_wake(wake).encode()) == wake


@pytest.mark.parametrize(
    "text",
    [
        b"\xff",
        "nope",
        "[]",
        '{"drive": "d", "kind": "changed", "subscription": "s"}',
        '{"drive": "d", "kind": "deleted", "subscription": "s", "at": "2026-09-28T09:00:00+00:00"}',
        '{"drive": "d", "kind": "changed", "subscription": "s", "at": "2026-09-28T09:00:00"}',
        '{"drive": "", "kind": "changed", "subscription": "s", "at": "2026-09-28T09:00:00Z"}',
    ],
)
def test_a_bad_wake_is_refused(text: str | bytes) -> None:
    with pytest.raises(BadWake):
        decode_wake(text)


def test_ids_are_shown_short_and_masked() -> None:
    assert shown_id(SUBSCRIPTION) == "7f******07"
    assert shown_id("short") == "******"


def test_a_resource_in_another_form_is_not_held_against_a_genuine_notification(
    store: MemoryStore, queue: ListQueue
) -> None:
    answer = post(receiver(store, queue), change(resource=f"/Drives('{DRIVE}')/Root"))
    assert answer.status == 202
    assert [w.drive_id for w in answer.woken] == [DRIVE]
