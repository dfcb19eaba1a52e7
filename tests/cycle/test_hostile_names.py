"""Names from outside never reach an output raw: terminal, CSV, JUnit XML, Markdown, HTML,
JSON and the alert mail all show control and bidirectional characters as visible escapes."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from openpyxl import Workbook

from spcheck.outward import one_line, visible
from spcheck.report.registry import formats, renderer
from tests.cycle.conftest import IAIN, World, local

HOSTILE = (
    "GM-0001 \x1b[2J\x1b]0;owned\x07.txt",  # clears the screen, retitles the terminal
    "GM-0002 bell\x07 tab\tand\x7fdel.txt",
    "GM-0003 \u202etxt.exe",  # reads as GM-0003 exe.txt
    "=cmd \x1b[31m.csv",  # a formula and a colour
)
RAW = ("\x1b", "\x07", "\x7f", "\u202e", "\x00")
MAIL = {
    "alert_to": "sso.testperson@careinspectorate.example",
    "alert_from": "spcheck@careinspectorate.example",
}


def workbook(sheet: str) -> bytes:
    book = Workbook()
    book.active.title = sheet  # type: ignore[union-attr]
    book.active["B7"] = "CHI 0101011237"  # type: ignore[index]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def hostile(world: World) -> World:
    at = local("2026-09-29T09:00")
    for name in HOSTILE:
        world.upload("records", name, b"synthetic case notes\n", IAIN, at)
    world.upload("pir", "PIR.xlsx", workbook("Cases\u202ecod"), IAIN, at)
    return world


def test_every_report_format_and_the_mail_show_outside_names_safely(hostile: World) -> None:
    outcome = hostile.cycle(local("2026-09-29T10:00"), alerts=True, **MAIL)
    texts = {name: renderer(name).render(outcome.report) for name in formats()}
    texts["mail"] = str(hostile.state.sent_mail[0])
    for name, text in texts.items():
        for raw in RAW:
            assert raw not in text, (name, raw)
    # Shown, as escapes: the table wraps long paths, so look for the escape itself there.
    assert "\\x1b[2J" in texts["table"]
    assert "\\u202etxt.exe" in texts["table"]
    shown = json.loads(texts["json"])["inspections"][0]
    paths = {f["path"] for f in shown["findings"]}
    assert f"03 Records sample/{visible(HOSTILE[0])}" in paths
    locations = {f.get("location") for f in shown["findings"]}
    assert "sheet 'Cases\\u202ecod' B7" in locations
    for row in csv.DictReader(io.StringIO(texts["csv"])):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())
    ET.fromstring(texts["junit"])  # still well-formed XML


def test_error_lines_are_one_line_with_no_raw_control_character() -> None:
    line = one_line("inspections/x\x1b[2J.yaml: line 3:\n  not valid\u202e")
    assert "\n" not in line
    assert "\x1b" not in line
    assert "\u202e" not in line
    assert line == "inspections/x\\x1b[2J.yaml: line 3: not valid\\u202e"
