"""spcheck doctor's state check on Azure Table Storage (Azurite): the tables answer and the
write lease a delta sync depends on is taken, given back, and its row removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from spcheck.doctor import local_checks
from spcheck.doctor.interface import Status
from spcheck.settings import Settings
from spcheck.store.azure_table import PROBE_DRIVE, AzureTableStore


def test_the_lease_is_taken_and_given_back_and_its_row_removed(
    azurite: str, table_prefix: str
) -> None:
    store = AzureTableStore(azurite, table_prefix=table_prefix)
    try:
        store.check_lease()
        store.check_lease()  # again: nothing was left holding it
        assert store.get_delta_link(PROBE_DRIVE) is None
    finally:
        store.close()


def test_the_doctor_state_check_on_azure(
    azurite: str, table_prefix: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(
        local_checks,
        "open_store",
        lambda setting: AzureTableStore(
            setting.removeprefix("azure-table:"), table_prefix=table_prefix
        ),
    )
    settings = Settings(_env_file=None, state=f"azure-table:{azurite}")  # type: ignore[call-arg]
    result = local_checks.check_state(settings)
    assert result.status is Status.PASS, result.summary
    assert "write lease taken and given back" in result.summary
    assert "AccountKey" not in result.summary


def test_an_unreachable_account_is_exit_3(tmp_path: Path) -> None:
    unreachable = (
        "azure-table:DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        "AccountKey=a2V5;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;"
    )
    result = local_checks.check_state(Settings(_env_file=None, state=unreachable))  # type: ignore[call-arg]
    assert result.status is Status.FAIL
    assert result.exit_code == 3
    assert "a2V5" not in result.summary
