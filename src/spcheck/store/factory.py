"""open_store: the Store that SPCHECK_STATE names."""

from __future__ import annotations

from pathlib import Path

from spcheck.errors import ConfigError
from spcheck.store.records import Store

SQLITE_PREFIX = "sqlite:///"
AZURE_PREFIX = "azure-table:"


def sqlite_path(setting: str) -> str:
    """The file of a ``sqlite:///path`` setting (``sqlite:////abs/path`` for an absolute one)."""
    if not setting.startswith(SQLITE_PREFIX) or len(setting) == len(SQLITE_PREFIX):
        raise ConfigError("SPCHECK_STATE: expected sqlite:///path.db or azure-table:<connection>")
    return setting[len(SQLITE_PREFIX) :]


def store_exists(setting: str) -> bool:
    """Whether the state already exists (a plan that changes nothing need not create it)."""
    if setting.startswith(SQLITE_PREFIX):
        path = sqlite_path(setting)
        return path != ":memory:" and Path(path).is_file()
    return True


def open_store(setting: str) -> Store:
    """Open (creating and migrating as needed) the store named by SPCHECK_STATE.

    Raises ``ConfigError`` for a setting this build cannot serve (a malformed
    Azure connection string included) and ``StoreError`` for a state it refuses
    (a foreign, newer or damaged file; an unreachable or newer Azure account).
    """
    if setting.startswith(SQLITE_PREFIX):
        from spcheck.store.sqlite import SqliteStore

        return SqliteStore(sqlite_path(setting))
    if setting.startswith(AZURE_PREFIX):
        # The Azure SDK is imported only here, and a malformed string fails before it is.
        from spcheck.store.azure_table import AzureTableStore

        return AzureTableStore(setting[len(AZURE_PREFIX) :])
    raise ConfigError("SPCHECK_STATE: expected sqlite:///path.db or azure-table:<connection>")
