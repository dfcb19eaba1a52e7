"""The Function's handlers called with azure.functions objects, against Azurite and the emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.functions.timer import TimerRequest

from spcheck.azure.active import active_period
from spcheck.azure.handlers import REJECTED, handle_access, handle_queue, handle_timer
from spcheck.commands.provision import run_provision, run_revoke
from spcheck.emulator.seeds import OUTSIDER_EMAIL
from spcheck.graph.interface import GraphError
from spcheck.loader import find_inspection, load_inspection, load_policies
from tests.conftest import EXAMPLES, POLICIES
from tests.provision.conftest import (
    FOLDERS,
    IAIN,
    IN_WINDOW,
    INSPECTION,
    MORAG,
    World,
    make_world,
)

from .functions_world import FunctionsWorld, http_request, queue_message

SSO = "sandy.testperson@careinspectorate.example"
# What App Service authentication adds to a request from a signed-in SSO.
SIGNED_IN = {"x-ms-client-principal-name": SSO, "x-ms-client-principal-id": "0000-1111"}


@pytest.fixture
def fw(tmp_path: Path, azurite: str, table_prefix: str) -> FunctionsWorld:
    world = make_world(tmp_path)
    # A finished inspection (2025) and a definition that does not load, beside the two examples.
    old = (EXAMPLES / f"{INSPECTION}.yaml").read_text()
    old = old.replace(INSPECTION, "oldtown-2025").replace("2026-09-07", "2025-01-06")
    old = old.replace("paused_weeks: [2026-10-12]", "paused_weeks: []")
    old = old.replace("sample: oldtown-2025.sample.csv", "")
    (world.inspections / "oldtown-2025.yaml").write_text(old)
    (world.inspections / "broken-2026.yaml").write_text("id: broken-2026\nunknown_key: 1\n")
    return FunctionsWorld(world, azurite, table_prefix, now=IN_WINDOW)


def period(inspection_id: str, weeks_after: int = 4) -> tuple[datetime, datetime]:
    policies = load_policies(POLICIES)
    loaded = load_inspection(find_inspection(EXAMPLES, inspection_id), policies)
    found = active_period(loaded, weeks_after)
    return found.starts, found.ends


# --- timer ------------------------------------------------------------------------------------


def test_the_timer_enqueues_exactly_the_active_inspections(fw: FunctionsWorld) -> None:
    outcome = handle_timer(TimerRequest(past_due=True), fw.runtime())
    assert outcome.enqueued == (INSPECTION,)
    assert set(outcome.inactive) == {"kinloch-2026", "oldtown-2025"}
    assert [Path(p).name for p in outcome.invalid] == ["broken-2026.yaml"]
    queued = fw.queued()
    assert [m["inspection"] for m in queued] == [INSPECTION]
    assert set(queued[0]) == {"id", "body", "inspection", "enqueued_at"}


def test_the_active_period_runs_from_notification_to_four_weeks_after_access(
    fw: FunctionsWorld,
) -> None:
    starts, ends = period(INSPECTION)
    kinloch_starts, _ = period("kinloch-2026")
    assert starts.weekday() == 0
    assert (starts.hour, starts.minute) == (0, 0)
    moments: dict[str, tuple[datetime, tuple[str, ...]]] = {
        "before notification": (starts - timedelta(minutes=1), ()),
        "notification Monday": (starts, (INSPECTION,)),
        "both running": (kinloch_starts + timedelta(days=1), (INSPECTION, "kinloch-2026")),
        "last minute": (ends - timedelta(minutes=1), ("kinloch-2026", INSPECTION)),
        "after": (ends + timedelta(minutes=1), ("kinloch-2026",)),
    }
    for label, (moment, expected) in moments.items():
        fw.now = moment
        outcome = handle_timer(None, fw.runtime())
        assert sorted(outcome.enqueued) == sorted(expected), label
        assert sorted(m["inspection"] for m in fw.queued()) == sorted(expected), label


# --- queue ------------------------------------------------------------------------------------


def provisioned_with_a_stray_record(fw: FunctionsWorld) -> World:
    """The example inspection provisioned, and a record not in the sample uploaded."""
    world = fw.world
    assert world.run(run_provision, INSPECTION, apply=True)[0] == 0
    world.state.upload(
        world.drive_id,
        f"Inspections/{INSPECTION}/{FOLDERS[2]}",
        "ZZ-0001.txt",
        b"Case file ZZ-0001: not in the sample.\n",
        user=MORAG,
        at=IN_WINDOW - timedelta(hours=1),
    )
    return world


def test_a_queued_inspection_is_checked_and_its_report_written_to_blobs(
    fw: FunctionsWorld,
) -> None:
    world = provisioned_with_a_stray_record(fw)
    handle_timer(None, fw.runtime())
    [message] = fw.queued()
    outcome = handle_queue(queue_message(message["body"], message_id=message["id"]), fw.runtime())
    assert outcome.rejected is None
    assert outcome.inspection == INSPECTION
    assert outcome.status == "error"
    stamp = IN_WINDOW.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    names = set(fw.blob_names())
    assert names == set(outcome.blobs)
    for suffix in ("html", "json", "md"):
        assert f"reports/{INSPECTION}/latest.{suffix}" in names
    assert {n for n in names if stamp in n} == {
        f"reports/{INSPECTION}/{stamp}.{suffix}" for suffix in ("html", "json", "md")
    }
    text, content_type = fw.blob(f"reports/{INSPECTION}/latest.json")
    assert content_type.startswith("application/json")
    report = json.loads(text)
    assert report["schema"] == "spcheck.report/v2"
    [inspection] = report["inspections"]
    assert inspection["id"] == INSPECTION
    assert "records.unexpected" in {f["rule"] for f in inspection["findings"]}
    html, html_type = fw.blob(f"reports/{INSPECTION}/latest.html")
    assert html_type.startswith("text/html")
    assert INSPECTION in html
    with fw.store() as store:
        last = store.last_run(INSPECTION)
        assert last is not None
        assert last.status.value == "error"
        assert any(key.startswith("records.unexpected|") for key in last.finding_keys)
        assert store.get_delta_link(world.drive_id) is not None


@pytest.mark.parametrize(
    ("body", "recorded_as"),
    [
        ('{"inspection": "nowhere-2026"}', "nowhere-2026"),
        ("not json at all", "(unknown)"),
        ('{"inspection": "glenmorven-2026", "as_of": "yesterday"}', INSPECTION),
        ('{"inspection": "broken-2026"}', "broken-2026"),
        ('{"inspection": "../../etc/passwd"}', "(unknown)"),
    ],
)
def test_a_message_no_retry_can_fix_is_recorded_and_not_retried(
    fw: FunctionsWorld, body: str, recorded_as: str
) -> None:
    def no_graph(_settings: object) -> object:
        raise AssertionError("a rejected message must not reach Graph")

    outcome = handle_queue(
        queue_message(body, dequeue_count=2, message_id="msg-7"),
        fw.runtime(gateway_factory=no_graph),
    )  # returns normally: the host deletes the message instead of retrying it
    assert outcome.rejected
    assert fw.blob_names() == []
    with fw.store() as store:
        [entry] = store.entries(recorded_as)
    assert entry.action == REJECTED
    assert entry.result.value == "skipped"
    assert entry.plan_id == "queue-msg-7"
    assert "not retried" in entry.detail
    assert "delivery 2" in entry.detail


def test_a_graph_outage_raises_so_the_host_retries_and_then_poisons(fw: FunctionsWorld) -> None:
    fw.world.faults = "503:1.0"
    with pytest.raises(GraphError):
        handle_queue(queue_message('{"inspection": "glenmorven-2026"}'), fw.runtime())
    assert fw.blob_names() == []
    with fw.store() as store:
        assert store.entries() == []
        assert store.last_run(INSPECTION) is None


# --- HTTP -------------------------------------------------------------------------------------


def respond(fw: FunctionsWorld, body: object, **headers: str) -> tuple[int, dict[str, object]]:
    text = body if isinstance(body, str) else json.dumps(body)
    response = handle_access(http_request(text, headers), fw.runtime())
    assert response.mimetype == "application/json"
    return response.status_code, json.loads(response.get_body())


def test_an_outside_domain_grant_is_refused_with_400_and_changes_nothing(
    fw: FunctionsWorld,
) -> None:
    world = fw.world
    world.run(run_provision, INSPECTION, apply=True)
    grants_before = world.direct_grants()
    with fw.store() as store:
        audit_before = store.entries()
    status, body = respond(
        fw,
        {"inspection": INSPECTION, "action": "grant", "emails": [OUTSIDER_EMAIL], "apply": True},
        **SIGNED_IN,
    )
    assert status == 400
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == "refused"
    assert "outside the inspection's allowed domains" in error["message"]
    assert OUTSIDER_EMAIL not in json.dumps(body)
    assert world.direct_grants() == grants_before
    with fw.store() as store:
        assert store.entries() == audit_before
    assert fw.blob_names() == []


def test_an_apply_from_a_caller_nobody_identified_is_refused_and_changes_nothing(
    fw: FunctionsWorld,
) -> None:
    world = fw.world
    world.run(run_provision, INSPECTION, apply=True)
    world.run(run_revoke, INSPECTION, [IAIN], apply=True)
    grants_before = world.direct_grants()
    with fw.store() as store:
        audit_before = store.entries()
    request = {"inspection": INSPECTION, "action": "grant", "emails": [IAIN], "apply": True}
    status, body = respond(fw, request)
    assert status == 403
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == "unidentified"
    assert "App Service authentication" in error["message"]
    assert world.direct_grants() == grants_before
    with fw.store() as store:
        assert store.entries() == audit_before
    # The plan alone needs nobody's name: it changes nothing.
    status, body = respond(fw, {**request, "apply": False})
    assert status == 200


def grant(**changes: object) -> dict[str, object]:
    return {"inspection": INSPECTION, "action": "grant", "emails": [MORAG], **changes}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "bad_request"),
        ('["a list"]', 400, "bad_request"),
        (grant(sudo=True), 400, "bad_request"),
        (grant(action="delete"), 400, "bad_request"),
        (grant(emails=["not-an-address"]), 400, "bad_request"),
        (grant(emails=[]), 400, "bad_request"),
        (grant(role="owner"), 400, "bad_request"),
        (grant(apply="yes"), 400, "bad_request"),
        (grant(action="revoke", role="read"), 400, "bad_request"),
        (grant(inspection="nowhere-2026"), 404, "not_found"),
        (grant(inspection="broken-2026"), 500, "configuration"),
        (grant(emails=[SSO]), 400, "refused"),
    ],
)
def test_bad_requests_get_a_json_error(
    fw: FunctionsWorld, body: object, status: int, code: str
) -> None:
    got_status, got = respond(fw, body)
    assert (got_status, got["error"]["code"]) == (status, code)  # type: ignore[index]
    assert got["error"]["message"]  # type: ignore[index]
    assert fw.world.direct_grants() == set()


def test_a_plan_then_an_applied_grant_audited_with_the_requester(fw: FunctionsWorld) -> None:
    world = fw.world
    world.run(run_provision, INSPECTION, apply=True)
    world.run(run_revoke, INSPECTION, [IAIN], apply=True)
    request = {"inspection": INSPECTION, "action": "grant", "emails": [IAIN.upper()]}
    status, body = respond(fw, request)
    assert status == 200
    plan = body["plan"]
    assert isinstance(plan, dict)
    assert plan["schema"] == "spcheck.plan/v1"
    assert [s["action"] for s in plan["steps"]] == ["grant", "grant"]
    assert plan["applied"] is None
    assert "audit" not in body
    assert not any(g.email == IAIN for g in world.direct_grants())

    status, body = respond(fw, {**request, "apply": True}, **SIGNED_IN)
    assert status == 200
    applied = body["plan"]["applied"]  # type: ignore[index]
    assert applied["verified"] is True
    assert {g.folder for g in world.direct_grants() if g.email == IAIN} == set(FOLDERS[2:4])
    audit = body["audit"]
    assert isinstance(audit, list)
    assert [e["action"] for e in audit] == ["grant", "grant"]
    assert all("requested over HTTP by sa" in e["detail"] for e in audit)
    assert all("principal 0000-1111" in e["detail"] for e in audit)
    assert {e["requested_by"] for e in audit} == {"sa************on@careinspectorate.example"}
    assert {e["actor"] for e in audit} == {"app:spcheck (none)"}
    text = json.dumps(body)
    assert IAIN not in text
    assert SSO not in text
    with fw.store() as store:
        stored = store.entries(INSPECTION)
    assert [e.action for e in stored[:2]] == ["grant", "grant"]
    assert stored[0].email == IAIN
    assert [e.requested_by for e in stored[:2]] == [SSO, SSO]
    export, media = fw.blob(f"audit/{INSPECTION}.jsonl")
    assert body["audit_export"] == f"audit/{INSPECTION}.jsonl"
    assert media.startswith("application/x-ndjson")
    lines = [json.loads(line) for line in export.splitlines()]
    assert len(lines) == len(stored)
    assert all(line["schema"] == "spcheck.audit/v1" for line in lines)
    assert IAIN not in export


def test_an_invitation_the_tenant_refuses_is_a_failed_step_in_a_json_error(
    fw: FunctionsWorld,
) -> None:
    world = fw.world
    world.run(run_provision, INSPECTION, apply=True)
    world.run(run_revoke, INSPECTION, [IAIN], apply=True)
    world.state.set_external_sharing("disabled")
    request = {"inspection": INSPECTION, "action": "grant", "emails": [IAIN], "apply": True}
    status, body = respond(fw, request, **SIGNED_IN)
    assert status == 500
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == "step_failed"
    assert "runbooks/provision-inspection.md#an-invitation-is-refused" in error["message"]
    plan = body["plan"]
    assert isinstance(plan, dict)
    applied = plan["applied"]
    assert applied["verified"] is False
    assert {o["result"] for o in applied["outcomes"]} == {"failed"}
    assert applied["failed"] == 2
    assert not any(g.email == IAIN for g in world.direct_grants())
    assert IAIN not in json.dumps(body)
    with fw.store() as store:
        assert [e.result.value for e in store.entries(INSPECTION)[:2]] == ["failed", "failed"]


def test_the_alert_from_a_queued_check_says_which_blob_holds_the_report(
    fw: FunctionsWorld,
) -> None:
    world = provisioned_with_a_stray_record(fw)
    mail = {
        "alert_to": "sso.testperson@careinspectorate.example",
        "alert_from": "spcheck@careinspectorate.example",
    }
    runtime = fw.runtime(settings=lambda: fw.settings().model_copy(update=mail))
    handle_timer(None, runtime)
    [message] = fw.queued()
    handle_queue(queue_message(message["body"], message_id=message["id"]), runtime)
    [sent] = world.state.sent_mail
    where = f"reports/{INSPECTION}/latest.html in the storage container {fw.container}"
    assert f"The full report, with what to do about each problem: {where}" in str(sent)


# --- accepting a finding over HTTP ------------------------------------------------------------

ODT = f"{FOLDERS[5]}/Results.odt"


def checked_with_an_odt_and_a_stray_record(fw: FunctionsWorld) -> None:
    world = provisioned_with_a_stray_record(fw)
    world.state.upload(
        world.drive_id,
        f"Inspections/{INSPECTION}/{FOLDERS[5]}",
        "Results.odt",
        b"survey results",
        user=MORAG,
        at=IN_WINDOW - timedelta(hours=1),
    )
    handle_timer(None, fw.runtime())
    [message] = fw.queued()
    handle_queue(queue_message(message["body"], message_id=message["id"]), fw.runtime())


def accepting(**changes: object) -> dict[str, object]:
    return {
        "inspection": INSPECTION,
        "action": "accept",
        "rule": "file.type_not_allowed",
        "path": ODT,
        "reason": "the survey team reads it; agreed with the inspection lead",
        **changes,
    }


def test_a_finding_accepted_over_http_by_the_signed_in_sso_then_withdrawn(
    fw: FunctionsWorld,
) -> None:
    checked_with_an_odt_and_a_stray_record(fw)
    status, body = respond(
        fw,
        accepting(until="2026-10-02", by="someone else"),
        **{"x-ms-client-principal-name": SSO, "x-ms-client-principal-id": "0000-1111"},
    )
    assert status == 200, body
    assert body == {
        "accepted": [
            {
                "rule": "file.type_not_allowed",
                "path": ODT,
                "location": None,
                "until": "2026-10-02T23:59:59+01:00",
                "by": SSO,  # the signed-in principal, whatever the body says
            }
        ]
    }
    with fw.store() as store:
        [acceptance] = store.acceptances(INSPECTION)
        [entry] = [e for e in store.entries(INSPECTION) if e.action == "accept"]
    assert (acceptance.by, acceptance.until.date().isoformat()) == (SSO, "2026-10-02")
    assert entry.actor == SSO
    # The next queued check lists it accepted.
    fw.now = IN_WINDOW + timedelta(hours=2)
    handle_timer(None, fw.runtime())
    [message] = fw.queued()
    handle_queue(queue_message(message["body"], message_id=message["id"]), fw.runtime())
    report = json.loads(fw.blob(f"reports/{INSPECTION}/latest.json")[0])
    [odt] = [f for f in report["inspections"][0]["findings"] if f["path"] == ODT]
    assert odt["accepted"]["reason"] == "the survey team reads it; agreed with the inspection lead"
    status, body = respond(
        fw, {"inspection": INSPECTION, "action": "unaccept", "rule": "file.type_not_allowed"}
    )
    assert status == 400  # a function-key caller must say who they are
    assert body["error"]["code"] == "bad_request"  # type: ignore[index]
    status, body = respond(
        fw,
        {
            "inspection": INSPECTION,
            "action": "unaccept",
            "rule": "file.type_not_allowed",
            "by": "Ailsa Placeholder (SSO)",
        },
    )
    assert status == 200, body
    assert [w["path"] for w in body["withdrawn"]] == [ODT]  # type: ignore[union-attr]
    with fw.store() as store:
        assert store.acceptances(INSPECTION) == []


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        (accepting(reason=None), 400, "bad_request", "--reason: must not be empty"),
        (accepting(rule="records.unexpectd"), 400, "bad_request", "RULE: no rule"),
        (accepting(until="2027-01-01"), 400, "bad_request", "--until: at most 30 days ahead"),
        (accepting(path="06 Staff survey/Other.odt"), 400, "bad_request", "no such finding"),
        (accepting(sudo=True), 400, "bad_request", "unknown key"),
        (accepting(action="unaccept"), 400, "bad_request", "reason and until: only for accept"),
        (
            accepting(rule="records.unexpected", path=f"{FOLDERS[2]}/ZZ-0001.txt"),
            400,
            "refused",
            "records.unexpected can never be accepted",
        ),
        (accepting(inspection="nowhere-2026"), 404, "not_found", "no definition"),
        (accepting(inspection="broken-2026"), 500, "configuration", "broken-2026"),
    ],
)
def test_bad_acceptance_requests_get_a_json_error_and_change_nothing(
    fw: FunctionsWorld, body: dict[str, object], status: int, code: str, message: str
) -> None:
    checked_with_an_odt_and_a_stray_record(fw)
    sent = {k: v for k, v in body.items() if v is not None}
    got_status, got = respond(fw, sent, **{"x-ms-client-principal-name": SSO})
    assert (got_status, got["error"]["code"]) == (status, code), got  # type: ignore[index]
    assert message in got["error"]["message"]  # type: ignore[index]
    with fw.store() as store:
        assert store.acceptances(INSPECTION, live=False) == []


def test_a_team_member_is_granted_over_http_in_their_window_and_refused_outside_it(
    fw: FunctionsWorld,
) -> None:
    partner = "alex.scrutineer@scrutiny-body.example"
    data = fw.world.definition()
    data["team"] = [{"name": "Alex Scrutineer", "email": partner, "role": "scrutiny-partner"}]
    fw.world.write_definition(data)
    request = {"inspection": INSPECTION, "action": "grant", "emails": [partner], "apply": True}
    # Week 3: records reading opens in week 8.
    fw.now = datetime(2026, 9, 28, 9, 0, tzinfo=UTC)
    status, body = respond(fw, request, **SIGNED_IN)
    assert status == 400
    assert body["error"]["code"] == "refused"  # type: ignore[index]
    assert "outside the scrutiny partner" in body["error"]["message"]  # type: ignore[index]
    assert fw.world.direct_grants() == set()

    fw.now = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    status, body = respond(fw, request, **SIGNED_IN)
    assert status == 200
    assert body["plan"]["applied"]["verified"] is True  # type: ignore[index]
    granted = {(g.folder, g.roles, g.sign_in) for g in fw.world.direct_grants()}
    assert granted == {(folder, ("read",), True) for folder in FOLDERS[2:4]}
    assert partner not in json.dumps(body)
