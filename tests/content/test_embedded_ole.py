"""OLE objects: "Create from file" in Word is checked like the file it wraps.

Each OLE object is written by the test (``ole_builder``) and embedded in a clean
training document as Word stores it, ``word/embeddings/oleObject1.bin``.
"""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from spcheck.content.extract import extract
from spcheck.content.extract.ole import (
    DAMAGED,
    DAMAGED_PACKAGE,
    UNKNOWN_KIND,
    inner_file,
    native_file,
)
from spcheck.content.interface import FileScan
from spcheck.content.pipeline import scan_file
from spcheck.domain.findings import mask
from spcheck.domain.policy import ContentRules, FileRules
from tests.content import builders
from tests.content.builders import (
    CHI_BOXED,
    CHI_COMMENT,
    CHI_DELETED,
    CHI_HEADER,
    CHI_HIDDEN,
    CHI_HIDDEN_SHEET,
    CHI_NUMERIC,
    CHI_VERY_HIDDEN,
    NAME,
)
from tests.content.helpers import hidden_kinds, identifiers, of_rule
from tests.content.ole_builder import ole10native, ole_compound

PART = "word/embeddings/oleObject1.bin"
NATIVE = "\x01Ole10Native"
# The label a partnership's OLE Package shows under its icon: a child's name.
LABEL = f"{NAME}.csv"


def _scan(ole: bytes, strict: ContentRules, file_rules: FileRules) -> FileScan:
    data = builders.docx_embedding({"oleObject1.bin": ole})
    return scan_file(data, "training.docx", strict, file_rules)


def _checked(scan: FileScan) -> str:
    """The hidden-data message of the OLE object, which says whether it was read."""
    [item] = [
        f
        for f in of_rule(scan, "content.hidden_data")
        if f.kind == "embedded_object" and f.location == PART
    ]
    return item.message


def test_a_workbook_in_an_ole_package_is_read_like_an_embedded_workbook(strict, file_rules):
    ole = ole_compound({NATIVE: ole10native("Lookup.xlsx", builders.xlsx_planted())})
    scan = _scan(ole, strict, file_rules)
    found = identifiers(scan)
    assert found[mask(CHI_NUMERIC.zfill(10))].startswith(f"{PART} › sheet 'Cases' C")
    assert found[mask(CHI_HIDDEN_SHEET)].startswith(f"{PART} › sheet 'Lookup'")
    assert found[mask(CHI_VERY_HIDDEN)].startswith(f"{PART} › sheet 'Audit'")
    assert {"embedded_object", "hidden_sheet"} <= hidden_kinds(scan)
    assert "an embedded object (xlsx, " in _checked(scan)
    assert "checked as part of this file" in _checked(scan)
    assert not of_rule(scan, "check.unverifiable")


def test_an_office_document_kept_whole_in_a_package_stream_is_read(strict, file_rules):
    ole = ole_compound({"\x01CompObj": b"\x01\x00\xfe\xff", "Package": builders.docx_planted()})
    scan = _scan(ole, strict, file_rules)
    found = identifiers(scan)
    for chi in (CHI_DELETED, CHI_COMMENT, CHI_HEADER, CHI_HIDDEN):
        assert found[mask(chi)].startswith(f"{PART} › ")
    assert "(docx, " in _checked(scan)
    assert not of_rule(scan, "check.unverifiable")


def test_an_acrobat_document_is_read_as_a_pdf(strict, file_rules):
    ole = ole_compound({"CONTENTS": builders.pdf_black_boxes()})
    scan = _scan(ole, strict, file_rules)
    assert identifiers(scan)[mask(CHI_BOXED)].startswith(f"{PART} › page 1")
    assert "(pdf, " in _checked(scan)
    assert not of_rule(scan, "check.unverifiable")


def test_a_packaged_csv_is_read_and_its_label_never_shown(strict, file_rules):
    csv = f"Case reference,CHI\nGM-0042,{CHI_HIDDEN_SHEET}\n".encode()
    ole = ole_compound({NATIVE: ole10native(LABEL, csv)})
    scan = _scan(ole, strict, file_rules)
    assert identifiers(scan)[mask(CHI_HIDDEN_SHEET)].startswith(f"{PART} › ")
    assert "(csv, " in _checked(scan)
    assert not of_rule(scan, "check.unverifiable")
    text = repr(scan.findings)
    for shown in ("Morag", "Testperson", CHI_HIDDEN_SHEET, "AppData", "Users"):
        assert shown not in text


def test_the_label_only_tells_the_type():
    csv = f"CHI\n{CHI_HIDDEN_SHEET}\n".encode()
    assert native_file(ole10native(LABEL, csv)) == ("embedded object.csv", csv)
    # no known extension in the label: the source path's tells it, and nothing else
    assert native_file(ole10native(NAME, csv, source=f"C:\\{NAME}\\{LABEL}")) == (
        "embedded object.csv",
        csv,
    )
    assert native_file(ole10native(NAME, csv, source="", temporary="")) == ("embedded object", csv)


def test_a_packaged_file_spcheck_does_not_read_is_still_a_gap(strict, file_rules):
    ole = ole_compound({NATIVE: ole10native(f"{NAME}.png", b"\x89PNG\r\n\x1a\n" + bytes(64))})
    scan = _scan(ole, strict, file_rules)
    [gap] = of_rule(scan, "check.unverifiable")
    assert f"{PART}: a kind of file spcheck does not read" in gap.message
    assert "Morag" not in repr(scan.findings)


