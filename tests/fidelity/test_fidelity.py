"""spcheck emulator-fidelity: a trace replayed against a fresh emulator passes when the emulator
answered it, and lists the planted differences (a wrong property name, a wrong status)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from spcheck.emulator.render import Renderer
from spcheck.fidelity.compare import Difference, compare, compare_paging
from spcheck.fidelity.replay import fresh_emulator
from spcheck.fidelity.run import run_fidelity
from tests.cycle.conftest import IAIN, local, unprovisioned
from tests.doctor.helpers import doctor, settings_for


@pytest.fixture(scope="module")
def trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trace of a provision, a check cycle with a record uploaded, and doctor."""
    tmp = tmp_path_factory.mktemp("fidelity")
    world = unprovisioned(tmp)
    path = tmp / "trace.jsonl"
    world.provision(settings=world.settings().model_copy(update={"trace": path}))
    world.upload("records", "GM-0001.txt", b"Case file GM-0001", IAIN, local("2026-09-29T09:00"))
    world.cycle(local("2026-09-29T10:00"), trace=path)
    assert doctor(settings_for(tmp), trace=path)[0] == 0
    return path


def fidelity(trace: Path, **options: Any) -> tuple[int, str]:
    out = io.StringIO()
    code = run_fidelity(trace, out=out, **options)
    return code, out.getvalue()


def test_a_trace_of_the_emulator_replays_with_no_difference(trace: Path) -> None:
    code, text = fidelity(trace)
    assert code == 0, text
    assert text.rstrip().endswith("0 difference(s); exit 0")
    assert text.count("replayed against a fresh emulator") == 3
    for call in (
        "GET /sites/{hostname}:/sites/{site-path}",
        "POST /drives/{drive-id}/items/{item-id}/invite",
        "POST /$batch",
        "GET /drives/{drive-id}/root/delta",
        "GET /drives/{drive-id}/items/{item-id}/content",
        "PATCH /drives/{drive-id}/items/{item-id}",
        "DELETE /drives/{drive-id}/items/{item-id}",
    ):
        assert call in text, call
    assert "not replayed: GET <url>: a pre-authenticated download URL" in text


def test_a_wrong_property_name_in_the_emulator_is_listed(
    trace: Path, monkeypatch: pytest.MonkeyPatch, contract_paused: None
) -> None:
    original = Renderer.item

    def misnamed(self: Renderer, *args: Any, **kwargs: Any) -> dict[str, Any]:
        body = original(self, *args, **kwargs)
        if "cTag" in body:
            body["ctag"] = body.pop("cTag")
        return body

    monkeypatch.setattr(Renderer, "item", misnamed)
    code, text = fidelity(trace)
    assert code == 1
    assert "property cTag: Graph sent, emulator missing" in text
    assert "property ctag: Graph missing, emulator sent" in text
    assert "property value[][folder].cTag: Graph sent, emulator missing" in text


def test_a_wrong_status_in_the_emulator_is_listed(trace: Path) -> None:
    code, text = fidelity(trace, make=lambda: fresh_emulator("grant:read"))
    assert code == 1
    assert (
        "POST /drives/{drive-id}/items/{item-id}/children: status: Graph 201, emulator 403" in text
    )
    assert "POST /drives/{drive-id}/items/{item-id}/invite: status: Graph 200, emulator 403" in text


def test_a_trace_from_graph_that_differs_is_listed(trace: Path, tmp_path: Path) -> None:
    lines = trace.read_text().splitlines()
    planted = []
    for line in lines:
        record = json.loads(line)
        if record.get("path", "").endswith("/sites/{site-id#4}/drive"):
            record["response"]["body"]["driveQuota"] = record["response"]["body"].pop("quota")
        if record.get("method") == "PATCH":
            record["status"] = 409
        planted.append(json.dumps(record))
    edited = tmp_path / "graph.jsonl"
    edited.write_text("\n".join(planted) + "\n")
    code, text = fidelity(edited, fmt="json")
    assert code == 1
    found = {
        (d["call"], d["kind"], d["where"], d["graph"], d["emulator"])
        for run in json.loads(text)["runs"]
        for d in run["differences"]
    }
    assert ("GET /sites/{site-id}/drive", "property", "driveQuota", "sent", "missing") in found
    assert ("GET /sites/{site-id}/drive", "property", "quota", "missing", "sent") in found
    assert ("PATCH /drives/{drive-id}/items/{item-id}", "status", "", "409", "200") in found


def test_a_file_that_is_not_a_trace_is_one_line_and_exit_2(run_cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "notes.jsonl"
    bad.write_text('{"trace":"spcheck-trace","version":1}\nnot json\n')
    result = run_cli("emulator-fidelity", str(bad))
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"spcheck: {bad}:2: not a spcheck trace record")
    assert len(result.stderr.strip().splitlines()) == 1
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert run_cli("emulator-fidelity", str(empty)).exit_code == 2


def test_shapes_compare_by_kind_and_type() -> None:
    graph = {
        "value": [
            {"id": "<id#1>", "file": {}, "size": 1, "createdDateTime": "<datetime>"},
            {"id": "<id#2>", "file": {}, "size": 2, "shared": {}, "createdDateTime": "<datetime>"},
            {"id": "<id#3>", "folder": {}, "size": 0},
        ]
    }
    emulator = {
        "value": [
            {"id": "<id#9>", "file": {}, "size": "3", "createdDateTime": "<text>"},
            {"id": "<id#8>", "root": {}},
        ]
    }
    assert compare(graph, emulator) == [
        Difference("type", "value[][file].createdDateTime", "string(datetime)", "string(text)"),
        Difference("type", "value[][file].size", "number", "string"),
    ]


def test_paging_differences() -> None:
    link = "<link:/drives/{drive-id#1}/root/delta?token={token#2}>"
    other = "<link:/drives/{drive-id#1}/root/delta(token={token#2})>"
    two = [{"id": "<id#1>"}, {"id": "<id#2>"}]
    assert compare_paging(
        {"value": two[:1], "@odata.nextLink": link}, {"value": two, "@odata.deltaLink": link}
    ) == [
        Difference(
            "paging", "@odata.nextLink", "a next page after 1 item(s)", "2 item(s) in one page"
        )
    ]
    assert compare_paging(
        {"value": [], "@odata.deltaLink": link}, {"value": [], "@odata.deltaLink": other}
    ) == [
        Difference(
            "paging",
            "@odata.deltaLink",
            "/drives/{drive-id}/root/delta?token",
            "/drives/{drive-id}/root/delta(token={token})",
        )
    ]
    assert compare_paging(
        {"value": two, "@odata.nextLink": link}, {"value": two[:1], "@odata.nextLink": link}
    ) == [Difference("paging", "value", "2 per page", "1 per page")]
