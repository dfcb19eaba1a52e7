"""Every command, run through the real entry point with each fault: one line and the right
exit code, never a traceback (an unexpected exception fails the test, and so does the
catch-all's "unexpected error" line).

Faults: the sign-in endpoint unreachable, a credential refused, a malformed tenant id,
Graph unreachable, a damaged state file, and a state file that is not spcheck's at all.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from spcheck.graph import client
from spcheck.graph.retry import RetryPolicy
from spcheck.settings import AuthMode, Settings
from tests.conftest import EXAMPLES, POLICIES, CliResult
from tests.graph.conftest import FakeCredential
from tests.store.test_sqlite import damaged_state_file

INSPECTION = "glenmorven-2026"
IAIN = "iain.sampleton@nhs-glenmorven.example"
IN_WINDOW = "2026-09-28"
TENANT = "0b1c2d3e-aaaa-bbbb-cccc-112233445566"
CLIENT = "9f8e7d6c-dddd-eeee-ffff-665544332211"


@dataclass(frozen=True)
class Command:
    args: tuple[str, ...]
    graph: bool = False  # reaches Graph
    store: bool = False  # opens the state store
    settings: bool = True  # loads SPCHECK_ settings
    report: bool = False  # its output is a checklist of its own (doctor), not one line


def commands(scanned: Path) -> list[Command]:
    return [
        Command(("timeline", INSPECTION)),
        Command(("policy", "validate")),
        Command(("rules",), settings=False),
        Command(("scan", str(scanned))),
        Command(("check",), graph=True, store=True),
        Command(("watch", "--once"), graph=True, store=True),
        Command(("provision", INSPECTION, "--as-of", IN_WINDOW), graph=True, store=True),
        # An applied change names who asked (--by): without one it stops before any fault.
        Command(
            ("provision", INSPECTION, "--apply", "--by", "sso", "--as-of", IN_WINDOW),
            graph=True,
            store=True,
        ),
        Command(
            ("grant", INSPECTION, IAIN, "--apply", "--by", "sso", "--as-of", IN_WINDOW),
            graph=True,
            store=True,
        ),
        Command(
            ("revoke", INSPECTION, IAIN, "--apply", "--by", "sso", "--as-of", IN_WINDOW),
            graph=True,
            store=True,
        ),
        Command(
            ("offboard", INSPECTION, "--apply", "--by", "sso", "--as-of", IN_WINDOW),
            graph=True,
            store=True,
        ),
        Command(("audit",), store=True),
        Command(("state", "check"), store=True),
        Command(
            ("accept", INSPECTION, "pir.missing", "--reason", "agreed", "--by", "sso"), store=True
        ),
        Command(("unaccept", INSPECTION, "pir.missing", "--by", "sso"), store=True),
        Command(("attest", INSPECTION, "pd1", "--by", "sso"), store=True),
        Command(("unattest", INSPECTION, "pd1", "--by", "sso"), store=True),
        Command(("doctor",), graph=True, store=True, report=True),
    ]


@dataclass
class Bench:
    tmp: Path
    env: dict[str, str]
    scanned: Path

    def state(self, name: str) -> str:
        return f"sqlite:///{self.tmp / name}"


@pytest.fixture
def bench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Bench:
    inspections = tmp_path / "inspections"
    inspections.mkdir()
    for name in (f"{INSPECTION}.yaml", f"{INSPECTION}.sample.csv"):
        shutil.copy(EXAMPLES / name, inspections / name)
    scanned = tmp_path / "notes.txt"
    scanned.write_text("Meeting notes with nothing personal in them.\n")
    # Only the waits are shortened: every attempt and every mapping is the real one.
    quick = RetryPolicy(max_attempts=2, max_total_seconds=1, backoff_initial=0.01, backoff_max=0.01)
    monkeypatch.setattr(client, "RetryPolicy", lambda: quick)
    monkeypatch.setattr("spcheck.doctor.run.DOCTOR_POLICY", quick)
    env = {
        "SPCHECK_INSPECTIONS": str(inspections),
        "SPCHECK_POLICIES": str(POLICIES),
        "SPCHECK_SITE": "glenmorven.sharepoint.example:/sites/inspections",
        "SPCHECK_STATE": f"sqlite:///{tmp_path / 'state.db'}",
        "COLUMNS": "200",
    }
    return Bench(tmp_path, env, scanned)


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def refusing_credential(error: BaseException) -> Callable[..., Any]:
    def make(mode: AuthMode, settings: Settings, environ: Any) -> FakeCredential:
        return FakeCredential(error=error)

    return make


Fault = Callable[[Bench, pytest.MonkeyPatch], None]


def sign_in_unreachable(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.core.exceptions import ServiceRequestError

    unreachable = ServiceRequestError("Cannot connect to host login.microsoftonline.com:443")
    monkeypatch.setattr("spcheck.graph.auth.make_credential", refusing_credential(unreachable))
    bench.env |= secret_auth()


def credential_refused(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    refused = ClientAuthenticationError("AADSTS7000215: Invalid client secret provided.")
    monkeypatch.setattr("spcheck.graph.auth.make_credential", refusing_credential(refused))
    bench.env |= secret_auth()


def tenant_malformed(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    bench.env |= secret_auth() | {"SPCHECK_TENANT_ID": "contoso tenant/../x"}


def graph_unreachable(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    bench.env |= {
        "SPCHECK_AUTH": "none",
        "SPCHECK_GRAPH_URL": f"http://127.0.0.1:{closed_port()}/v1.0",
    }


def state_damaged(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    graph_unreachable(bench, monkeypatch)
    damaged_state_file(bench.tmp / "damaged.db")
    bench.env["SPCHECK_STATE"] = bench.state("damaged.db")


def state_foreign(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    graph_unreachable(bench, monkeypatch)
    (bench.tmp / "notes.db").write_text("the SSO's notes, not a database\n" * 40)
    bench.env["SPCHECK_STATE"] = bench.state("notes.db")


def secret_auth() -> dict[str, str]:
    return {
        "SPCHECK_AUTH": "secret",
        "SPCHECK_TENANT_ID": TENANT,
        "SPCHECK_CLIENT_ID": CLIENT,
        "SPCHECK_CLIENT_SECRET": "not-a-real-secret-value",
    }


# fault, exit code of the commands it reaches, what its line says, which commands it reaches
FAULTS: dict[str, tuple[Fault, int, str, str]] = {
    "sign-in unreachable": (sign_in_unreachable, 3, "could not be reached", "graph"),
    "credential refused": (credential_refused, 2, "SPCHECK_CLIENT_SECRET", "graph"),
    "tenant id malformed": (tenant_malformed, 2, "SPCHECK_TENANT_ID:", "settings"),
    "graph unreachable": (graph_unreachable, 3, "could not reach Graph", "graph"),
    "state damaged": (state_damaged, 3, "damaged.db: the file is damaged", "store"),
    "state not a state file": (state_foreign, 2, "not spcheck's state file", "store"),
}


def expected(command: Command, reaches: str, code: int) -> int | None:
    """The fault's exit code when it reaches the command, else None (the command runs)."""
    return code if getattr(command, reaches) else None


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_command_with_this_fault_is_one_line_and_its_exit_code(
    bench: Bench,
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., CliResult],
    fault: str,
) -> None:
    inject, code, says, reaches = FAULTS[fault]
    inject(bench, monkeypatch)
    for command in commands(bench.scanned):
        result = run_cli(*command.args, env=bench.env)
        shown = " ".join(command.args[:2])
        assert "Traceback" not in result.stderr, (shown, result.stderr)
        assert "unexpected error" not in result.stderr, (shown, result.stderr)
        wanted = expected(command, reaches, code)
        if wanted is None:
            # Not reached by the fault: it runs as it would (a decision to refuse is fine).
            assert result.exit_code in (0, 1, 2), (shown, result.exit_code, result.stderr)
            continue
        if command.report:
            assert result.exit_code in (2, 3), (shown, result.exit_code, result.stdout)
            assert says in result.stdout + result.stderr, (shown, result.stdout)
            continue
        assert result.exit_code == wanted, (shown, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1, (shown, result.stderr)
        assert lines[0].startswith("spcheck: "), (shown, lines)
        assert says in lines[0], (shown, lines)
        assert "not-a-real-secret-value" not in result.stderr + result.stdout


def test_the_sign_in_endpoint_really_unreachable_is_exit_3(
    bench: Bench, run_cli: Callable[..., CliResult]
) -> None:
    """No fake: azure-identity itself fails to connect (after its own retries)."""
    env = bench.env | secret_auth()
    env["AZURE_AUTHORITY_HOST"] = f"https://127.0.0.1:{closed_port()}"
    result = run_cli("check", env=env)
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        f"spcheck: sign-in: {env['AZURE_AUTHORITY_HOST']} could not be reached for the secret "
        "credential (ServiceRequestError); check the network, DNS and any proxy, then try again"
    ]


def test_an_unexpected_error_is_still_one_line(
    bench: Bench, monkeypatch: pytest.MonkeyPatch, run_cli: Callable[..., CliResult]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("a bug")

    monkeypatch.setattr("spcheck.commands.timeline.render_timeline", broken)
    result = run_cli("timeline", INSPECTION, env=bench.env)
    assert result.exit_code == 3
    [line] = result.stderr.splitlines()
    assert line.startswith("spcheck: unexpected error (TypeError in spcheck.cli line ")
    assert line.endswith(
        "); this is a fault in spcheck, not in the settings or files: please report it with "
        "the command"
    )
