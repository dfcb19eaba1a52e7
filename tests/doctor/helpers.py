"""Running spcheck doctor in process against an emulator in a chosen tenant mode."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx

from spcheck.doctor.run import run_doctor
from spcheck.emulator.credential import TEST_CLIENT_ID, EmulatorCredential
from spcheck.emulator.inprocess import transport
from spcheck.emulator.seeds import ROOT_FOLDER, SITE, seed_demo
from spcheck.emulator.state import EmulatorState
from spcheck.settings import AuthMode, Settings
from tests.conftest import EXAMPLES, POLICIES
from tests.graph.conftest import FakeClock

BASE = "http://127.0.0.1/v1.0"
CANARY_SECRET = "doctor-canary-secret-value"
RUNBOOK = "runbooks/first-deployment.md"


def settings_for(tmp_path: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "auth": "none",
        "graph_url": BASE,
        "site": SITE,
        "root_folder": ROOT_FOLDER,
        "policies": POLICIES,
        "inspections": EXAMPLES,
        "state": f"sqlite:///{tmp_path / 'state.db'}",
    }
    values.update(changes)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def with_token(tmp_path: Path, **changes: Any) -> Settings:
    return settings_for(
        tmp_path,
        auth="secret",
        tenant_id="0b1c2d3e-aaaa-bbbb-cccc-112233445566",
        client_id=TEST_CLIENT_ID,
        client_secret=CANARY_SECRET,
        **changes,
    )


def doctor(
    settings: Settings,
    spec: str = "",
    *,
    state: EmulatorState | None = None,
    fmt: str = "table",
    trace: Path | None = None,
    notify_transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[int, str, dict[str, Any]]:
    """Run doctor in process against an emulator in ``spec``; the code, the text, the lines.
    ``notify_transport`` is where the emulator's notifications go (a receiver)."""
    served = transport(
        state or seed_demo(), base_url=BASE, faults=spec, notify_transport=notify_transport
    )
    clock = FakeClock()
    options: dict[str, Any] = {"transport": served, "clock": clock, "sleep": clock.sleep}
    if settings.auth is AuthMode.SECRET:
        options["credentials"] = [(AuthMode.SECRET, EmulatorCredential(BASE, transport=served))]
    out = io.StringIO()
    code = run_doctor(fmt, settings=settings, gateway_options=options, out=out, trace=trace)
    text = out.getvalue()
    lines = {line.split()[1]: line for line in text.splitlines() if line[:1] in "✓!✗-"}
    return code, text, lines
