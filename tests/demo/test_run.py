"""`spcheck demo` end to end, in process, into a temporary directory.

One run at a fixed date is shared by the assertions (module fixture); the last test runs
the demo again into the same directory with the default date (today).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import html
import io
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from spcheck.demo import parse_demo_date, run_demo
from spcheck.demo.documents import ADDRESS, CHILD, TEST_CHI
from spcheck.demo.schedule import LONDON, case_reference, demo_moment
from spcheck.demo.story import ISLA, KIRSTY, MORAG, SSO, STORY
from spcheck.domain.findings import mask
from spcheck.emulator import ids
from spcheck.emulator.seeds import SITE_HOSTNAME, SITE_PATH
from spcheck.errors import InputError
from spcheck.store.sqlite import SqliteStore

AS_OF = dt.date(2026, 11, 18)  # a Wednesday: A notified 26 Oct, B 21 Sep, C 27 Jul 2026
A, B, C = "kinloch-2026", "glenmorven-2026", "lochmerrin-2026"
REPORTS = ("report.html", "report.json", "report.md")
PEOPLE = [person.email for chapter in STORY for person in chapter.partnership.people]


@dataclass
class DemoRun:
    code: int
    out: Path
    terminal: str
    errors: str
    files: dict[str, str]

    @property
    def report(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.files["report.json"])
        return document

    def inspection(self, inspection_id: str) -> dict[str, Any]:
        found: dict[str, Any] = next(
            i for i in self.report["inspections"] if i["id"] == inspection_id
        )
        return found

    def outputs(self) -> dict[str, str]:
        return {"terminal": self.terminal, **self.files}


def run(out: Path, as_of: dt.date | None) -> DemoRun:
    terminal, errors = io.StringIO(), io.StringIO()
    code = run_demo(out, as_of, console=Console(file=terminal, width=120), err=errors)
    files = {name: (out / name).read_text("utf-8") for name in REPORTS if (out / name).is_file()}
    return DemoRun(code, out, terminal.getvalue(), errors.getvalue(), files)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return run(tmp_path_factory.mktemp("demo") / "spcheck-demo", AS_OF)


def findings(inspection: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in inspection["findings"] if f["rule"] == rule]


def states(inspection: dict[str, Any]) -> dict[str, str]:
    return {m["id"]: m["state"] for m in inspection["milestones"]}


def test_the_demo_runs_and_writes_three_reports_and_the_state(demo: DemoRun) -> None:
    assert demo.code == 0, demo.errors
    assert demo.errors == ""
    assert sorted(demo.files) == sorted(REPORTS)
    assert (demo.out / "state.db").is_file()
    for name in (*REPORTS, "state.db"):
        assert str(demo.out / name) in demo.terminal
    report = demo.report
    assert report["schema"] == "spcheck.report/v2"
    assert report["as_of"] == "2026-11-18T17:00:00+00:00"
    assert report["site"] == "emulator.sharepoint.example:/sites/inspections"
    assert sorted(i["id"] for i in report["inspections"]) == sorted([A, B, C])
    assert report["summary"]["inspections"] == 3


def test_the_demo_report_follows_the_v2_schema(demo: DemoRun) -> None:
    from tests.report.schemas import problems

    assert problems(demo.report, "v2") == []


def test_a_is_in_week_3_with_its_pir_met(demo: DemoRun) -> None:
    a = demo.inspection(A)
    assert a["week"] == 3
    assert a["status"] == "ok"
    # Only a reminder: the survey count is due on Friday of week 3.
    assert [(f["rule"], f["milestone"]) for f in a["findings"]] == [
        ("deadline.due_soon", "survey-distribution")
    ]
    pir = next(m for m in a["milestones"] if m["id"] == "pir")
    assert pir["state"] == "met"
    assert pir["met_at"] == "2026-11-16T11:00:00+00:00"
    assert pir["evidence"] == ["01 Pre-inspection return/PIR.xlsx"]
    assert states(a) == {
        "contacts": "met",
        "pir": "met",
        "survey-distribution": "due_soon",
        "pd1": "pending",
        "sample": "pending",  # chosen next week
        "survey-closed": "pending",
        "records": "pending",
        "training": "pending",
        "reader-training": "pending",
        "position-statement": "pending",
    }
    sample = next(m for m in a["milestones"] if m["id"] == "sample")
    assert sample["waiting_for"] == [
        "the sample list: none is loaded (`sample:` in the definition)"
    ]


def test_b_has_missing_and_unexpected_records(demo: DemoRun) -> None:
    b = demo.inspection(B)
    assert b["week"] == 8
    assert b["status"] == "error"
    records = b["records"]
    assert (records["sample_expected"], records["sample_uploaded"]) == (60, 54)
    assert (records["reserves_expected"], records["reserves_uploaded"]) == (15, 13)
    stray = case_reference("GM", 76)
    assert records["unexpected"] == [stray]
    assert len(records["missing"]) == 8
    assert states(b)["records"] == "overdue"
    missing = findings(b, "records.missing")
    assert len(missing) == 8
    assert {m["milestone"] for m in missing} == {"records"}
    assert sorted(r for m in missing for r in records["missing"] if r in m["message"]) == sorted(
        records["missing"]
    )
    (unexpected,) = findings(b, "records.unexpected")
    assert unexpected["severity"] == "error"
    assert unexpected["path"] == f"03 Records sample/{stray}.txt"
    assert unexpected["milestone"] == "records"


def test_b_has_one_missing_reserve_accepted_after_yesterdays_check(demo: DemoRun) -> None:
    b = demo.inspection(B)
    last_reserve = case_reference("GM", 75)
    accepted = [f for f in b["findings"] if f["accepted"] is not None]
    assert [(f["rule"], f["location"]) for f in accepted] == [
        ("records.missing", f"record {last_reserve}")
    ]
    (one,) = accepted
    assert one["accepted"]["by"] == "Ailsa Placeholder (SSO)"
    assert "week 9" in one["accepted"]["reason"]
    assert one["accepted"]["at"] == "2026-11-18T09:00:00+00:00"
    assert one["accepted"]["until"] == "2026-12-18T09:00:00+00:00"  # 30 days at most
    # Listed, not counted: 16 errors count, the accepted one is apart.
    # 17 open: with the training milestone, which waits for a redaction that passes.
    assert b["errors"] == {"new": 0, "open": 17, "accepted": 1}
    # Seen in yesterday's check and again today.
    assert {f["state"] for f in b["findings"]} == {"open"}
    assert {f["first_seen"] for f in b["findings"]} == {"2026-11-17T17:00:00+00:00"}
    assert b["trend"] == [18, 17]


def test_b_attested_three_steps_and_the_reader_training_is_overdue(demo: DemoRun) -> None:
    b = demo.inspection(B)
    milestones = {m["id"]: m for m in b["milestones"]}
    count = milestones["survey-distribution"]
    assert (count["state"], count["kind"]) == ("met", "attested")
    assert count["evidence"][0].startswith("212 staff the survey link was sent to;")
    assert milestones["pd1"]["evidence"][0].startswith("held online; attested by Ailsa")
    assert milestones["survey-closed"]["state"] == "met"
    assert milestones["reader-training"]["state"] == "overdue"
    overdue = {f["milestone"] for f in findings(b, "deadline.overdue")}
    assert overdue == {"reader-training", "training"}


def test_b_has_a_failed_redaction_and_an_anonymous_link(demo: DemoRun) -> None:
    b = demo.inspection(B)
    boxed = findings(b, "content.bad_redaction")
    training = "05 Training materials (redacted)/Assessment and plan (training copy).pdf"
    assert {f["path"] for f in boxed} == {training}
    assert {f["masked"] for f in boxed} == {mask(CHILD), mask(TEST_CHI), mask(ADDRESS)}
    assert {f["severity"] for f in boxed} == {"error"}
    assert {f["milestone"] for f in boxed} == {"training"}
    assert [
        (f["kind"], f["masked"])
        for f in findings(b, "content.personal_identifier")
        if f["kind"] == "chi"
    ] == [("chi", mask(TEST_CHI))]
    (link,) = findings(b, "permission.anonymous_link")
    assert link["path"] == "03 Records sample"
    assert link["severity"] == "error"
    # The plan is there and clean; the assessment is not, so the milestone is still open.
    assert states(b)["training"] == "overdue"
    assert states(b)["pir"] == "met"
    (milestone,) = [m for m in b["milestones"] if m["id"] == "training"]
    (waiting,) = milestone["waiting_for"]
    assert waiting.startswith(
        "the redacted assessment: a file in 05 Training materials (redacted) named like "
        "*assessment* that passes its checks: Assessment and plan (training copy).pdf has "
        "error findings (content.bad_redaction"
    )
    (overdue,) = [f for f in findings(b, "deadline.overdue") if f["milestone"] == "training"]
    assert waiting in overdue["message"]


def test_c_is_finished_and_only_the_access_given_by_hand_outlived_the_window(
    demo: DemoRun,
) -> None:
    c = demo.inspection(C)
    assert c["week"] == 16
    assert c["status"] == "error"
    assert set(states(c).values()) == {"met"}
    assert (c["records"]["sample_uploaded"], c["records"]["reserves_uploaded"]) == (60, 15)
    # spcheck's grants expired at the end of week 13: no access, no finding. The one
    # re-shared by hand in week 9 has no expiry: the coordinator can still write there.
    (outside,) = findings(c, "permission.outside_window")
    assert outside["path"] == "02 Position statement and evidence"
    assert outside["masked"] == f"{mask(KIRSTY.split('@')[0])}@{KIRSTY.split('@')[1]}"
    assert {f["rule"] for f in c["findings"]} == {"permission.outside_window"}
    assert {m["id"] for m in c["milestones"] if m["kind"] == "attested"} == {
        "survey-distribution",
        "pd1",
        "survey-closed",
        "reader-training",
    }


def test_uploads_were_made_by_the_contacts_themselves(demo: DemoRun) -> None:
    drive_id = ids.drive_id(ids.site_id(SITE_HOSTNAME, SITE_PATH))
    with SqliteStore(demo.out / "state.db") as store:
        items = {item.path: item for item in store.items(drive_id)}
    record = items[f"Inspections/{B}/03 Records sample/{case_reference('GM', 1)}.txt"]
    pir = items[f"Inspections/{B}/01 Pre-inspection return/PIR.xlsx"]
    assert (record.created_by or "").lower() == ISLA
    assert (pir.created_by or "").lower() == MORAG
    # Stamped in the story's weeks, not when the demo ran.
    assert pir.created_at == dt.datetime(2026, 10, 15, 14, 10, tzinfo=dt.UTC)


def test_the_audit_log_names_the_demos_sso_at_the_storys_times(demo: DemoRun) -> None:
    with SqliteStore(demo.out / "state.db") as store:
        entries = [e for e in store.entries(B) if e.action in ("create_folder", "grant")]
    assert entries
    assert {e.requested_by for e in entries} == {SSO}
    assert {e.actor for e in entries} == {"app:spcheck (none)"}
    # Provisioned on Monday of week 2 (week 0 is the week of 21 Sep 2026), the team on
    # Monday of week 7, when records reading began.
    assert {e.at.date() for e in entries} == {dt.date(2026, 10, 5), dt.date(2026, 11, 9)}


def test_b_has_a_scrutiny_partner_and_a_local_record_reader_and_no_team_finding(
    demo: DemoRun,
) -> None:
    with SqliteStore(demo.out / "state.db") as store:
        team = [e for e in store.entries(B) if e.at.date() == dt.date(2026, 11, 9)]
    assert sorted((e.action, e.email, (e.path or "").rpartition("/")[2]) for e in team) == [
        ("grant", "alex.scrutineer@scrutiny-body.example", "03 Records sample"),
        ("grant", "alex.scrutineer@scrutiny-body.example", "04 Records reserves"),
        ("grant", "ruth.readwell@glenmorven-council.example", "05 Training materials (redacted)"),
    ]
    assert all(p["roles"] == ["read"] for e in team for p in json.loads(e.after))
    b = demo.inspection(B)
    assert not [f for f in b["findings"] if f["rule"].startswith("team.")]
    # The records section names the partner's organisation from the team entry.
    [partner] = [r for r in b["records"]["readers"] if "scrutiny-body" in r["who"]]
    assert (partner["organisation"], partner["organisation_from"]) == (
        "Another Scrutiny Body",
        "definition",
    )
    assert (partner["role"], partner["until"]) == ("read", "2026-12-18T23:59:00+00:00")
    assert not findings(b, "permission.external_domain")
    assert "staff domain, reaches the folders through the site" in demo.terminal


def test_the_terminal_tells_the_story_in_order(demo: DemoRun) -> None:
    text = demo.terminal
    marks = [
        f"A {A}",
        f"$ spcheck provision {A}",
        "create_folder",
        f"$ spcheck provision {A} --apply: applied",
        f"$ spcheck provision {C} --apply: applied",
        f"{B}: 71 file(s) by 2 contact(s)",
        "anonymous view link",
        f"$ spcheck attest {C} survey-distribution --value 187",
        f"$ spcheck attest {B} survey-closed",
        "$ spcheck check --as-of 2026-11-17   (yesterday's check)",
        f"$ spcheck accept {B} records.missing",
        "accepted records.missing (record",
        "$ spcheck check --as-of 2026-11-18   (today's check)",
        "1 accepted",
        "summary",
        "accepted (listed, not counted): records.missing x1",
        "report.json",
    ]
    positions = [text.find(mark) for mark in marks]
    assert all(p >= 0 for p in positions), list(zip(marks, positions, strict=True))
    assert positions == sorted(positions)


class _Tags(HTMLParser):
    VOID = frozenset({"meta", "br", "img", "hr", "input", "link", "col", "area", "base", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []
        self.sections = 0
        self.runbooks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        self.sections += tag == "section" and "inspection" in classes
        if tag == "details" and "runbook" in classes:
            self.runbooks.append(dict(attrs).get("id") or "")
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_html_report_parses(demo: DemoRun) -> None:
    page = demo.files["report.html"]
    assert page.lstrip().lower().startswith("<!doctype html>")
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert parser.problems == []
    assert parser.open == []
    assert parser.sections == 3
    # The runbooks its findings cite travel with the page, since it is read away from the repo.
    assert {"runbook-content", "runbook-records", "runbook-permissions"} <= set(parser.runbooks)
    text = " ".join(parser.text)
    for inspection_id in (A, B, C):
        assert inspection_id in text
    for rule in ("content.bad_redaction", "records.unexpected", "permission.outside_window"):
        assert rule in text


def test_no_output_repeats_an_identifier_or_an_address(demo: DemoRun) -> None:
    for name, text in demo.outputs().items():
        plain = html.unescape(text)
        for secret in (TEST_CHI, CHILD, ADDRESS):
            assert secret not in plain, name
        for email in PEOPLE:
            local = email.split("@")[0]
            assert f"{local}@" not in plain, (name, email)
            assert email not in plain.lower(), (name, email)
        if name != "terminal":  # the masked value is shown (Markdown escapes its stars)
            assert mask(TEST_CHI) in plain.replace("\\", ""), name


def test_no_output_carries_an_address_in_base64(demo: DemoRun) -> None:
    for name, text in demo.outputs().items():
        for token in re.findall(r"[A-Za-z0-9+/_-]{24,}={0,2}", text):
            padded = token.replace("-", "+").replace("_", "/") + "=" * (-len(token) % 4)
            try:
                decoded = base64.b64decode(padded).decode("utf-8", "ignore").lower()
            except (binascii.Error, ValueError):
                continue
            assert not any(email in decoded for email in PEOPLE), (name, token)


def test_bad_out_and_as_of_exit_2_before_anything_runs(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    errors = io.StringIO()
    terminal = io.StringIO()
    code = run_demo(a_file, AS_OF, console=Console(file=terminal), err=errors)
    assert code == 2
    assert "--out" in errors.getvalue()
    assert terminal.getvalue() == ""
    errors = io.StringIO()
    assert (
        run_demo(tmp_path / "d", dt.date(1999, 12, 31), console=Console(file=terminal), err=errors)
        == 2
    )
    assert "--as-of" in errors.getvalue()
    assert not (tmp_path / "d").exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "state.db").write_bytes(b"SQLite format 3\x00" + bytes(84))
    errors = io.StringIO()
    assert run_demo(foreign, AS_OF, console=Console(file=terminal), err=errors) == 2
    assert "not spcheck's state file" in errors.getvalue()
    assert (foreign / "state.db").read_bytes().startswith(b"SQLite format 3")
    with pytest.raises(InputError, match="--as-of"):
        parse_demo_date("2026-13-01")
    assert parse_demo_date("2026-11-18") == AS_OF
    assert parse_demo_date(None) is None


_WITHOUT_TEST_EXTRAS = """
import importlib.abc, sys
from pathlib import Path

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("docx", "openpyxl", "reportlab"):
            raise ImportError(f"{name} is a test extra, absent after `pip install .`")
        return None

