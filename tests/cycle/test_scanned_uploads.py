"""Scanned uploads in a check cycle: read in one pool whatever their folders, counted in
pages, reported on the page they are on, and kept with the verdict."""

from __future__ import annotations

from spcheck.service import _ScanPages
from tests.content import scans
from tests.content.builders import CHI_DOC_TEST
from tests.cycle.conftest import EILIDH, World, inspection_of, local

FORM = ["Referral to children's services", f"CHI number: {CHI_DOC_TEST}"]


def test_scans_in_two_folders_are_read_and_kept(world: World) -> None:
    strip = scans.typed(FORM, scans.Ageing(dpi=150))
    world.upload("training", "Plan scan.png", scans.png(strip), EILIDH, local("2026-11-04T09:30"))
    world.upload("pir", "PIR annex.pdf", scans.pdf([strip]), EILIDH, local("2026-11-04T09:40"))
    world.upload("records", "GM-2999.png", scans.png(strip), EILIDH, local("2026-11-04T09:50"))
    first = world.cycle(local("2026-11-05T12:00"))
    found = {
        (f["path"], f["location"].split(" box ")[0], f["masked"])
        for f in inspection_of(first)["findings"]
        if f["rule"] == "content.personal_identifier" and f["kind"] == "chi"
    }
    assert found == {
        ("05 Training materials (redacted)/Plan scan.png", "page 1 picture line 2", "01******37"),
        ("01 Pre-inspection return/PIR annex.pdf", "page 1 picture line 2", "01******37"),
    }
    assert CHI_DOC_TEST not in str(inspection_of(first))
    second = world.cycle(local("2026-11-05T12:30"))
    assert second.stats.downloads == 0  # the verdicts, OCR included, were kept
    assert second.stats.cached_scans == 3


class _Tracker:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def stage(self, name: str, total: int) -> None:
        self.calls.append((name, total))

    def advance(self, count: int = 1) -> None:
        self.calls.append(("advance", count))


def test_the_scan_stage_grows_into_pages_as_files_are_opened() -> None:
    tracker = _Tracker()
    pages = _ScanPages(tracker, 2)
    pages.advance(0, 4)  # the first file holds two scanned pages
    pages.advance(2, 4)
    pages.advance(4, 4)
    assert tracker.calls == [("pages", 4), ("advance", 0), ("advance", 2), ("advance", 2)]
