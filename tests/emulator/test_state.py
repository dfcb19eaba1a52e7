"""The model without HTTP: seeds, uploads, names, conflicts, ids, hashing."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from spcheck.emulator.hashing import quick_xor_hash
from spcheck.emulator.interface import AccessDenied, InvalidRequest, NameConflict
from spcheck.emulator.seeds import (
    DEMO_PARTNERSHIP_USERS,
    OUTSIDER_EMAIL,
    ROOT_FOLDER,
    SERVICE_EMAIL,
    SITE_HOSTNAME,
    SITE_PATH,
    seed_by_name,
    seed_demo,
    seed_empty,
)
from spcheck.emulator.state import EmulatorState
from spcheck.errors import InputError

from .helpers import Clock

UPLOADER = DEMO_PARTNERSHIP_USERS[0][0]


def test_seeds_hold_the_inspection_site_with_an_empty_root_folder() -> None:
    for state in (seed_empty(), seed_demo()):
        site = state.site_by_path(SITE_HOSTNAME, SITE_PATH)
        assert site is not None
        root = state.root(site.drive_id)
        assert [item.name for item in state.children(site.drive_id, root.id)] == [ROOT_FOLDER]
        folder = state.item_by_path(site.drive_id, ROOT_FOLDER)
        assert folder is not None
        assert state.children(site.drive_id, folder.id) == []
        assert state.user(SERVICE_EMAIL) is not None
    demo = seed_demo()
    domains = {user.domain for user in demo.users.values()}
    assert domains >= {
        "glenmorven-council.example",
        "nhs-glenmorven.example",
        "kinloch-council.example",
        "nhs-kinloch.example",
        "outsider.example",
    }
    assert all(domain.endswith(".example") for domain in domains)
    outsider = demo.user(OUTSIDER_EMAIL)
    assert outsider is not None
    assert outsider.guest
    assert seed_empty().user(OUTSIDER_EMAIL) is None


def test_unknown_seed_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown emulator seed 'full'"):
        seed_by_name("full")


def test_upload_creates_parents_and_stamps_time(
    state: EmulatorState, drive_id: str, clock: Clock
) -> None:
    week3 = datetime(2026, 9, 25, 16, 0, tzinfo=UTC)
    item = state.upload(
        drive_id, "Inspections/g/01 PIR", "PIR.xlsx", b"data", user=UPLOADER, at=week3
    )
    assert (item.created, item.modified) == (week3, week3)
    parent = state.item_by_path(drive_id, "Inspections/g/01 PIR")
    assert parent is not None
    assert parent.created == week3
    assert item.created_by.email == UPLOADER
    assert item.created_by.kind == "user"
    assert item.quick_xor_hash == quick_xor_hash(b"data")
    assert item.mime_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    clock.advance(days=1)
    again = state.upload(
        drive_id, "Inspections/g/01 PIR", "pir.XLSX".replace("XLSX", "xlsx"), b"v2", user=UPLOADER
    )
    assert again.id == item.id
    assert again.name == "PIR.xlsx"
    assert again.created == week3
    assert again.modified == clock.now
    assert again.version == 2
    assert state.size_of(state.root(drive_id)) == 2


def test_upload_refuses_naive_times_and_unknown_users(state: EmulatorState, drive_id: str) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        state.upload(drive_id, "Inspections", "a.txt", b"", user=UPLOADER, at=datetime(2026, 9, 25))
    with pytest.raises(AccessDenied):
        state.upload(drive_id, "Inspections", "a.txt", b"", user="ghost@nowhere.example")
    assert state.item_by_path(drive_id, "Inspections/a.txt") is None


@pytest.mark.parametrize(
    "name", ["", " lead", "trail ", "a:b", "a/b", 'q"', "x*", "end.", "..", "a|b"]
)
def test_invalid_names_are_refused(state: EmulatorState, drive_id: str, name: str) -> None:
    with pytest.raises(InvalidRequest):
        state.create_folder(drive_id, "Inspections", name)


def test_conflicts_rename_replace_and_fail(state: EmulatorState, drive_id: str) -> None:
    first = state.upload(drive_id, "Inspections", "Report.docx", b"1", user=UPLOADER)
    renamed = state.upload(
        drive_id, "Inspections", "report.docx", b"2", user=UPLOADER, conflict="rename"
    )
    assert renamed.name == "report 1.docx"
    assert renamed.id != first.id
    with pytest.raises(NameConflict):
        state.upload(drive_id, "Inspections", "REPORT.DOCX", b"3", user=UPLOADER, conflict="fail")
    with pytest.raises(NameConflict):
        state.create_folder(drive_id, "Inspections", "report.docx", conflict="replace")
    with pytest.raises(InvalidRequest):
        state.create_folder(drive_id, "Inspections", "z", conflict="overwrite")
    folder = state.create_folder(drive_id, "", "Inspections", conflict="rename")
    assert folder.name == "Inspections 1"


def test_moves_cannot_create_cycles(state: EmulatorState, drive_id: str) -> None:
    outer = state.create_folder(drive_id, "Inspections", "outer")
    inner = state.create_folder(drive_id, "Inspections/outer", "inner")
    with pytest.raises(InvalidRequest):
        state.update_item(drive_id, outer.id, parent_id=inner.id)
    with pytest.raises(InvalidRequest):
        state.delete_item(drive_id, state.root(drive_id).id)


def test_ids_look_like_graphs_and_repeat_across_runs() -> None:
    one, two = seed_demo(Clock()), seed_demo(Clock())
    site = next(iter(one.sites.values()))
    assert re.fullmatch(rf"{re.escape(SITE_HOSTNAME)},[0-9a-f-]{{36}},[0-9a-f-]{{36}}", site.id)
    assert re.fullmatch(r"b![A-Za-z0-9_-]{40,}", site.drive_id)
    item = one.upload(site.drive_id, "Inspections", "a.txt", b"a", user=UPLOADER)
    twin = two.upload(site.drive_id, "Inspections", "a.txt", b"a", user=UPLOADER)
    assert re.fullmatch(r"01[A-Z2-7]{32}", item.id)
    assert item.id == twin.id


VECTORS = [  # from rclone's quickxorhash tests (public test data for Microsoft's algorithm)
    ("", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    ("Sg==", "SgAAAAAAAAAAAAAAAQAAAAAAAAA="),
    ("T6LYJIfDh81JrAK309H2JMJTXis=", "zBTHrspn3mEcohlJdIUAbjGNaNg="),
    (
        "PfxMcUd0vIW6VbHG/uj/Y0W6qEoKmyBD0nYebEKazKaKG+UaDqBEcmQjbfQeVnVLuodMoPp7P7TR"
        "1htX5n2VnkHh22xDyoJ8C/ZQKiSNqQfXvh83judf4RVr9exJCud8Uvgip6aVZTaPrJHVjQhMCp/d"
        "EnGvqg0oN5OVkM2qqAXvA0teKUDhgNM71sDBVBCGXxNOR2bpbD1iM4dnuT0ey4L+loXEHTL0fqMe"
        "UcEi2asgImnlNakwenDzz0x57aBwyq3AspCFGB1ncX4yYCr/OaCcS5OKi/00WH+wNQU3",
        "QX/YEpG0gDsmhEpCdWhsxDzsfVE=",
    ),
]


@pytest.mark.parametrize(("data", "expected"), VECTORS)
def test_quick_xor_hash_matches_published_vectors(data: str, expected: str) -> None:
    assert quick_xor_hash(base64.b64decode(data)) == expected


def test_times_are_kept_to_the_second_in_utc(state: EmulatorState, drive_id: str) -> None:
    local = datetime(2026, 9, 25, 17, 0, 0, 987654, tzinfo=timezone(timedelta(hours=1)))
    item = state.upload(drive_id, "Inspections", "a.txt", b"a", user=UPLOADER, at=local)
    assert item.created == datetime(2026, 9, 25, 16, 0, 0, tzinfo=UTC)
    assert item.created.tzinfo is UTC
