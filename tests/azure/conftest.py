"""Azurite for the Azure tests: the connection string, or a skip (a failure under CI=true).

``.ci/run`` starts Azurite with ``.ci/azurite.sh start`` and exports
``SPCHECK_TEST_AZURITE``; locally, run the script yourself and export
``SPCHECK_TEST_AZURITE="$(.ci/azurite.sh connection)"`` (or
``UseDevelopmentStorage=true``). The variable is read when this module is
imported, before the suite's autouse fixture clears every SPCHECK_ variable.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from spcheck.store.azure_connection import DEV_TABLE_ENDPOINT, parse_connection

AZURITE = os.environ.get("SPCHECK_TEST_AZURITE", "").strip()
IN_CI = os.environ.get("CI", "").strip().lower() == "true"


def _endpoint(connection: str, name: str, default: str) -> str:
    for piece in connection.split(";"):
        key, _, value = piece.partition("=")
        if key.strip().lower() == name:
            return value.strip()
    return default


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), 1):
            return True
    except OSError:
        return False


def _unavailable() -> str | None:
    if not AZURITE:
        return "SPCHECK_TEST_AZURITE is not set (start Azurite with .ci/azurite.sh start)"
    connection = parse_connection(AZURITE, "SPCHECK_TEST_AZURITE").value
    table = _endpoint(connection, "tableendpoint", DEV_TABLE_ENDPOINT)
    if not _answers(table):
        return f"Azurite does not answer at {urlsplit(table).netloc}"
    return None


@pytest.fixture(scope="session")
def azurite() -> str:
    """The Azurite connection string (full form, UseDevelopmentStorage expanded)."""
    reason = _unavailable()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"Azure tests must run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    return parse_connection(AZURITE, "SPCHECK_TEST_AZURITE").value


@pytest.fixture
def table_prefix(azurite: str) -> Iterator[str]:
    """A prefix of its own for each test; its tables are deleted afterwards."""
    from azure.data.tables import TableServiceClient

    prefix = "t" + uuid.uuid4().hex[:12]
    yield prefix
    with TableServiceClient.from_connection_string(azurite) as service:
        for table in service.query_tables(
            "TableName ge @low and TableName lt @high",
            parameters={"low": prefix, "high": prefix + "~"},
        ):
            service.delete_table(table.name)
