"""Scanned pages and pictures: read by OCR, never passed unread.

The documents are built here (tests/content/scans.py): typed lines drawn into pictures at
150 to 300 dpi, some skewed, noisy, blurred or saved as JPEG at quality 70, then put in a
PDF, a Word document or a TIFF. OCR runs in this process (one engine load for the
module) except where the sandbox itself is under test.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict

import pytest

from spcheck.content.api import scan_many
from spcheck.content.interface import Limits
from spcheck.content.ocr import rapid
from spcheck.content.ocr.interface import OcrEngine, OcrError, OcrText
from spcheck.content.pipeline import scan_file
from spcheck.domain.findings import Severity
from spcheck.domain.policy import ContentRules
from tests.content import scans
from tests.content.builders import CHI_DOC_TEST, CHI_DOC_TEST_2
from tests.content.helpers import of_rule
from tests.content.scans import Ageing, Bar

NHS_TEST = "9990000026"  # the reserved test range, valid check digit
FORM = [
    "Referral to children's services",
    "Child's name: Morag Example",
    f"CHI number: {CHI_DOC_TEST}",
    "Referrer: duty social worker",
]
CLEAN = [
    "Invoice no. INV-40213 dated 12/05/2024",
    "Order 4012345678, account 55-12-09",
    "Meeting held on 03/04/2024 at 10:30",
    "Total due: 1,234.56 by 30/06/2024",
]
RECORDS = ContentRules(identifiers="allow", hidden_data="allow")
VALUES = (CHI_DOC_TEST, CHI_DOC_TEST_2, NHS_TEST, "Morag")


def _no_leak(scan: object) -> None:
    """No finding of the scan carries a planted value unmasked."""
    text = json.dumps(asdict(scan), default=str)  # type: ignore[call-overload]
    for value in VALUES:
        assert value not in text


def _located(scan: object, rule: str, kind: str) -> list[str]:
    return [f.location or "" for f in of_rule(scan, rule) if f.kind == kind]  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def form_strip():
    return scans.typed(FORM)


def test_a_scanned_pdf_page_is_read_and_the_identifier_located(strict, file_rules, form_strip):
    scan = scan_file(scans.pdf([form_strip]), "referral.pdf", strict, file_rules)
    assert scan.status == "fail"
    chi = of_rule(scan, "content.personal_identifier")
    located = [f.location for f in chi if f.kind == "chi"]
    assert len(located) == 1
    assert located[0].startswith("page 1 picture line 3 box ")
    assert located[0].endswith(" pt")
    assert {f.masked for f in chi if f.kind == "chi"} == {"01******37"}
    assert any(f.kind == "labelled_field" for f in chi)
    _no_leak(scan)


@pytest.mark.parametrize(
    "ageing",
    [
        Ageing(dpi=150, skew=1.5, noise=8, jpeg=70),
        Ageing(dpi=300, skew=-2.0, blur=1.2),
        Ageing(dpi=200, skew=1.0, noise=12, blur=0.8, jpeg=70),
    ],
    ids=["150dpi-skew-noise-jpeg70", "300dpi-skew-blur", "200dpi-all"],
)
def test_an_aged_scan_upload_still_shows_its_identifiers(strict, file_rules, ageing):
    lines = [
        "Mother's NHSnumber " + NHS_TEST,  # OCR often loses the space after a label
        f"Sibling CHI {CHI_DOC_TEST_2[:6]} {CHI_DOC_TEST_2[6:]}",
    ]
    scan = scan_file(scans.jpeg(scans.typed(lines, ageing)), "photo.jpg", strict, file_rules)
    found = {f.kind: f.masked for f in of_rule(scan, "content.personal_identifier")}
    assert found.get("nhs_number") == "99******26"
    assert found.get("chi") == "02******94"
    _no_leak(scan)


def test_a_clean_scan_full_of_numbers_passes(strict, file_rules):
    scan = scan_file(
        scans.png(scans.typed(CLEAN, Ageing(dpi=200, noise=6))), "i.png", strict, file_rules
    )
    assert scan.findings == ()
    assert scan.status == "pass"
    assert scan.words
    assert scan.words > 20


def test_identifiers_under_burned_in_black_bars_pass(strict, file_rules):
    bars = (Bar(1, 14, 27), Bar(2, 12, 22))
    redacted = scans.typed(FORM, Ageing(dpi=200), bars)
    scan = scan_file(scans.pdf([redacted]), "redacted.pdf", strict, file_rules)
    assert of_rule(scan, "content.personal_identifier") == []
    assert of_rule(scan, "content.bad_redaction") == []
    assert scan.status == "pass"


def test_an_identifier_readable_under_a_grey_box_is_a_failed_redaction(strict, file_rules):
    greyed = scans.typed(FORM, Ageing(dpi=200), (Bar(2, 12, 22, grey=True),))
    scan = scan_file(scans.pdf([greyed]), "greyed.pdf", strict, file_rules)
    failed = of_rule(scan, "content.bad_redaction")
    assert [f.masked for f in failed] == ["01******37"]
    assert failed[0].location.startswith("page 1 picture line 3 box ")
    _no_leak(scan)


def test_a_mixed_pdf_reads_the_text_page_and_the_scanned_page(strict, file_rules, form_strip):
    data = scans.pdf([["Minutes of the core group", "Nothing personal here."], form_strip])
    scan = scan_file(data, "mixed.pdf", strict, file_rules)
    assert [
        loc.split(" box ")[0] for loc in _located(scan, "content.personal_identifier", "chi")
    ] == ["page 2 picture line 3"]


def test_a_picture_of_a_form_in_a_word_document_is_read(strict, file_rules, form_strip):
    data = scans.docx_with_picture(["Chronology", "See the form below."], scans.png(form_strip))
    scan = scan_file(data, "report.docx", strict, file_rules)
    located = _located(scan, "content.personal_identifier", "chi")
    assert len(located) == 1
    assert located[0].startswith("word/media/image1.png picture line 3 box ")
    assert located[0].endswith(" px")
    _no_leak(scan)


def test_each_page_of_a_tiff_is_read(strict, file_rules):
    first = scans.typed(CLEAN[:2], Ageing(dpi=150))
    second = scans.typed(FORM, Ageing(dpi=150, skew=1.0))
    scan = scan_file(scans.tiff([first, second]), "scan.tif", strict, file_rules)
    assert scan.type == "image"
    located = _located(scan, "content.personal_identifier", "chi")
    assert [loc.split(" box ")[0] for loc in located] == ["page 2 picture line 3"]


def test_a_text_layer_that_matches_its_picture_is_not_hidden_text(strict, file_rules, form_strip):
    data = scans.pdf([form_strip], text_layer={0: FORM})
    scan = scan_file(data, "ocrd.pdf", strict, file_rules)
    hidden = of_rule(scan, "content.hidden_data")
    assert [f for f in hidden if f.kind == "pdf_invisible_text"] == []
    # The identifier is reported once, from the text layer, not again from the picture.
    assert len(_located(scan, "content.personal_identifier", "chi")) == 1


def test_a_text_layer_saying_more_than_the_picture_is_hidden_text(strict, file_rules):
    redacted = scans.typed(FORM, Ageing(dpi=200), (Bar(2, 12, 22),))
    scan = scan_file(scans.pdf([redacted], text_layer={0: FORM}), "layer.pdf", strict, file_rules)
    hidden = [f for f in of_rule(scan, "content.hidden_data") if f.kind == "pdf_invisible_text"]
    assert len(hidden) == 1
    assert "says more than its picture shows" in hidden[0].message
    chi = [f for f in of_rule(scan, "content.personal_identifier") if f.kind == "chi"]
    assert [f.location for f in chi] == ["page 1 line 3 (invisible text)"]
    _no_leak(scan)


def test_ocr_off_leaves_every_picture_unverifiable_by_name(strict, file_rules, form_strip):
    off = strict.model_copy(update={"ocr": "off"})
    scan = scan_file(scans.pdf([["Typed page"], form_strip]), "mixed.pdf", off, file_rules)
    assert scan.status == "error"
    messages = [f.message for f in of_rule(scan, "check.unverifiable")]
    assert messages == ["could not check page 2 (pictures cover 15% of it): not read, OCR is off"]


def test_records_folders_need_no_ocr(file_rules, form_strip):
    scan = scan_file(scans.png(form_strip), "record.png", RECORDS, file_rules)
    assert scan.status == "pass"
    assert scan.findings == ()


class _Broken(OcrEngine):
    name = "broken"

    @property
    def version(self) -> str:
        return "broken"

    def read(self, image: object) -> list[OcrText]:
        raise OcrError("the OCR engine failed (RuntimeError)")


def test_ocr_that_fails_makes_the_file_unverifiable(strict, file_rules, form_strip, monkeypatch):
    monkeypatch.setattr(rapid, "_engine", _Broken())
    scan = scan_file(scans.png(form_strip), "form.png", strict, file_rules)
    assert scan.status == "error"
    assert [f.message for f in of_rule(scan, "check.unverifiable")] == [
        "could not check page 1 (an image file): not read, the OCR engine failed (RuntimeError)"
    ]


def test_an_ocr_engine_that_cannot_start_is_unverifiable(
    strict, file_rules, form_strip, monkeypatch
):
    def cannot_start() -> OcrEngine:
        raise OcrError("the OCR engine could not start (RuntimeError)")

    monkeypatch.setattr(rapid, "engine", cannot_start)
    scan = scan_file(scans.png(form_strip), "form.png", strict, file_rules)
    assert scan.status == "error"
    assert "OCR could not run" in of_rule(scan, "check.unverifiable")[0].message


def test_a_decompression_bomb_is_refused_before_it_is_decoded(strict, file_rules):
    bomb = scans.bomb_png()
    assert len(bomb) < 1_000_000
    scan = scan_file(bomb, "bomb.png", strict, file_rules)
    assert scan.status == "error"
    [finding] = scan.findings
    assert finding.rule == "file.unreadable"
    assert "30,000 x 30,000 pixels" in finding.message


def test_a_bomb_picture_inside_a_word_document_is_a_gap(strict, file_rules):
    data = scans.docx_with_picture(["Report"], scans.png(scans.typed(["x"], Ageing(dpi=72))))
    from tests.content.builders import _rewrite_zip

    bomb = scans.bomb_png()
    bombed = _rewrite_zip(
        data, lambda name, body: bomb if name == "word/media/image1.png" else body
    )
    scan = scan_file(bombed, "report.docx", strict, file_rules)
    assert scan.status == "error"
    assert "over the cap" in of_rule(scan, "check.unverifiable")[0].message


def test_pages_over_the_cap_are_named_unread(strict, file_rules, form_strip):
    data = scans.tiff([form_strip, form_strip])
    scan = scan_file(data, "two.tif", strict, file_rules, limits=Limits(max_ocr_pages=1))
    assert [f.message for f in of_rule(scan, "check.unverifiable")] == [
        "could not check page 2 (page 2 of 2 in the image file): not read, over the cap of 1 "
        "pictures read a file"
    ]


def test_the_sandbox_reads_scans_and_counts_pages(strict, file_rules, form_strip):
    items = [
        ("two.tif", scans.tiff([scans.typed(CLEAN[:1], Ageing(dpi=150)), form_strip])),
        ("notes.txt", b"nothing personal\n"),
    ]
    seen: list[tuple[int, int]] = []
    scanned, text = scan_many(items, strict, file_rules, progress=lambda d, t: seen.append((d, t)))
    assert scanned.status == "fail"
    assert text.status == "pass"
    assert seen[-1] == (4, 4)  # two files and two pages
    _no_leak(scanned)


def test_property_severity_follows_the_policy(file_rules):
    from tests.content.builders import docx_planted

    data = docx_planted()
    default = scan_file(data, "a.docx", ContentRules(identifiers="forbid"), file_rules)
    authors = [f for f in of_rule(default, "content.hidden_data") if f.kind == "document_property"]
    assert authors
    assert {f.severity for f in authors} == {Severity.INFO}
    warned = ContentRules.model_validate(
        {"identifiers": "forbid", "properties": {"report": ["company"], "severity": "warning"}}
    )
    scan = scan_file(data, "a.docx", warned, file_rules)
    props = [f for f in of_rule(scan, "content.hidden_data") if f.kind == "document_property"]
    assert {f.severity for f in props} <= {Severity.WARNING}
    assert all("author" not in (f.location or "") for f in props)
    allowed = scan_file(data, "a.docx", ContentRules(), file_rules)
    assert [
        f for f in of_rule(allowed, "content.hidden_data") if f.kind == "document_property"
    ] == []


def test_a_phone_photo_is_read_upright_from_its_orientation_tag(strict, file_rules, form_strip):
    from PIL import Image

    sideways = form_strip.rotate(90, expand=True)  # the camera held sideways
    exif = Image.Exif()
    exif[0x0112] = 8  # rotate 90 degrees clockwise to show it upright
    buffer = io.BytesIO()
    sideways.convert("RGB").save(buffer, "JPEG", quality=80, exif=exif)
    scan = scan_file(buffer.getvalue(), "IMG_0412.jpg", strict, file_rules)
    [located] = _located(scan, "content.personal_identifier", "chi")
    assert located.startswith("page 1 picture line ")
    x0, top, x1, bottom = (int(v) for v in located.split(" box ")[1].split()[0].split(","))
    assert x1 - x0 > 3 * (bottom - top)  # a line across the upright picture


def test_a_page_scanned_on_its_side_is_still_read(strict, file_rules, form_strip):
    sideways = scans.png(form_strip.rotate(270, expand=True))
    scan = scan_file(sideways, "landscape.png", strict, file_rules)
    found = [f.masked for f in of_rule(scan, "content.personal_identifier") if f.kind == "chi"]
    assert found == ["01******37"]


def _with_thumbnail(data: bytes, name: str, picture: bytes) -> bytes:
    from tests.content.builders import _rewrite_zip

    return _rewrite_zip(
        data,
        lambda part, body: None if part.startswith("docProps/thumbnail") else body,
        {name: picture},
    )


def test_a_thumbnail_saved_before_the_redaction_is_read(strict, file_rules, form_strip):
    # The body was redacted by editing the document; the thumbnail Office saved with it
    # still shows the first page as it was.
    clean = scans.docx_with_picture(["Assessment (redacted)"], scans.png(scans.typed(CLEAN[:1])))
    data = _with_thumbnail(clean, "docProps/thumbnail.jpeg", scans.jpeg(form_strip, quality=85))
    scan = scan_file(data, "assessment.docx", strict, file_rules)
    located = _located(scan, "content.personal_identifier", "chi")
    assert len(located) == 1
    assert located[0].startswith("docProps/thumbnail.jpeg picture line 3 box ")
    _no_leak(scan)


def test_a_blank_thumbnail_adds_nothing(strict, file_rules):
    from tests.content.builders import docx_clean

    data = docx_clean(["Training copy, nothing personal."])
    assert b"docProps/thumbnail.jpeg" in data  # python-docx's template carries one
    scan = scan_file(data, "training.docx", strict, file_rules)
    assert scan.status == "pass"
    assert scan.findings == ()


def test_a_thumbnail_spcheck_cannot_draw_is_a_gap_by_name(strict, file_rules):
    from tests.content.builders import docx_clean

    metafile = b"\xd7\xcd\xc6\x9a" + b"\0" * 60  # a placeable Windows metafile's header
    data = _with_thumbnail(docx_clean(["Training copy"]), "docProps/thumbnail.wmf", metafile)
    scan = scan_file(data, "training.docx", strict, file_rules)
    assert scan.status == "error"
    [gap] = of_rule(scan, "check.unverifiable")
    assert gap.message.startswith(
        "could not check docProps/thumbnail.wmf (the thumbnail of the first page that Office"
    )


def _photo_with_location(image: object) -> bytes:
    from PIL import Image

    assert isinstance(image, Image.Image)
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    # A made-up place in the sea off the coast: only its presence matters.
    gps.update({1: "N", 2: (56.0, 0.0, 0.0), 3: "W", 4: (1.0, 0.0, 0.0)})
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=80, exif=exif)
    return buffer.getvalue()


def test_a_photo_that_says_where_it_was_taken_is_hidden_data(strict, file_rules):
    photo = _photo_with_location(scans.typed(CLEAN[:1]))
    scan = scan_file(photo, "photo.jpg", strict, file_rules)
    [item] = of_rule(scan, "content.hidden_data")
    assert (item.kind, item.location) == ("photo_location", "the image file")
    assert "56" not in item.message
    inside = scans.docx_with_picture(["Visit notes"], photo)
    scan = scan_file(inside, "notes.docx", strict, file_rules)
    located = _located(scan, "content.hidden_data", "photo_location")
    assert located == ["word/media/image1.jpg"]


def test_a_photo_without_a_location_and_records_folders_add_nothing(strict, file_rules):
    plain = scan_file(scans.jpeg(scans.typed(CLEAN[:1])), "photo.jpg", strict, file_rules)
    assert of_rule(plain, "content.hidden_data") == []
    photo = _photo_with_location(scans.typed(CLEAN[:1]))
    assert scan_file(photo, "record.jpg", RECORDS, file_rules).findings == ()