def _truncated_native() -> bytes:
    whole = ole10native(LABEL, f"CHI\n{CHI_HIDDEN_SHEET}\n".encode())
    return whole[: len(whole) - 10]


@pytest.mark.parametrize(
    "stream",
    [
        _truncated_native(),  # cut short: the sizes claim more than is there
        b"\x10\x00",  # not even a size
        struct.pack("<IH", 40, 2) + b"no terminator" * 3,  # a label that never ends
        struct.pack("<IH", 6, 2) + b"a\0b\0",  # the declared size ends mid-structure
        # data size far past the end of the stream
        ole10native(LABEL, b"CHI")[:-7] + struct.pack("<I", 0xFFFFFFF0) + b"CHI",
    ],
)
def test_a_damaged_ole_package_is_a_gap_not_an_error(stream, strict, file_rules):
    assert native_file(stream) == DAMAGED_PACKAGE
    scan = _scan(ole_compound({NATIVE: stream}), strict, file_rules)
    [gap] = of_rule(scan, "check.unverifiable")
    assert f"{PART}: {DAMAGED_PACKAGE}" in gap.message
    assert scan.status == "error"
    assert "Morag" not in repr(scan.findings)


def test_native_data_of_another_ole1_class_is_not_opened():
    assert native_file(struct.pack("<IH", 8, 7) + bytes(6)) == UNKNOWN_KIND


@pytest.mark.parametrize(
    "streams",
    [
        {"Equation Native": b"\x1c\x00" + bytes(40)},  # an equation
        {"WordDocument": bytes(5000), "1Table": bytes(600)},  # a legacy .doc
        {"CONTENTS": b"not a PDF at all"},
        {"Package": b"not a zip"},
    ],
)
def test_an_ole_object_of_another_kind_is_the_same_gap_as_before(streams, strict, file_rules):
    scan = _scan(ole_compound(streams), strict, file_rules)
    [gap] = of_rule(scan, "check.unverifiable")
    assert f"an embedded object {PART}: {UNKNOWN_KIND}" in gap.message
    assert scan.status == "error"


def test_a_broken_ole_container_is_a_gap():
    broken = builders.encrypted_office()[:512]
    assert inner_file(broken) == DAMAGED
    ole = ole_compound({NATIVE: ole10native(LABEL, b"CHI")})
    assert inner_file(ole[:1536]) == DAMAGED  # the directory cut off
    # a stream whose size claims more than the file holds
    lying = bytearray(ole)
    at = lying.find(NATIVE.encode("utf-16-le"))
    struct.pack_into("<I", lying, at + 120, 10 * len(ole))
    assert inner_file(bytes(lying)) == DAMAGED


def test_an_encrypted_document_in_an_ole_package_is_a_gap(strict, file_rules):
    ole = ole_compound({NATIVE: ole10native("locked.docx", builders.encrypted_office())})
    scan = _scan(ole, strict, file_rules)
    [gap] = of_rule(scan, "check.unverifiable")
    assert f"{PART}: encrypted" in gap.message


def test_an_ole_object_inside_an_ole_package_is_not_unwrapped(strict, file_rules):
    inner = ole_compound({NATIVE: ole10native(LABEL, f"CHI\n{CHI_HIDDEN_SHEET}\n".encode())})
    ole = ole_compound({NATIVE: ole10native("object.bin", inner)})
    scan = _scan(ole, strict, file_rules)
    [gap] = of_rule(scan, "check.unverifiable")
    assert f"{PART}: {UNKNOWN_KIND}" in gap.message
    assert mask(CHI_HIDDEN_SHEET) not in identifiers(scan)


def test_a_zip_that_is_no_office_package_is_not_called_checked(strict, file_rules):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", f"<text>CHI {CHI_HIDDEN_SHEET}</text>")
    ole = ole_compound({NATIVE: ole10native("notes.odt", buffer.getvalue())})
    scan = _scan(ole, strict, file_rules)
    [gap] = of_rule(scan, "check.unverifiable")
    assert f"{PART}: a kind of file spcheck does not read" in gap.message


def test_nesting_still_applies_through_ole_objects():
    # a document holding an OLE-wrapped document holding an OLE-wrapped workbook:
    # the wrapper costs no level, each document one; the workbook is two levels down.
    workbook = ole_compound({NATIVE: ole10native("Lookup.xlsx", builders.xlsx_planted())})
    report = ole_compound({"Package": builders.docx_embedding({"oleObject1.bin": workbook})})
    middle = builders.docx_embedding({"oleObject1.bin": report})
    shallow = extract(middle, "middle.docx")
    assert shallow.gaps == ()
    assert any(CHI_HIDDEN_SHEET in s.text for s in shallow.segments)
    outer = builders.docx_embedding({"oleObject1.bin": ole_compound({"Package": middle})})
    deep = extract(outer, "outer.docx")
    assert not any(CHI_HIDDEN_SHEET in s.text for s in deep.segments)
    [gap] = deep.gaps
    assert gap == (
        f"{PART} › {PART} › an embedded object {PART}: "
        "inside other embedded objects, deeper than spcheck opens"
    )
