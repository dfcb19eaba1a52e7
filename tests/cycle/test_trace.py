"""SPCHECK_TRACE over a whole provision and check cycle with alerts: every exchange is in
the trace, and no token, secret, address, name, CHI number, file name, id or content byte."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from spcheck.emulator.inprocess import transport
from spcheck.emulator.seeds import SERVICE_EMAIL, SITE_HOSTNAME, seed_demo
from spcheck.errors import ConfigError
from spcheck.graph.client import build_gateway
from spcheck.graph.retry import RetryPolicy
from spcheck.settings import AuthMode, Settings
from tests.cycle.conftest import EILIDH, IAIN, INSPECTION, MORAG, local, unprovisioned
from tests.graph.conftest import FakeCredential
from tests.provision.conftest import FakeClock

CANARY_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.Q0FOQVJZVE9LRU4.canary-token-signature"
CANARY_SECRET = "canary-client-secret-never-written"
CHI = "0101011237"
OTHER_CHI = "0211165794"
FILE_NAME = f"Canary Record {CHI}.docx"
CONTENT = f"canary-content-bytes for {OTHER_CHI}".encode()
ALERT_TO = "canary.sso@careinspectorate.example"


def traced(trace: Path) -> dict[str, Any]:
    """Settings for a run with a secret credential, alerts, and the trace on."""
    return {
        "auth": AuthMode.SECRET,
        "tenant_id": "0b1c2d3e-aaaa-bbbb-cccc-112233445566",
        "client_id": "9f8e7d6c-dddd-eeee-ffff-665544332211",
        "client_secret": SecretStr(CANARY_SECRET),
        "trace": trace,
        "alert_to": ALERT_TO,
        "alert_from": SERVICE_EMAIL,
    }


def test_the_trace_holds_every_exchange_and_nothing_that_identifies(tmp_path: Path) -> None:
    world = unprovisioned(tmp_path)
    world.credentials = [(AuthMode.SECRET, FakeCredential(token=CANARY_TOKEN))]
    trace = tmp_path / "trace.jsonl"
    world.provision(settings=world.settings().model_copy(update=traced(trace)))
    world.upload("records", FILE_NAME, CONTENT, IAIN, local("2026-09-29T09:00"))
    world.cycle(local("2026-09-29T10:00"), alerts=True, **traced(trace))
    assert len(world.state.sent_mail) == 1
    text = trace.read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()]

    canaries = [
        CANARY_TOKEN,
        "Q0FOQVJZVE9LRU4",
        "canary-token-signature",
        CANARY_SECRET,
        "Bearer",
        CHI,
        OTHER_CHI,
        "Canary Record",
        "canary-content",
        ALERT_TO,
        SERVICE_EMAIL,
        MORAG,
        IAIN,
        EILIDH,
        "Sampleton",
        "Placeholder",
        "Testperson",
        "glenmorven",
        "Glenmorven",
        "careinspectorate",
        SITE_HOSTNAME,
        INSPECTION,
        "Records sample",
    ]
    ids = [item.id for item in world.state.items.values()]
    ids += [site.id for site in world.state.sites.values()]
    ids += [site.drive_id for site in world.state.sites.values()]
    for canary in canaries + ids:
        assert canary not in text, f"{canary!r} is in the trace"
    assert "authorization" not in text.lower()

    headers = [r for r in records if "trace" in r]
    assert [h["version"] for h in headers] == [1, 1]
    exchanges = [r for r in records if "trace" not in r]
    paths = {r["path"] for r in exchanges}
    assert "/$batch" in paths
    assert any(p.endswith("/invite") for p in paths)
    assert any(p.startswith("/users/{email#") and p.endswith("/sendMail") for p in paths)
    assert any(p.endswith("/root/delta") for p in paths)
    batch = next(r for r in exchanges if r["path"] == "/$batch")
    assert all(
        sub["url"].startswith("/drives/{drive-id#") for sub in batch["request"]["body"]["requests"]
    )
    downloads = [r for r in exchanges if not r["graph"]]
    assert [r["response"].get("content_bytes") for r in downloads] == [len(CONTENT)]
    assert "body" not in downloads[0]["response"]
    assert all(r["status"] is not None and r["elapsed_ms"] >= 0 for r in exchanges)
    mail = next(r for r in exchanges if r["path"].endswith("/sendMail"))
    # msgraph-sdk sends "Message" with a capital, as Graph accepts.
    assert mail["request"]["body"]["Message"]["subject"] == "<text>"
    assert mail["status"] == 202


def test_an_unwritable_trace_path_is_one_configuration_line(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        auth="none",
        graph_url="http://127.0.0.1/v1.0",
        trace=tmp_path / "no such directory" / "trace.jsonl",
    )
    with pytest.raises(ConfigError) as refused:
        build_gateway(settings)
    assert str(refused.value).startswith("SPCHECK_TRACE: ")
    assert "cannot be written" in str(refused.value)
    assert refused.value.exit_code == 2


def test_a_failed_connection_is_traced_with_its_error(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        auth="none",
        graph_url="http://127.0.0.1/v1.0",
        site="emulator.sharepoint.example:/sites/inspections",
        trace=trace,
    )
    clock = FakeClock()

    async def attempt() -> None:
        async with build_gateway(
            settings,
            transport=transport(
                seed_demo(), base_url=settings.graph_url, faults="graph:unreachable"
            ),
            clock=clock,
            sleep=clock.sleep,
            policy=RetryPolicy(max_attempts=2),
        ) as gateway:
            with pytest.raises(Exception, match="could not reach Graph"):
                await gateway.resolve_site()

    asyncio.run(attempt())
    exchanges = [json.loads(line) for line in trace.read_text().splitlines()][1:]
    assert [(r["status"], r["error"]) for r in exchanges] == [(None, "ConnectError")] * 2
