"""Every store implementation against the same contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from spcheck.store.memory import MemoryItemStore
from spcheck.store.memory_store import MemoryStore
from spcheck.store.sqlite import SqliteStore

from .contract import ItemStoreContract, StoreContract


class TestMemoryItemStore(ItemStoreContract):
    @pytest.fixture
    def store(self) -> MemoryItemStore:
        return MemoryItemStore()


class TestMemoryStore(ItemStoreContract, StoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


class TestSqliteStore(ItemStoreContract, StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqliteStore]:
        with SqliteStore(tmp_path / "state.db") as opened:
            assert isinstance(opened, SqliteStore)
            yield opened


class TestSqliteStoreInMemory(ItemStoreContract, StoreContract):
    @pytest.fixture
    def store(self) -> Iterator[SqliteStore]:
        opened = SqliteStore(":memory:")
        yield opened
        opened.close()
