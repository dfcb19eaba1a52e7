"""Azurite for the Azure tests: this session's own instance, or the one a variable names.

Without ``SPCHECK_TEST_AZURITE`` the first Azure test starts Azurite (``tests/azurite.py``:
installed from npm into a cache on first use, on free loopback ports) and the session
stops it at its end; without Node.js the Azure tests are skipped, as the line at the top
of the run says (a failure under CI=true). ``SPCHECK_TEST_AZURITE`` names an instance
that is already running instead (its connection string, or ``UseDevelopmentStorage=true``);
it is read when this module is imported, before the suite's autouse fixture clears every
SPCHECK_ variable. docs/development.md describes both.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from spcheck.store.azure_connection import DEV_TABLE_ENDPOINT, parse_connection
from tests import azurite as emulator

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


def _given() -> str:
    """The instance SPCHECK_TEST_AZURITE names, if it answers."""
    connection = parse_connection(AZURITE, "SPCHECK_TEST_AZURITE").value
    table = _endpoint(connection, "tableendpoint", DEV_TABLE_ENDPOINT)
    if not _answers(table):
        pytest.fail(
            f"SPCHECK_TEST_AZURITE: Azurite does not answer at {urlsplit(table).netloc} "
            "(unset it to let the tests start their own)",
            pytrace=False,
        )
    return connection


@pytest.fixture(scope="session")
def azurite() -> Iterator[str]:
    """The Azurite connection string (full form, UseDevelopmentStorage expanded)."""
    if AZURITE:
        yield _given()
        return
    if emulator.node() is None:
        reason = "Node.js is not installed, so Azurite cannot run (install Node.js 18+)"
        if IN_CI:
            pytest.fail(f"Azure tests must run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        instance = emulator.start()
    except emulator.AzuriteUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield instance.connection
    finally:
        instance.stop()


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
