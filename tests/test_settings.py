"""Settings: credential modes from the environment, loopback-only http, secrets never shown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from spcheck.errors import ConfigError
from spcheck.settings import AuthMode, Settings, load_settings
from tests.conftest import CliResult

SECRET = "s3cr3t-Value-that-must-never-show"


@pytest.fixture
def cert(tmp_path: Path) -> Path:
    path = tmp_path / "spcheck.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nsynthetic\n-----END PRIVATE KEY-----\n")
    return path


def test_defaults() -> None:
    settings = load_settings()
    assert settings.graph_url == "https://graph.microsoft.com/v1.0"
    assert settings.root_folder == "Inspections"
    assert settings.state == "sqlite:///spcheck-state.db"
    assert settings.auth is AuthMode.AUTO


def test_managed_identity_first_in_azure(monkeypatch: pytest.MonkeyPatch, cert: Path) -> None:
    monkeypatch.setenv("SPCHECK_TENANT_ID", "tenant")
    monkeypatch.setenv("SPCHECK_CLIENT_ID", "client")
    monkeypatch.setenv("SPCHECK_CERTIFICATE_PATH", str(cert))
    monkeypatch.setenv("SPCHECK_CLIENT_SECRET", SECRET)
    settings = load_settings()
    azure = {"IDENTITY_ENDPOINT": "http://127.0.0.1:41741/msi/token"}
    assert settings.resolve_auth(azure) == [
        AuthMode.MANAGED_IDENTITY,
        AuthMode.CERTIFICATE,
        AuthMode.SECRET,
        AuthMode.CLI,
    ]
    assert settings.resolve_auth({}) == [AuthMode.CERTIFICATE, AuthMode.SECRET, AuthMode.CLI]


def test_secret_mode_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPCHECK_TENANT_ID", "tenant")
    monkeypatch.setenv("SPCHECK_CLIENT_ID", "client")
    monkeypatch.setenv("SPCHECK_CLIENT_SECRET", SECRET)
    assert load_settings().resolve_auth({}) == [AuthMode.SECRET, AuthMode.CLI]
    monkeypatch.setenv("SPCHECK_AUTH", "secret")
    assert load_settings().resolve_auth({}) == [AuthMode.SECRET]


def test_certificate_mode_from_environment(monkeypatch: pytest.MonkeyPatch, cert: Path) -> None:
    monkeypatch.setenv("SPCHECK_AUTH", "certificate")
    monkeypatch.setenv("SPCHECK_TENANT_ID", "tenant")
    monkeypatch.setenv("SPCHECK_CLIENT_ID", "client")
    monkeypatch.setenv("SPCHECK_CERTIFICATE_PATH", str(cert))
    assert load_settings().resolve_auth({}) == [AuthMode.CERTIFICATE]


def test_cli_and_managed_identity_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().resolve_auth({}) == [AuthMode.CLI]
    monkeypatch.setenv("SPCHECK_AUTH", "managed-identity")
    assert load_settings().resolve_auth({}) == [AuthMode.MANAGED_IDENTITY]
    monkeypatch.setenv("SPCHECK_AUTH", "cli")
    assert load_settings().resolve_auth({}) == [AuthMode.CLI]


def test_none_mode_only_against_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPCHECK_AUTH", "none")
    with pytest.raises(ConfigError, match="SPCHECK_AUTH: 'none' is allowed only with a loopback"):
        load_settings().resolve_auth({})
    monkeypatch.setenv("SPCHECK_GRAPH_URL", "http://127.0.0.1:8765/v1.0/")
    settings = load_settings()
    assert settings.graph_url == "http://127.0.0.1:8765/v1.0"  # the SDK would send //drives
    assert settings.resolve_auth({}) == [AuthMode.NONE]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "SPCHECK_GRAPH_URL",
            "http://graph.example.org/v1.0",
            "http is accepted only for loopback",
        ),
        ("SPCHECK_GRAPH_URL", "ftp://127.0.0.1/v1.0", "expected an https URL"),
        ("SPCHECK_SITE", "contoso.sharepoint.com/sites/x", "expected hostname:/sites/path"),
        ("SPCHECK_STATE", "postgres://db", "expected sqlite:///path.db or azure-table:"),
        ("SPCHECK_AUTH", "password", "SPCHECK_AUTH:"),
        ("SPCHECK_CONCURRENCY", "lots", "SPCHECK_CONCURRENCY:"),
        ("SPCHECK_ROOT_FOLDER", "a:b", "SPCHECK_ROOT_FOLDER:"),
        ("SPCHECK_OPERATOR", "   ", "printable characters"),
        ("SPCHECK_OPERATOR", "two\tparts", "printable characters"),
    ],
)
def test_malformed_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{name}:")
    assert expected in message
    assert "\n" not in message


def test_missing_credential_parts_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPCHECK_AUTH", "secret")
    monkeypatch.setenv("SPCHECK_CLIENT_SECRET", SECRET)
    with pytest.raises(ConfigError, match="SPCHECK_TENANT_ID: not set"):
        load_settings().resolve_auth({})
    monkeypatch.setenv("SPCHECK_AUTH", "certificate")
    monkeypatch.setenv("SPCHECK_TENANT_ID", "t")
    monkeypatch.setenv("SPCHECK_CLIENT_ID", "c")
    monkeypatch.setenv("SPCHECK_CERTIFICATE_PATH", "/nonexistent/cert.pem")
    with pytest.raises(
        ConfigError, match=r"SPCHECK_CERTIFICATE_PATH: /nonexistent/cert\.pem is not"
    ):
        load_settings().resolve_auth({})


def test_site_is_required_where_it_is_used() -> None:
    with pytest.raises(ConfigError, match="SPCHECK_SITE: not set"):
        load_settings().site_parts()
    host, path = Settings(site="tenant.sharepoint.example:/sites/inspections").site_parts()
    assert (host, path) == ("tenant.sharepoint.example", "/sites/inspections")


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SPCHECK_ROOT_FOLDER=Joint Inspections\n")
    assert load_settings().root_folder == "Joint Inspections"


def test_secret_never_appears(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SPCHECK_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("SPCHECK_CERTIFICATE_PASSWORD", SECRET + "2")
    settings = load_settings()
    for text in (repr(settings), str(settings), settings.model_dump_json(), f"{settings}"):
        assert SECRET not in text
    assert settings.client_secret is not None
    assert settings.client_secret.get_secret_value() == SECRET
    # An error raised while secrets are set must not carry them either.
    monkeypatch.setenv("SPCHECK_GRAPH_URL", "http://" + SECRET + ".example/v1.0")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert SECRET not in str(caught.value)


def test_bad_secret_value_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPCHECK_RU_PER_MINUTE", SECRET)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert SECRET not in str(caught.value)
    assert str(caught.value).startswith("SPCHECK_RU_PER_MINUTE:")


def test_cli_reports_a_bad_setting_in_one_line(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli(
        "timeline",
        "glenmorven-2026",
        env={"SPCHECK_GRAPH_URL": "http://graph.example.org", "SPCHECK_CLIENT_SECRET": SECRET},
    )
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("spcheck: SPCHECK_GRAPH_URL:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert SECRET not in result.stderr + result.stdout