sys.meta_path.insert(0, Refuse())
from spcheck.demo import run_demo
from rich.console import Console
import io
sys.exit(run_demo(Path(sys.argv[1]), None, console=Console(file=io.StringIO())))
"""


def test_the_demo_needs_none_of_the_test_extras(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_TEST_EXTRAS, str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((tmp_path / "out" / "report.json").read_text())["summary"]["inspections"] == 3


def test_running_again_into_the_same_directory_starts_afresh(demo: DemoRun) -> None:
    """Last in this module: it replaces the fixture's files."""
    with SqliteStore(demo.out / "state.db") as store:
        first = len(store.entries())
    again = run(demo.out, None)  # today, in Europe/London
    assert again.code == 0, again.errors
    with SqliteStore(demo.out / "state.db") as store:
        assert len(store.entries()) == first  # one provisioning per inspection, not two
    report = again.report
    assert report["as_of"] == demo_moment(dt.datetime.now(LONDON).date()).isoformat()
    by_week = {i["week"]: i for i in report["inspections"]}
    assert sorted(by_week) == [3, 8, 16]
    assert states(by_week[3])["pir"] == "met"
    for rule in ("records.unexpected", "content.bad_redaction", "permission.anonymous_link"):
        assert findings(by_week[8], rule), rule
    assert by_week[8]["records"]["missing"]
    assert findings(by_week[16], "permission.outside_window")
