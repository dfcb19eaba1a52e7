"""Hostile files are refused cleanly, each with its rule, and the scan goes on."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spcheck.content.api import scan_many
from spcheck.content.extract.safezip import SafeZip
from spcheck.content.interface import Limits, MalformedFile, UnsafeFile
from spcheck.content.pipeline import scan_file
from spcheck.domain.policy import FileRules
from tests.content import builders
from tests.content.helpers import of_rule

HOSTILE = {
    "bomb.docx": "file.unreadable",
    "laughs.docx": "file.unreadable",
    "encrypted.docx": "file.encrypted",
    "macros.docm": "file.macro_enabled",
    "truncated.pdf": "file.unreadable",
    "password.pdf": "file.encrypted",
}


def test_each_hostile_file_is_refused_and_the_next_file_still_scanned(
    documents, strict, file_rules
):
    files = FileRules(allowed_extensions=[*file_rules.allowed_extensions, "docm"])
    items = []
    for name in HOSTILE:
        items.append((name, documents[name]))
        items.append(("clean.txt", b"A line with nothing personal in it.\n"))
    scans = scan_many(items, strict, files)
    for index, (name, rule) in enumerate(HOSTILE.items()):
        hostile, clean = scans[2 * index], scans[2 * index + 1]
        assert rule in {f.rule for f in hostile.findings}, name
        assert hostile.status != "pass", name
        assert (clean.path, clean.status, clean.findings) == ("clean.txt", "pass", ())


def test_the_zip_bomb_and_the_entity_attack_say_why(documents, strict, file_rules):
    bomb = scan_file(documents["bomb.docx"], "bomb.docx", strict, file_rules)
    assert "zip bomb" in bomb.findings[0].message
    laughs = scan_file(documents["laughs.docx"], "laughs.docx", strict, file_rules)
    assert "DTD or entities" in laughs.findings[0].message
    assert bomb.status == laughs.status == "error"


def test_macros_are_found_from_the_content_not_the_name(documents, strict, file_rules):
    scan = scan_file(documents["macros.docm"], "renamed.docx", strict, file_rules)
    assert [f.rule for f in scan.findings] == ["file.macro_enabled"]
    assert scan.status == "fail"


def test_an_encrypted_office_file_is_unverifiable_when_not_refused(documents, strict):
    rules = FileRules(allowed_extensions=["docx"], refuse_encrypted=False)
    scan = scan_file(documents["encrypted.docx"], "encrypted.docx", strict, rules)
    assert [f.rule for f in scan.findings] == ["check.unverifiable"]
    assert scan.status == "error"


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_zip_caps_on_entries_and_total_size():
    many = _zip({f"part{n}.xml": b"<a/>" for n in range(5)})
    with pytest.raises(UnsafeFile, match="entries"):
        SafeZip(many, Limits(max_entries=4))
    large = _zip({"a.bin": bytes(range(256)) * 400, "b.bin": bytes(range(256)) * 400})
    with pytest.raises(UnsafeFile, match="inflates past"):
        SafeZip(large, Limits(max_total_uncompressed=150_000))


def test_a_small_repetitive_entry_is_not_a_bomb():
    # 200 KB of zeros compresses far beyond 100 times but cannot exhaust anything.
    archive = SafeZip(_zip({"empty-sheet.xml": b"\0" * 200_000}), Limits())
    assert archive.read("empty-sheet.xml") == b"\0" * 200_000


def test_a_file_that_is_not_what_its_name_says(strict, file_rules):
    scan = scan_file(b"this is not a zip", "report.docx", strict, file_rules)
    assert of_rule(scan, "file.unreadable")
    assert scan.status == "error"


def test_a_file_over_the_time_limit_is_unverifiable_and_the_next_is_scanned(strict, file_rules):
    items = [("long.pdf", builders.pdf_long()), ("clean.txt", b"Nothing personal here.\n")]
    slow, clean = scan_many(items, strict, file_rules, limits=Limits(time_limit=0.5))
    assert slow.status == "error"
    (finding,) = slow.findings
    assert finding.rule == "check.unverifiable"
    assert "longer than the 0.5 s limit" in finding.message
    assert (clean.status, clean.findings) == ("pass", ())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_files_never_raise_and_never_pass_silently(data, documents, strict, file_rules):
    name = data.draw(st.sampled_from(["planted.docx", "boxes.pdf", "planted.xlsx"]))
    original = bytearray(documents[name])
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(original) - 1))
        original[position] = data.draw(st.integers(0, 255))
    scan = scan_file(bytes(original), name, strict, file_rules)
    assert scan.status in ("pass", "fail", "error")
    for finding in scan.findings:
        shown = f"{finding.message} {finding.location} {finding.masked}"
        assert not any(value in shown for value in builders.PLANTED)


def test_a_part_over_the_cap_is_refused_when_read_not_before():
    archive = SafeZip(
        _zip({"word/document.xml": b"<a>" + b"x" * 5000 + b"</a>"}), Limits(max_part_bytes=1000)
    )
    with pytest.raises(UnsafeFile, match="inflates to"):
        archive.read("word/document.xml")


def test_two_parts_of_the_same_name_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", b"<a/>")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("word/document.xml", b"<b/>")
    with pytest.raises(MalformedFile, match="same name"):
        SafeZip(out.getvalue(), Limits())
