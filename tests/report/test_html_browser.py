"""The HTML report in headless Chromium, as the SSO opens it: from a file, with no network.
It loads with no console error (a blocked script, style or resource would log one under the
page's Content-Security-Policy), every in-page link leads to something on the page, and a
screenshot of the programme overview is written to the test's temp folder.

Chromium and its driver come from Debian (`chromium`, `chromium-driver`); .ci/run installs
them, so CI always runs this test. Locally it skips with one line when they are absent.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spcheck.domain.findings import Severity
from spcheck.report import renderer
from tests.report.builders import finding, followed_result, sample_report, sample_result

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
IN_CI = os.environ.get("CI", "").strip().lower() == "true"
# The machine's network is closed: nothing may reach for it.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1600",
)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    if CHROMIUM is None or DRIVER is None:
        reason = "headless Chromium is not installed (apt-get install chromium chromium-driver)"
        if IN_CI:
            pytest.fail(f"the browser test must run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tmp_path / "profile"
    profile.mkdir()
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_the_report_opens_offline_without_errors_and_every_link_has_a_target(
    browser: Any, tmp_path: Path
) -> None:
    other = dataclasses.replace(
        sample_result(), id="kinloch-2026", partnership="Kinloch and Strath"
    )
    page = tmp_path / "report.html"
    page.write_text(renderer("html").render(sample_report(followed_result(), other)), "utf-8")
    browser.get(page.as_uri())

    assert browser.title == "spcheck report: glenmorven.example:/sites/inspections"
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    assert browser.execute_script("return document.scripts.length") == 0

    links = browser.execute_script(
        "return Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href'))"
    )
    assert links, "the page has links"
    assert all(href.startswith("#") for href in links), links
    missing = browser.execute_script(
        "return Array.from(document.querySelectorAll('a[href^=\"#\"]'))"
        ".map(a => a.getAttribute('href').slice(1))"
        ".filter(id => document.getElementById(id) === null)"
    )
    assert missing == []
    # The overview comes first and links each inspection's section.
    rows = browser.execute_script(
        "return Array.from(document.querySelectorAll('table.overview a'), a => a.hash)"
    )
    assert rows == ["#inspection-1", "#inspection-2"]
    trend = browser.execute_script(
        "const line = document.querySelector('table.overview polyline');"
        "return line ? line.getAttribute('points').split(' ').length : 0"
    )
    assert trend == 5
    # The overview, as the page opens.
    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000
    # A row of the overview leads to its inspection's section.
    browser.find_element("css selector", "table.overview a[href='#inspection-2']").click()
    assert browser.execute_script("return location.hash") == "#inspection-2"


def test_the_report_fits_a_laptop_screen_without_scrolling_sideways(
    browser: Any, tmp_path: Path
) -> None:
    # A masked permission id is one long run of asterisks, and paths are long: neither may
    # push the page wider than the window.
    base = followed_result()
    shared = finding(
        "permission.outside_window",
        Severity.ERROR,
        "partnership access outside the access window",
        "02 Position statement and evidence/Position statement with supporting evidence "
        "(final draft, version 3, agreed at the partnership board).docx",
        "position-statement",
        location="permission aT" + "*" * 70 + "Qx",
    )
    report = sample_report(dataclasses.replace(base, findings=(*base.findings, shared)))
    page = tmp_path / "report.html"
    page.write_text(renderer("html").render(report), "utf-8")
    for width in (1280, 1024):
        browser.set_window_size(width, 900)
        browser.get(page.as_uri())
        scroll, client = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client, f"{scroll} > {client} at {width} px"
