"""The suite's own Azurite (tests/azurite.py): what it says when it cannot run, and the
connection string it gives the Azure tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from spcheck.store.azure_connection import parse_connection
from tests import azurite


def test_without_npm_the_install_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    with pytest.raises(azurite.AzuriteUnavailable) as raised:
        azurite.install(tmp_path / "cache")
    assert str(raised.value) == "npm is not installed (it comes with Node.js 18+)"
    assert not (tmp_path / "cache" / azurite.VERSION / ".installed").exists()


def test_the_connection_string_names_each_port_on_loopback() -> None:
    connection = parse_connection(azurite.connection_string(41001, 41002, 41003)).value
    assert "BlobEndpoint=http://127.0.0.1:41001/devstoreaccount1;" in connection
    assert "QueueEndpoint=http://127.0.0.1:41002/devstoreaccount1;" in connection
    assert "TableEndpoint=http://127.0.0.1:41003/devstoreaccount1;" in connection


def test_free_ports_are_three_distinct_ports_nothing_answers_on() -> None:
    ports = azurite.free_ports()
    assert len(set(ports)) == 3
    assert not any(azurite.answers(port) for port in ports)


def test_the_script_names_its_commands_when_given_another(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert azurite.main(["restart"]) == 2
    assert capsys.readouterr().err == "usage: azurite.py start|stop|connection\n"
