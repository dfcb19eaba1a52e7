"""The Function's notification triggers against Azurite (queue, blobs, tables) and the emulator:
the endpoint, the wake queue and its debounce, the wake worker, the subscription timer, and
the check timer as the safety net."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from pydantic import SecretStr

from spcheck.azure.handlers import handle_timer
from spcheck.azure.notify import handle_notify, handle_subscriptions_timer, handle_wake_message
from spcheck.emulator.inprocess import transport
from spcheck.graph.client import build_gateway
from spcheck.graph.interface import Gateway
from spcheck.notify.clientstate import client_state
from spcheck.notify.interface import WakeKind
from spcheck.notify.messages import decode_wake
from spcheck.settings import Settings
from spcheck.store.records import CheckRun, DriveSubscription, RunStatus
from tests.emulator.helpers import Receiver
from tests.provision.conftest import BASE, IN_WINDOW, INSPECTION, make_world

from .functions_world import FunctionsWorld, queue_message

SECRET = "an-azure-test-secret-of-32-characters-or-more"
URL = "https://127.0.0.1:7071/api/notify?code=function-key"


class NotifyingWorld(FunctionsWorld):
    faults: str | None = None

    def settings(self) -> Settings:
        return super().settings().model_copy(
            update={
                "notify_url": SecretStr(URL),
                "notify_secret": SecretStr(SECRET),
                "notify_debounce": 2.0,
            }
        )

    def gateway(self, settings: Settings) -> Gateway:
        # Graph's handshake reaches a receiver that echoes the token.
        served = transport(
            self.world.state,
            base_url=BASE,
            faults=self.faults,
            ru_per_minute=100_000,
            notify_transport=Receiver().transport(),
        )
        return build_gateway(settings, transport=served)

    def runtime(self, **changes: Any) -> Any:
        return super().runtime(gateway_factory=self.gateway, **changes)


@pytest.fixture
def nw(tmp_path: Path, azurite: str, table_prefix: str) -> NotifyingWorld:
    return NotifyingWorld(make_world(tmp_path), azurite, table_prefix, now=IN_WINDOW)


def request(body: bytes = b"", **params: str) -> func.HttpRequest:
    return func.HttpRequest(
        method="POST",
        url="http://localhost/api/notify",
        headers={"content-type": "application/json"},
        params=params,
        body=body,
    )


def subscribed(nw: NotifyingWorld) -> DriveSubscription:
    record = DriveSubscription(
        drive_id=nw.world.drive_id,
        site_id="site",
        subscription_id="7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
        expires_at=IN_WINDOW + timedelta(days=20),
        checked_at=IN_WINDOW,
    )
    with nw.store() as store:
        store.put_drive_subscription(record)
    return record


def notifications(record: DriveSubscription, count: int, state: str) -> bytes:
    value = [
        {
            "id": f"n-{n}",
            "subscriptionId": record.subscription_id,
            "changeType": "updated",
            "resource": f"drives/{record.drive_id}/root",
            "clientState": state,
        }
        for n in range(count)
    ]
    return json.dumps({"value": value}).encode()


def test_the_endpoint_answers_graphs_handshake(nw: NotifyingWorld) -> None:
    answer = handle_notify(request(validationToken="opaque-token_123"), nw.runtime())
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    assert answer.get_body() == b"opaque-token_123"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_burst_is_one_wake_invisible_for_the_debounce(nw: NotifyingWorld) -> None:
    record = subscribed(nw)
    runtime = nw.runtime()
    for _ in range(3):
        answer = handle_notify(request(notifications(record, 5, client_state(SECRET))), runtime)
        assert answer.status_code == 202
    assert nw.queued(nw.notify_queue) == []  # invisible while the burst lasts
    time.sleep(2.5)
    (message,) = nw.queued(nw.notify_queue)
    wake = decode_wake(message["body"])
    assert (wake.drive_id, wake.kind, wake.subscription_id) == (
        record.drive_id,
        WakeKind.CHANGED,
        record.subscription_id,
    )


def test_a_wrong_client_state_is_401_and_queues_nothing(nw: NotifyingWorld) -> None:
    record = subscribed(nw)
    answer = handle_notify(request(notifications(record, 2, "forged")), nw.runtime())
    assert answer.status_code == 401
    assert json.loads(answer.get_body())["error"]["code"] == "unauthorized"
    time.sleep(2.2)
    assert nw.queued(nw.notify_queue) == []


def test_without_the_secret_the_endpoint_says_which_setting(nw: NotifyingWorld) -> None:
    unset = nw.settings().model_copy(update={"notify_secret": None})
    answer = handle_notify(request(b"{}"), nw.runtime(settings=lambda: unset))
    assert answer.status_code == 500
    assert "SPCHECK_NOTIFY_SECRET: not set" in json.loads(answer.get_body())["error"]["message"]


def test_the_subscription_timer_subscribes_and_a_wake_runs_the_cycle(nw: NotifyingWorld) -> None:
    runtime = nw.runtime()
    (outcome,) = handle_subscriptions_timer(None, runtime)
    assert outcome.action == "created"
    with nw.store() as store:
        (record,) = store.drive_subscriptions()
    assert record.subscription_id in nw.world.state.subscriptions
    (message,) = nw.queued(nw.notify_queue)  # the first delta run, at once
    wake = decode_wake(message["body"])
    assert wake.kind is WakeKind.CHANGED
    done = handle_wake_message(queue_message(message["body"]), runtime)
    assert done is not None
    assert done.cycle is not None
    assert [r.id for r in done.cycle.report.inspections] == [INSPECTION]  # the active one
    assert f"reports/{INSPECTION}/latest.json" in nw.blob_names()
    # Renewed by the next runs, not recreated.
    (again,) = handle_subscriptions_timer(None, runtime)
    assert again.action == "kept"


def test_a_refusal_is_a_warning_once(nw: NotifyingWorld, caplog: pytest.LogCaptureFixture) -> None:
    nw.faults = "subscriptions:refused"
    caplog.set_level(logging.INFO, logger="spcheck.azure.notify")
    for _ in range(2):
        (outcome,) = handle_subscriptions_timer(None, nw.runtime())
        assert outcome.refused
    said = [(r.levelno, r.getMessage()) for r in caplog.records if "refused" in r.getMessage()]
    assert [level for level, _ in said] == [logging.WARNING, logging.INFO]
    assert "HTTP 403 ExtensionError" in said[0][1]
    assert nw.queued(nw.notify_queue) == []


def test_a_malformed_wake_is_dropped_not_retried(nw: NotifyingWorld) -> None:
    assert handle_wake_message(queue_message('{"drive": "x"}'), nw.runtime()) is None


def test_the_check_timer_is_the_safety_net_while_notifications_are_live(
    nw: NotifyingWorld,
) -> None:
    runtime = nw.runtime()
    assert handle_timer(None, runtime).enqueued == (INSPECTION,)  # nothing live
    nw.queued()
    subscribed(nw)
    with nw.store() as store:
        store.record_run(
            CheckRun(
                run_id="r1",
                inspection_id=INSPECTION,
                as_of=IN_WINDOW,
                generated_at=IN_WINDOW - timedelta(minutes=30),
                status=RunStatus.OK,
            )
        )
    rested = handle_timer(None, runtime)
    assert (rested.enqueued, rested.resting) == ((), (INSPECTION,))
    later = nw.runtime(now=lambda: IN_WINDOW + timedelta(minutes=91))
    due = handle_timer(None, later)
    assert (due.enqueued, due.resting) == ((INSPECTION,), ())
