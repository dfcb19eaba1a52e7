"""The Function's entry and configuration files, its settings and message format (no Azurite)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from datetime import datetime
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest

from spcheck.azure.interface import BadMessage, CheckMessage
from spcheck.azure.messages import decode, encode, loose_inspection_id
from spcheck.azure.settings import DEFAULT_SCHEDULE, FunctionSettings
from spcheck.errors import ConfigError
from tests.conftest import ROOT

LONDON = ZoneInfo("Europe/London")
STORAGE = "UseDevelopmentStorage=true"


def load_function_app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("function_app", ROOT / "function_app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_app_declares_its_six_triggers_with_their_settings() -> None:
    app = load_function_app().app
    functions = {
        f.get_function_name(): json.loads(f.get_function_json()) for f in app.get_functions()
    }
    assert set(functions) == {
        "check_timer",
        "check_inspection",
        "access",
        "notify_endpoint",
        "notified_drive",
        "subscriptions_timer",
    }
    for name, schedule in (
        ("check_timer", "%SPCHECK_SCHEDULE%"),
        ("subscriptions_timer", "%SPCHECK_SUBSCRIPTIONS_SCHEDULE%"),
    ):
        [timer] = functions[name]["bindings"]
        assert (timer["type"], timer["schedule"]) == ("timerTrigger", schedule)
    for name, queue_name in (
        ("check_inspection", "%SPCHECK_QUEUE%"),
        ("notified_drive", "%SPCHECK_NOTIFY_QUEUE%"),
    ):
        [queue] = functions[name]["bindings"]
        assert (queue["type"], queue["queueName"], queue["connection"]) == (
            "queueTrigger",
            queue_name,
            "AzureWebJobsStorage",
        )
    for name, route in (("access", "access"), ("notify_endpoint", "notify")):
        http = functions[name]["bindings"][0]
        assert (http["type"], http["route"], http["methods"], http["authLevel"]) == (
            "httpTrigger",
            route,
            ["POST"],
            "FUNCTION",
        )


def test_host_json_poisons_after_five_deliveries_on_extension_bundle_4() -> None:
    host = json.loads((ROOT / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensionBundle"]["version"].startswith("[4.")
    queues = host["extensions"]["queues"]
    assert queues["maxDequeueCount"] == 5
    assert queues["messageEncoding"] == "base64"  # what StorageQueue sends
    # An idle queue is polled at most this far apart: a wake waits seconds, not half a minute.
    assert queues["maxPollingInterval"] == "00:00:02"
    assert host["functionTimeout"] == "00:10:00"


def test_requirements_install_the_project_with_its_azure_extra_and_no_secret_is_shipped() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines == [".[azure]"]
    example = json.loads((ROOT / "local.settings.example.json").read_text())
    values = example["Values"]
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert values["SPCHECK_SCHEDULE"] == DEFAULT_SCHEDULE
    text = json.dumps(example)
    for secret in ("AccountKey", "SharedAccessSignature", "CLIENT_SECRET", "PASSWORD"):
        assert secret not in text


def test_the_cli_does_not_import_the_azure_sdk() -> None:
    code = (
        "import sys; from spcheck.cli import main; sys.argv=['spcheck','--help']\n"
        "try: main()\nexcept SystemExit: pass\n"
        "import spcheck.store.factory\n"
        "print(sorted(m for m in sys.modules if m.startswith(('azure.functions','azure.data',"
        "'azure.storage'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


# --- settings --------------------------------------------------------------------------------


def test_function_settings_have_their_defaults() -> None:
    settings = FunctionSettings.from_env({"AzureWebJobsStorage": STORAGE})
    assert settings.schedule == "0 */30 8-18 * * 1-5"
    assert settings.queue == "spcheck-inspections"
    assert settings.reports_container == "spcheck-reports"
    assert settings.active_weeks_after == 4
    assert settings.notify_queue == "spcheck-notifications"
    assert settings.subscriptions_schedule == "0 7 */6 * * *"
    assert "Eby8" not in repr(settings)


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({}, "AzureWebJobsStorage"),
        ({"AzureWebJobsStorage": "AccountName=x"}, "AzureWebJobsStorage"),
        ({"SPCHECK_SCHEDULE": "*/30 * * * *"}, "SPCHECK_SCHEDULE"),
        ({"SPCHECK_QUEUE": "Spcheck_Queue"}, "SPCHECK_QUEUE"),
        ({"SPCHECK_REPORTS_CONTAINER": "a--b"}, "SPCHECK_REPORTS_CONTAINER"),
        ({"SPCHECK_ACTIVE_WEEKS_AFTER": "four"}, "SPCHECK_ACTIVE_WEEKS_AFTER"),
        ({"SPCHECK_NOTIFY_QUEUE": "spcheck-inspections"}, "SPCHECK_NOTIFY_QUEUE"),
        ({"SPCHECK_NOTIFY_QUEUE": "q"}, "SPCHECK_NOTIFY_QUEUE"),
        ({"SPCHECK_SUBSCRIPTIONS_SCHEDULE": "hourly"}, "SPCHECK_SUBSCRIPTIONS_SCHEDULE"),
    ],
)
def test_a_bad_function_setting_names_its_variable(environ: dict[str, str], variable: str) -> None:
    env = {"AzureWebJobsStorage": STORAGE, **environ}
    if not environ:
        env = {}
    with pytest.raises(ConfigError, match=f"^{variable}: "):
        FunctionSettings.from_env(env)


# --- messages --------------------------------------------------------------------------------


def test_a_message_round_trips() -> None:
    when = datetime(2026, 9, 28, 9, 0, tzinfo=LONDON)
    message = CheckMessage("glenmorven-2026", as_of=when, enqueued_at=when)
    assert decode(encode(message)) == message
    assert decode(b'{"inspection": "glenmorven-2026"}') == CheckMessage("glenmorven-2026")
    dated = decode('{"inspection": "glenmorven-2026", "as_of": "2026-10-01"}')
    assert dated.as_of == datetime(2026, 10, 1, 17, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe", "UTF-8"),
        ("[1, 2]", "JSON object"),
        ('{"inspection": "glenmorven-2026", "extra": 1}', "unknown key"),
        ('{"inspection": "Glenmorven 2026"}', "inspection id"),
        ('{"inspection": "glenmorven-2026", "as_of": 20261001}', "as_of"),
        ('{"inspection": "glenmorven-2026", "as_of": "soon"}', "as_of"),
        ("x" * 5000, "longer than"),
    ],
)
def test_a_malformed_message_is_a_bad_message(body: str | bytes, reason: str) -> None:
    with pytest.raises(BadMessage, match=reason):
        decode(body)


def test_the_inspection_of_a_refused_message_is_kept_only_when_it_is_an_id() -> None:
    assert loose_inspection_id('{"inspection": "nowhere-2026", "x": 1}') == "nowhere-2026"
    assert loose_inspection_id('{"inspection": "../etc"}') is None
    assert loose_inspection_id("nonsense") is None
