"""Server mode: uvicorn on loopback only, answering the SDK, dropping connections on `reset`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from io import StringIO

import httpx
import pytest
from kiota_abstractions.authentication import AnonymousAuthenticationProvider
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory

from spcheck.emulator.seeds import SITE, seed_demo
from spcheck.emulator.server import EmulatorServer, serve
from spcheck.errors import InputError


def test_serves_the_sdk_on_loopback() -> None:
    with EmulatorServer(seed_demo(), port=0) as server:
        assert server.base_url.startswith("http://127.0.0.1:")

        async def scenario() -> list[str]:
            raw = httpx.AsyncClient()
            http = GraphClientFactory.create_with_default_middleware(client=raw)
            adapter = GraphRequestAdapter(AnonymousAuthenticationProvider(), client=http)
            adapter.base_url = server.base_url
            client = GraphServiceClient(request_adapter=adapter)
            site = await client.sites.by_site_id(SITE).get()
            assert site is not None
            assert site.id is not None
            root = client.sites.by_site_id(site.id).drive
            drive = await root.get()
            assert drive is not None
            assert drive.id is not None
            delta = (
                await client.drives.by_drive_id(drive.id).items.by_drive_item_id("root").delta.get()
            )
            assert delta is not None
            assert delta.value is not None
            assert delta.odata_delta_link is not None
            assert delta.odata_delta_link.startswith(server.base_url)
            await raw.aclose()
            return [str(item.name) for item in delta.value]

        assert asyncio.run(scenario()) == ["root", "Inspections"]
        assert server.state.stats.requests == 3


def test_reset_drops_the_connection_over_a_real_socket() -> None:
    with EmulatorServer(seed_demo(), port=0, faults="reset:1") as server:
        with httpx.Client() as client, pytest.raises(httpx.TransportError):
            client.get(f"{server.base_url}/sites/{SITE}")
        assert server.state.stats.faults["reset"] == 1


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "graph.example"])
def test_refuses_to_bind_anywhere_but_loopback(host: str) -> None:
    with pytest.raises(InputError, match="only loopback"):
        EmulatorServer(seed_demo(), host=host, port=0)
    with pytest.raises(InputError, match="only loopback"):
        serve(host=host, port=0, out=StringIO())


def test_serve_reports_bad_fault_settings_before_binding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPCHECK_EMULATOR_FAULTS", "429:2")
    with pytest.raises(InputError, match=r"outside 0\.\.1"):
        serve(port=0, out=StringIO())
    monkeypatch.setenv("SPCHECK_EMULATOR_FAULTS", "429:0.1")
    monkeypatch.setenv("SPCHECK_EMULATOR_FAULT_SEED", "many")
    with pytest.raises(InputError, match="SPCHECK_EMULATOR_FAULT_SEED"):
        serve(port=0, out=StringIO())
    with pytest.raises(InputError, match="unknown emulator seed"):
        serve(port=0, seed="nope", fault_seed=1, out=StringIO())


def test_serve_prints_the_settings_and_answers() -> None:
    code = (
        "from spcheck.emulator.server import serve; raise SystemExit(serve(port=0, seed='empty'))"
    )
    env = {**os.environ, "SPCHECK_EMULATOR_FAULTS": "latency:1ms", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:
            lines.append(line.strip())
            if line.startswith("press Ctrl+C"):
                break
        settings = dict(line.split("=", 1) for line in lines if line.startswith("SPCHECK_"))
        assert settings["SPCHECK_SITE"] == SITE
        assert settings["SPCHECK_AUTH"] == "none"
        assert settings["SPCHECK_GRAPH_URL"].startswith("http://127.0.0.1:")
        assert any(line.startswith("faults: latency:1ms") for line in lines)
        response = httpx.get(f"{settings['SPCHECK_GRAPH_URL']}/sites/{SITE}", timeout=10)
        assert response.status_code == 200
        assert response.json()["id"].startswith("emulator.")
    finally:
        process.terminate()
        process.wait(timeout=10)
