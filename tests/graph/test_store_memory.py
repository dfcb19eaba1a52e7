"""The in-memory ItemStore: the contract every store implementation keeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from spcheck.store.interface import StoredItem
from spcheck.store.memory import MemoryItemStore

SEEN = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)


def item(item_id: str, path: str, **extra: object) -> StoredItem:
    name = path.rsplit("/", 1)[-1]
    return StoredItem(
        id=item_id,
        name=name,
        path=path,
        parent_id=None,
        is_folder=False,
        first_seen=SEEN,
        **extra,  # type: ignore[arg-type]
    )


def test_apply_changes_is_one_step() -> None:
    store = MemoryItemStore()
    store.replace_all("d", [item("a", "A.docx"), item("b", "B.docx")], "link-1")

    store.apply_changes("d", [item("c", "Folder/C.docx")], ["a", "unknown"], "link-2")

    assert [i.id for i in store.items("d")] == ["b", "c"]
    assert store.get_delta_link("d") == "link-2"


def test_a_refused_change_leaves_state_and_link_as_they_were() -> None:
    store = MemoryItemStore()
    store.replace_all("d", [item("a", "A.docx")], "link-1")

    with pytest.raises(ValueError, match="delta link"):
        store.apply_changes("d", [item("b", "B.docx")], ["a"], "")

    assert [i.id for i in store.items("d")] == ["a"]
    assert store.get_delta_link("d") == "link-1"


def test_replace_all_drops_what_is_not_given_and_drives_are_separate() -> None:
    store = MemoryItemStore()
    store.replace_all("d", [item("a", "A.docx"), item("b", "B.docx")], "link-1")
    store.replace_all("e", [item("a", "Other.docx")], "link-e")

    store.replace_all("d", [item("b", "B.docx")], "link-2")

    assert [i.id for i in store.items("d")] == ["b"]
    assert store.item("e", "a") is not None
    assert store.get_delta_link("e") == "link-e"


def test_lookup_by_path_ignores_case_and_slashes() -> None:
    store = MemoryItemStore()
    store.upsert_items("d", [item("a", "Inspections/Fife-2026/PIR.xlsx")])
    found = store.item_by_path("d", "/inspections/fife-2026/pir.XLSX")
    assert found is not None
    assert found.id == "a"
    assert store.item_by_path("d", "Inspections") is None


def test_same_content_ignores_first_seen_only() -> None:
    a = item("a", "A.docx", etag="1")
    assert a.same_content(replace(a, first_seen=datetime(2027, 1, 1, tzinfo=UTC)))
    assert not a.same_content(replace(a, etag="2"))
    assert not a.same_content(replace(a, path="B/A.docx"))


def test_items_are_in_path_order_and_copies_do_not_leak() -> None:
    store = MemoryItemStore()
    store.upsert_items("d", [item("z", "b.txt"), item("y", "A.txt"), item("r", "")])
    listed = store.items("d")
    assert [i.path for i in listed] == ["", "A.txt", "b.txt"]
    listed.clear()
    assert len(store.items("d")) == 3
    store.remove_items("d", ["y"])
    assert store.get_delta_link("d") is None
    assert [i.id for i in store.items("d")] == ["r", "z"]
