"""Shared fixtures: the shipped policy and examples, a way to run the CLI in process, and the
emulator's contract with Microsoft's schema, checked on every answer of the whole session."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

from spcheck.emulator import observe
from spcheck.emulator.contract import ResponseContract

# Timings never decide a test (a loaded CI machine is slow, not wrong). CI replays a fixed
# sequence of examples so that a run can be repeated exactly; locally each run explores anew.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("SPCHECK_HYPOTHESIS", "dev"))

# Every JSON body the emulator gives in this session, parsed with msgraph-sdk's models.
CONTRACT = ResponseContract()


def pytest_configure(config: pytest.Config) -> None:
    observe.add_observer(CONTRACT)


def pytest_sessionstart(session: pytest.Session) -> None:
    # The 8-bit recogniser is built once a machine (about half a minute): before the tests,
    # so that no OCR test spends its time limit on it.
    from spcheck.content.ocr.rapid import int8_recogniser

    int8_recogniser()


def pytest_collection_finish(session: pytest.Session) -> None:
    """One line at the top of the run on where the Azure Storage tests get Azurite."""
    from tests import azurite

    count = sum(1 for item in session.items if "azurite" in getattr(item, "fixturenames", ()))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if count == 0 or reporter is None:
        return
    tests = f"{count} Azure Storage test{'s' if count != 1 else ''}"
    if os.environ.get("SPCHECK_TEST_AZURITE", "").strip():
        line = f"azurite: {tests} use the instance SPCHECK_TEST_AZURITE names"
    elif azurite.node() is None:
        outcome = "fail (CI=true)" if os.environ.get("CI", "").lower() == "true" else "be skipped"
        line = f"azurite: Node.js is not installed: {tests} will {outcome} (install Node.js 18+)"
    else:
        line = (
            f"azurite: {tests} run against Azurite {azurite.VERSION}, started for this run on "
            f"free ports (installed from npm into {azurite.cache_root()} once)"
        )
    reporter.write_line(line)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(f"emulator contract: {CONTRACT.coverage()}")
    for problem in dict.fromkeys(str(problem) for problem in CONTRACT.problems):
        terminalreporter.write_line(f"emulator contract broken: {problem}", red=True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if CONTRACT.problems and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def contract_paused() -> Any:
    """For a test that makes the emulator answer wrongly on purpose."""
    observe.remove_observer(CONTRACT)
    yield
    observe.add_observer(CONTRACT)


ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"
EXAMPLES = ROOT / "inspections" / "examples"
DEFAULT_POLICY = POLICIES / "children-at-risk-of-harm.yaml"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _clean_spcheck_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test sees the developer's SPCHECK_ variables or .env file."""
    for name in list(os.environ):
        if name.startswith("SPCHECK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture
def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    """Run `spcheck ARGS...` through the real entry point (main), in process."""
    from spcheck.cli import main

    def run(*args: str, env: dict[str, str] | None = None) -> CliResult:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(sys, "argv", ["spcheck", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return run


@pytest.fixture
def policy_data() -> dict[str, Any]:
    """The shipped policy as plain data, for tests that change one thing in it."""
    return yaml.safe_load(DEFAULT_POLICY.read_text())


@pytest.fixture
def example_env() -> dict[str, str]:
    return {"SPCHECK_POLICIES": str(POLICIES), "SPCHECK_INSPECTIONS": str(EXAMPLES)}
