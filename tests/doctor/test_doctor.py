"""spcheck doctor against the emulator: each check passing, and failing as a real tenant fails
(the emulator's tenant modes), with the fix, the runbook section and the exit code."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from spcheck.doctor.interface import Status
from spcheck.doctor.run import ORDER, exit_code, run_checks
from spcheck.doctor.settings_check import check_settings
from spcheck.emulator.inprocess import transport
from spcheck.emulator.seeds import ROOT_FOLDER, SERVICE_EMAIL, SITE, seed_demo
from spcheck.emulator.server import EmulatorServer
from spcheck.settings import Settings
from tests.conftest import EXAMPLES, POLICIES, CliResult
from tests.emulator.helpers import Receiver
from tests.graph.conftest import FakeClock

from .helpers import BASE, CANARY_SECRET, RUNBOOK, doctor, settings_for, with_token

NOTIFY_URL = "http://127.0.0.1:8080/api/notify?code=test-function-key"
NOTIFY_SECRET = "a-doctor-secret-of-at-least-32-characters"


def status(lines: dict[str, Any], check: str) -> str:
    return str(lines[check][0])


def fix_of(text: str, check: str) -> str:
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line[2:].startswith(check + " "))
    return lines[index + 1]


def test_a_healthy_emulator_without_auth_passes_with_the_token_checks_skipped(
    tmp_path: Path,
) -> None:
    state = seed_demo()
    code, text, lines = doctor(settings_for(tmp_path), state=state)
    assert code == 0, text
    assert list(lines) == list(ORDER)
    assert {status(lines, c) for c in ("token", "permissions", "notify", "mail")} == {"-"}
    assert "not configured (SPCHECK_NOTIFY_URL)" in lines["notify"]
    assert "SPCHECK_AUTH=none" in lines["token"]
    for check in (
        "settings",
        "site",
        "drive",
        "root",
        "write",
        "delta",
        "state",
        "policy",
        "clock",
    ):
        assert status(lines, check) == "✓", text
    assert "doctor: 9 passed, 0 warning(s), 0 failed, 4 skipped; exit 0" in text
    drive = next(iter(state.sites.values())).drive_id
    assert all(item.deleted or "doctor" not in item.name for item in state.drive_items(drive)), (
        "the probe folder is gone"
    )


def test_a_healthy_tenant_with_a_token_passes_every_check(tmp_path: Path) -> None:
    settings = with_token(
        tmp_path,
        alert_to="sso@careinspectorate.example",
        alert_from=SERVICE_EMAIL,
        notify_url=NOTIFY_URL,
        notify_secret=NOTIFY_SECRET,
    )
    receiver = Receiver()
    state = seed_demo()
    code, text, lines = doctor(settings, state=state, notify_transport=receiver.transport())
    assert code == 0, text
    assert all(status(lines, check) == "✓" for check in ORDER), text
    assert "Graph validated http://127.0.0.1:8080/api/notify and made a subscription" in text
    assert [q["validationToken"] != "" for q in receiver.queries] == [True]
    assert state.subscriptions == {}, "the test subscription is deleted again"
    assert "test-function-key" not in text
    assert NOTIFY_SECRET not in text
    assert "token from the secret credential for app 5e" in lines["token"]
    assert "Sites.Selected granted, nothing broader" in lines["permissions"]
    assert "not proven without sending" in lines["mail"]
    assert CANARY_SECRET not in text
    assert "eyJ" not in text  # no token, not even its header


def test_broader_permissions_are_a_warning_naming_them(tmp_path: Path) -> None:
    code, text, lines = doctor(
        with_token(tmp_path), "roles:Sites.Selected+Sites.ReadWrite.All+Files.ReadWrite.All"
    )
    assert code == 0
    assert status(lines, "permissions") == "!"
    assert "Sites.ReadWrite.All, Files.ReadWrite.All" in lines["permissions"]
    assert f"{RUNBOOK}#register-the-app" in fix_of(text, "permissions")


def test_a_token_without_sites_selected_fails_and_stops_the_site_checks(tmp_path: Path) -> None:
    code, text, lines = doctor(with_token(tmp_path), "roles:Mail.Send")
    assert code == 2
    assert status(lines, "permissions") == "✗"
    assert "Sites.Selected is not in the token's roles; it has Mail.Send" in lines["permissions"]
    assert "application permission Sites.Selected" in fix_of(text, "permissions")
    for check in ("site", "drive", "root", "write", "delta"):
        assert status(lines, check) == "-"


def test_an_app_granted_read_only_fails_the_write_test_and_nothing_is_left(
    tmp_path: Path,
) -> None:
    state = seed_demo()
    code, text, lines = doctor(settings_for(tmp_path), "grant:read", state=state)
    assert code == 2
    assert status(lines, "root") == "✓"
    assert status(lines, "write") == "✗"
    assert "can read but not write in Inspections (HTTP 403 accessDenied)" in lines["write"]
    assert f"{RUNBOOK}#grant-the-site" in fix_of(text, "write")
    assert status(lines, "delta") == "✓"
    drive = next(iter(state.sites.values())).drive_id
    assert [i.name for i in state.children(drive, state.item_by_path(drive, ROOT_FOLDER).id)] == []  # type: ignore[union-attr]


def test_an_app_with_no_grant_fails_at_the_site(tmp_path: Path) -> None:
    code, text, lines = doctor(with_token(tmp_path), "grant:none")
    assert code == 2
    assert "access denied (HTTP 403 accessDenied)" in lines["site"]
    assert f"{RUNBOOK}#grant-the-site" in fix_of(text, "site")


def test_a_site_that_does_not_exist(tmp_path: Path) -> None:
    code, text, lines = doctor(settings_for(tmp_path), "site:missing")
    assert code == 2
    assert status(lines, "site") == "✗"
    assert "was not found (HTTP 404)" in lines["site"]
    assert f"{RUNBOOK}#configure-spcheck" in fix_of(text, "site")
    assert [status(lines, c) for c in ("drive", "root", "write", "delta")] == ["-"] * 4
    assert status(lines, "clock") == "✓"  # a 404 carries a Date too


def test_an_expired_token_is_a_401_with_the_rotation_runbook(tmp_path: Path) -> None:
    code, text, lines = doctor(with_token(tmp_path), "token:expired")
    assert code == 2
    assert "Graph refused the token (HTTP 401 InvalidAuthenticationToken)" in lines["site"]
    assert "runbooks/rotate-credentials.md" in fix_of(text, "site")


def test_an_expired_secret_fails_the_token_check(tmp_path: Path) -> None:
    code, text, lines = doctor(with_token(tmp_path), "secret:expired")
    assert code == 2
    assert "AADSTS7000222" in lines["token"]
    assert "the client secret has expired" in lines["token"]
    assert "set SPCHECK_CLIENT_SECRET" in fix_of(text, "token")
    assert CANARY_SECRET not in text
    assert [status(lines, c) for c in ("permissions", "site", "write")] == ["-"] * 3


def test_graph_unreachable_exits_3(tmp_path: Path) -> None:
    code, text, lines = doctor(settings_for(tmp_path), "graph:unreachable")
    assert code == 3
    assert "could not reach Graph (ConnectError)" in lines["site"]
    assert "runbooks/throttling-and-outages.md" in fix_of(text, "site")
    assert status(lines, "clock") == "-"
    assert status(lines, "policy") == "✓"


@pytest.mark.parametrize(("skew", "mark", "code"), [("skew:10m", "✗", 2), ("skew:-2m", "!", 0)])
def test_the_clock_against_graphs_date(tmp_path: Path, skew: str, mark: str, code: int) -> None:
    got, text, lines = doctor(settings_for(tmp_path), skew)
    assert got == code
    assert status(lines, "clock") == mark
    assert "ntp" in fix_of(text, "clock").lower()


def test_a_missing_inspections_root_warns_and_writes_at_the_top(tmp_path: Path) -> None:
    state = seed_demo()
    code, _, lines = doctor(settings_for(tmp_path, root_folder="Not yet made"), state=state)
    assert code == 0
    assert status(lines, "root") == "!"
    assert "the first provision --apply creates it" in lines["root"]
    assert "in the library's top folder" in lines["write"]
    drive = next(iter(state.sites.values())).drive_id
    assert [i.name for i in state.children(drive, state.root(drive).id)] == [ROOT_FOLDER]


def test_mail_without_the_role_is_a_warning(tmp_path: Path) -> None:
    settings = with_token(
        tmp_path, alert_to="sso@careinspectorate.example", alert_from=SERVICE_EMAIL
    )
    code, text, lines = doctor(settings, "roles:Sites.Selected")
    assert code == 0
    assert status(lines, "mail") == "!"
    assert "RBAC for Applications" in lines["mail"]
    assert f"{RUNBOOK}#doctor-mail" in fix_of(text, "mail")


def test_half_configured_alerts_fail_the_settings(tmp_path: Path) -> None:
    code, text, lines = doctor(settings_for(tmp_path, alert_to="sso@careinspectorate.example"))
    assert code == 2
    assert "SPCHECK_ALERT_FROM: not set" in lines["settings"]
    assert all(status(lines, check) == "-" for check in ORDER[1:])
    assert "SPCHECK_ALERT_TO = ss" in text  # the details are still shown, masked


def test_a_broken_setting_stops_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPCHECK_SITE", "not a site")
    results = run_checks()
    assert results[0].status is Status.FAIL
    assert results[0].summary.startswith("SPCHECK_SITE: expected hostname:/sites/path")
    assert [r.status for r in results[1:]] == [Status.SKIP] * (len(ORDER) - 1)


def test_settings_are_shown_without_secrets(tmp_path: Path) -> None:
    key = "c2VjcmV0LWtleS1jYW5hcnk="
    settings = with_token(
        tmp_path,
        state=f"azure-table:DefaultEndpointsProtocol=https;AccountName=stspcheck;AccountKey={key}",
        alert_to="sso@careinspectorate.example,ops@careinspectorate.example",
        alert_from=SERVICE_EMAIL,
    )
    first, _ = check_settings({"SPCHECK_SITE": "x"}, settings)
    details = dict(first.details)
    assert details["SPCHECK_CLIENT_SECRET"] == "set (not shown) (default)"
    assert details["SPCHECK_CLIENT_ID"].startswith("5e*")
    assert details["SPCHECK_STATE"].startswith("azure-table:stspcheck (key not shown)")
    assert details["SPCHECK_ALERT_TO"].startswith("ss******")
    assert details["SPCHECK_SITE"].endswith("(environment)")
    _, text, _ = doctor(settings.model_copy(update={"state": f"sqlite:///{tmp_path / 's.db'}"}))
    everything = text + json.dumps(details)
    assert key not in everything
    assert CANARY_SECRET not in everything
    assert "careinspectorate" not in everything


def test_the_auto_chain_is_named_in_order(tmp_path: Path) -> None:
    cert = tmp_path / "app.pem"
    cert.write_text("not read here")
    settings = settings_for(
        tmp_path,
        auth="auto",
        tenant_id="t" * 8,
        client_id="c" * 8,
        certificate_path=cert,
        graph_url="https://graph.microsoft.com/v1.0",
    )
    result, _ = check_settings({"IDENTITY_ENDPOINT": "http://169.254.169.254"}, settings)
    assert result.summary.startswith(
        "credential auto: managed-identity (IDENTITY_ENDPOINT is set), then certificate "
        "(SPCHECK_CERTIFICATE_PATH is set), then cli"
    )


def test_a_state_file_that_is_not_spcheck_s_fails(tmp_path: Path) -> None:
    (tmp_path / "state.db").write_text("a spreadsheet, not a database")
    code, text, lines = doctor(settings_for(tmp_path))
    assert code == 2
    assert "not an SQLite database" in lines["state"]
    assert f"{RUNBOOK}#doctor-state" in fix_of(text, "state")
    assert (tmp_path / "state.db").read_text() == "a spreadsheet, not a database"


def test_a_state_directory_that_does_not_exist_fails(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, state=f"sqlite:///{tmp_path / 'nowhere' / 's.db'}")
    code, _, lines = doctor(settings)
    assert code == 2
    assert "does not exist" in lines["state"]


def test_an_existing_state_file_passes(tmp_path: Path) -> None:
    from spcheck.store.sqlite import SqliteStore

    SqliteStore(tmp_path / "state.db").close()
    code, _, lines = doctor(settings_for(tmp_path))
    assert code == 0
    assert "spcheck's state, readable and writable" in lines["state"]


def test_an_invalid_definition_fails_the_policy_check(tmp_path: Path) -> None:
    broken = tmp_path / "inspections"
    broken.mkdir()
    (broken / "broken-2026.yaml").write_text("id: broken-2026\nprogramme: nope\n")
    code, text, lines = doctor(settings_for(tmp_path, inspections=broken))
    assert code == 2
    assert "broken-2026.yaml" in lines["policy"]
    assert "runbooks/new-inspection.md#2-check-it" in fix_of(text, "policy")


def test_json_lists_every_check_with_its_fix(tmp_path: Path) -> None:
    code, text, _ = doctor(settings_for(tmp_path), "grant:read", fmt="json")
    document = json.loads(text)
    assert document["exit_code"] == code == 2
    assert [c["id"] for c in document["checks"]] == list(ORDER)
    write = next(c for c in document["checks"] if c["id"] == "write")
    assert write["status"] == "fail"
    assert write["runbook"] == f"{RUNBOOK}#grant-the-site"
    assert document["counts"]["fail"] == 1
    assert "SPCHECK_GRAPH_URL" in document["checks"][0]["details"]


def test_doctor_trace_records_its_calls(tmp_path: Path) -> None:
    trace = tmp_path / "doctor.jsonl"
    code, _, _ = doctor(settings_for(tmp_path), trace=trace)
    assert code == 0
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    calls = [f"{r['method']} {r['path']}" for r in records[1:]]
    assert calls[0] == "GET /sites/{hostname#1}:/sites/{site-path#2}"
    assert any(call.startswith("DELETE /drives/") for call in calls)
    assert any("delta" in call for call in calls)
    assert "doctor-write-test" not in trace.read_text()


def test_the_command_line_against_a_served_emulator(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with EmulatorServer(seed_demo(), port=0) as server:
        env = {
            "SPCHECK_GRAPH_URL": server.base_url,
            "SPCHECK_SITE": SITE,
            "SPCHECK_AUTH": "none",
            "SPCHECK_POLICIES": str(POLICIES),
            "SPCHECK_INSPECTIONS": str(EXAMPLES),
            "SPCHECK_STATE": f"sqlite:///{tmp_path / 'state.db'}",
        }
        table: CliResult = run_cli("doctor", env=env)
        assert table.exit_code == 0, table.stdout + table.stderr
        assert "✓ write" in table.stdout
        as_json: CliResult = run_cli(
            "doctor", "--format", "json", "--trace", str(tmp_path / "t.jsonl"), env=env
        )
        assert as_json.exit_code == 0
        assert json.loads(as_json.stdout)["counts"]["fail"] == 0
        assert (tmp_path / "t.jsonl").read_text().startswith('{"trace":"spcheck-trace"')


def test_plain_marks_where_the_terminal_cannot_show_ticks(tmp_path: Path) -> None:
    from spcheck.doctor.render import render

    results = run_checks(
        settings=settings_for(tmp_path),
        gateway_options={"transport": transport(seed_demo(), base_url=BASE)},
    )
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    render(results, 0, "table", stream)
    stream.seek(0)
    text = stream.read()
    assert text.startswith("ok   settings")
    assert "-    token" in text


def test_every_runbook_section_doctor_cites_exists() -> None:
    import re

    from spcheck.report.runbooks import runbooks_dir, slug

    sources = Path(__file__).resolve().parents[2] / "src" / "spcheck" / "doctor"
    text = "".join(path.read_text() for path in sources.glob("*.py"))
    cited = {(f"{RUNBOOK}", anchor) for anchor in re.findall(r'section\("([a-z0-9-]+)"\)', text)}
    cited |= set(re.findall(r'"(runbooks/[a-z-]+\.md)#([a-z0-9-]+)"', text))
    assert len(cited) >= 10
    for file, anchor in cited:
        headings = {
            slug(line.lstrip("#"))
            for line in (runbooks_dir() / Path(file).name).read_text().splitlines()
            if line.startswith("#")
        }
        assert anchor in headings, f"{file}#{anchor}"


class FailingOn(httpx.AsyncBaseTransport):
    """The emulator, except that requests whose path ends with ``suffix`` get ``answer``."""

    def __init__(self, suffix: str, answer: httpx.Response) -> None:
        self.inner = transport(seed_demo(), base_url=BASE)
        self.suffix = suffix
        self.answer = answer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(self.suffix):
            return httpx.Response(
                self.answer.status_code, headers=self.answer.headers, content=self.answer.content
            )
        return await self.inner.handle_async_request(request)


def run_with(tmp_path: Path, served: httpx.AsyncBaseTransport) -> tuple[int, dict[str, str]]:
    clock = FakeClock()
    results = run_checks(
        settings=settings_for(tmp_path),
        gateway_options={"transport": served, "clock": clock, "sleep": clock.sleep},
    )
    return exit_code(results), {r.id: f"{r.status.value} {r.summary}" for r in results}


def test_a_drive_graph_cannot_serve_is_exit_3_and_stops_what_needs_it(tmp_path: Path) -> None:
    failing = FailingOn("/drive", httpx.Response(500, json={"error": {"code": "generalException"}}))
    code, lines = run_with(tmp_path, failing)
    assert code == 3
    assert lines["drive"].startswith("fail GET /sites/")
    assert "HTTP 500 generalException" in lines["drive"]
    assert [lines[c].split()[0] for c in ("root", "write", "delta")] == ["skip"] * 3


def test_a_delta_answer_without_links_fails_the_delta_check(tmp_path: Path) -> None:
    failing = FailingOn("/root/delta", httpx.Response(200, json={"value": []}))
    code, lines = run_with(tmp_path, failing)
    assert code == 2
    assert lines["delta"].startswith("fail GET /drives/")
    assert lines["delta"].endswith("/root/delta?token=latest: no deltaLink")
    assert lines["write"].startswith("pass")


def test_a_certificate_that_cannot_be_loaded_fails_the_token_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    cert = tmp_path / "app.pem"
    cert.write_text("not a certificate")
    settings = settings_for(
        tmp_path, auth="certificate", tenant_id="t" * 8, client_id="c" * 8, certificate_path=cert
    )
    results = run_checks(settings=settings)
    assert [r.id for r in results] == list(ORDER)
    by_id = {r.id: r for r in results}
    assert by_id["token"].status is Status.FAIL
    assert "SPCHECK_CERTIFICATE_PATH: the certificate could not be loaded" in by_id["token"].summary
    assert by_id["site"].status is Status.SKIP
    assert by_id["policy"].status is Status.PASS
    assert exit_code(results) == 2


def _notifying(tmp_path: Path, **changes: Any) -> Settings:
    return settings_for(tmp_path, notify_url=NOTIFY_URL, notify_secret=NOTIFY_SECRET, **changes)


def test_an_endpoint_that_fails_graphs_handshake_fails_the_notify_check(tmp_path: Path) -> None:
    receiver = Receiver()
    receiver.echo = False
    state = seed_demo()
    code, text, lines = doctor(
        _notifying(tmp_path), state=state, notify_transport=receiver.transport()
    )
    assert code == 2, text
    assert status(lines, "notify") == "✗"
    assert "could not validate http://127.0.0.1:8080/api/notify (HTTP 400" in lines["notify"]
    assert "reachable from the internet" in fix_of(text, "notify")
    assert "runbooks/subscriptions.md#when-graph-refuses" in text
    assert state.subscriptions == {}
    assert "test-function-key" not in text


def test_a_tenant_that_refuses_subscriptions_is_a_warning(tmp_path: Path) -> None:
    code, text, lines = doctor(
        _notifying(tmp_path), "subscriptions:refused", notify_transport=Receiver().transport()
    )
    assert code == 0, text
    assert status(lines, "notify") == "!"
    assert "HTTP 403" in lines["notify"]
    assert "on its schedule alone" in lines["notify"]


def test_a_notify_url_without_its_secret_fails_the_notify_check(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, notify_url=NOTIFY_URL)
    code, text, lines = doctor(settings, notify_transport=Receiver().transport())
    assert code == 2, text
    assert status(lines, "notify") == "✗"
    assert "SPCHECK_NOTIFY_SECRET: not set" in lines["notify"]
