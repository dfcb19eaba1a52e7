"""Check cycles against the emulator, driven by partnership uploads at chosen dates.

Each scenario provisions the Glenmorven example in week 2 (see conftest), plants
what the partnership uploads and when, runs a cycle at a chosen date and asserts
the JSON report (spcheck.report/v2) field by field.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime

from spcheck.demo.documents import Document, build
from spcheck.emulator.seeds import OUTSIDER_EMAIL
from tests.conftest import EXAMPLES
from tests.content.builders import docx_clean, pdf_black_boxes, xlsx_clean
from tests.cycle.conftest import (
    EILIDH,
    IAIN,
    INSPECTION,
    MORAG,
    World,
    inspection_of,
    local,
    report_json,
    rules_of,
)

with (EXAMPLES / f"{INSPECTION}.sample.csv").open() as handle:
    ROWS = list(csv.DictReader(handle))
SAMPLE = [r["record_id"] for r in ROWS if r["kind"] == "sample"]
RESERVES = [r["record_id"] for r in ROWS if r["kind"] == "reserve"]

PIR = xlsx_clean([["Case reference", "Outcome"], ["GM-2999", "open"], ["GM-9233", "closed"]])
TRAINING = docx_clean(
    [
        "Assessment and plan. Child's name: [REDACTED]. Address: [REDACTED].",
        "The plan sets out the support agreed at the review.",
    ]
)
# Text removed before the boxes were drawn, and no document properties.
TRAINING_PDF = build(Document.ASSESSMENT_REDACTED, "Glenmorven", [])
STATEMENT = docx_clean(["Our position on the four inspection statements. " * 40])


def record(record_id: str) -> bytes:
    return f"Case file {record_id}: chronology, assessment and plan.\n".encode()


def upload_records(world: World, ids: list[str], folder: str, at: datetime) -> None:
    for record_id in ids:
        world.upload(folder, f"{record_id}.txt", record(record_id), IAIN, at)


def everything_on_time(world: World) -> None:
    world.upload("pir", "PIR.xlsx", PIR, EILIDH, local("2026-09-30T11:00"))
    upload_records(world, SAMPLE, "records", local("2026-10-28T10:00"))
    upload_records(world, RESERVES, "records-reserves", local("2026-10-28T15:00"))
    world.upload(
        "training", "Assessment and plan.docx", TRAINING, EILIDH, local("2026-11-04T09:30")
    )
    world.upload(
        "position-statement", "Position statement.docx", STATEMENT, MORAG, local("2026-11-18T16:00")
    )
    world.attest_on_time()


def test_a_partnership_on_time_with_everything(world: World) -> None:
    everything_on_time(world)
    outcome = world.cycle(local("2026-11-23T17:00"))
    report = report_json(outcome)
    assert report["schema"] == "spcheck.report/v2"
    assert report["summary"] == {
        "errors": 0,
        "warnings": 0,
        "accepted": 0,
        "new": 0,
        "resolved": 0,
        "inspections": 1,
    }
    inspection = inspection_of(outcome)
    assert inspection["id"] == INSPECTION
    assert inspection["status"] == "ok"
    assert inspection["week"] == 10  # the October week is paused
    states = {m["id"]: m["state"] for m in inspection["milestones"]}
    assert states == {
        "contacts": "met",
        "pir": "met",
        "survey-distribution": "met",
        "pd1": "met",
        "sample": "met",
        "survey-closed": "met",
        "records": "met",
        "training": "met",
        "reader-training": "met",
        "position-statement": "met",
    }
    count = next(m for m in inspection["milestones"] if m["id"] == "survey-distribution")
    assert count["kind"] == "attested"
    assert count["met_at"] == "2026-10-01T11:00:00+01:00"
    assert count["evidence"] == [
        "143 staff the survey link was sent to; attested by Ailsa Placeholder (SSO) "
        "for Thu 01 Oct 2026"
    ]
    pir = next(m for m in inspection["milestones"] if m["id"] == "pir")
    assert pir["due"] == "2026-10-02T23:59:00+01:00"
    assert pir["evidence"] == ["01 Pre-inspection return/PIR.xlsx"]
    assert pir["met_at"].startswith("2026-09-30T")
    assert inspection["records"] == {
        "sample_expected": 60,
        "sample_uploaded": 60,
        "reserves_expected": 15,
        "reserves_uploaded": 15,
        "missing": [],
        "unexpected": [],
        "duplicates": [],
        # Who can read them: the two contacts given the records folders, until the end of
        # the access window, and the site's own groups, with no end.
        "readers": [
            {
                "who": who,
                "kind": "person",
                "organisation": "Glenmorven Community Planning Partnership",
                "organisation_from": "definition",
                "role": "write",
                "folders": ["records", "records-reserves"],
                "until": "2026-12-18T23:59:00+00:00",
                "no_end": False,
            }
            for who in (
                "ia**********on@nhs-glenmorven.example",
                "mo************on@glenmorven-council.example",
            )
        ]
        + [
            {
                "who": f"Inspections {group}",
                "kind": "site_group",
                "organisation": None,
                "organisation_from": None,
                "role": role,
                "folders": ["records", "records-reserves"],
                "until": None,
                "no_end": True,
            }
            for group, role in (("Members", "write"), ("Owners", "owner"))
        ],
    }
    assert inspection["findings"] == []


def test_late_pir_incomplete_records_an_unexpected_and_a_misfiled_record(world: World) -> None:
    world.upload("pir", "PIR.xlsx", PIR, EILIDH, local("2026-10-06T10:00"))  # Tuesday of week 4
    world.attest_on_time()
    missing = SAMPLE[:2]
    misfiled = SAMPLE[2]
    upload_records(world, SAMPLE[3:], "records", local("2026-11-02T10:00"))
    upload_records(world, [misfiled], "records-reserves", local("2026-11-02T11:00"))
    upload_records(world, RESERVES, "records-reserves", local("2026-11-02T12:00"))
    upload_records(world, ["GM-0001"], "records", local("2026-11-03T09:00"))  # not in the sample
    outcome = world.cycle(local("2026-11-09T17:00"))  # after the records deadline
    inspection = inspection_of(outcome)
    assert inspection["status"] == "error"
    states = {m["id"]: m["state"] for m in inspection["milestones"]}
    assert states["pir"] == "met_late"
    assert states["records"] == "overdue"
    records = inspection["records"]
    assert records["sample_expected"] == 60
    assert records["sample_uploaded"] == 58
    assert records["reserves_uploaded"] == 15
    assert sorted(records["missing"]) == sorted(missing)
    assert records["unexpected"] == ["GM-0001"]
    found = rules_of(inspection)
    assert found == [
        ("deadline.overdue", None),  # the training material never came
        ("records.missing", None),  # one each, named by location
        ("records.missing", None),
        ("records.unexpected", "03 Records sample/GM-0001.txt"),
        ("deadline.met_late", None),
        ("records.misfiled", f"04 Records reserves/{misfiled}.txt"),
    ]
    messages = [f["message"] for f in inspection["findings"] if f["rule"] == "records.missing"]
    assert messages == [f"sample record {record_id} has not been uploaded" for record_id in missing]
    late = next(f for f in inspection["findings"] if f["rule"] == "deadline.met_late")
    assert late["milestone"] == "pir"
    assert late["severity"] == "warning"
    assert "met Tue 06 Oct 2026 10:00 BST" in late["message"]
    unexpected = next(f for f in inspection["findings"] if f["rule"] == "records.unexpected")
    assert unexpected["severity"] == "error"
    assert unexpected["milestone"] == "records"


def test_training_document_with_a_failed_pdf_redaction(world: World) -> None:
    world.upload(
        "training",
        "Assessment (redacted).pdf",
        pdf_black_boxes(),
        EILIDH,
        local("2026-11-04T09:30"),
    )
    outcome = world.cycle(local("2026-11-05T12:00"))
    inspection = inspection_of(outcome)
    path = "05 Training materials (redacted)/Assessment (redacted).pdf"
    bad = [f for f in inspection["findings"] if f["rule"] == "content.bad_redaction"]
    assert bad, inspection["findings"]
    assert all(f["path"] == path and f["severity"] == "error" for f in bad)
    assert all(f["location"] for f in bad)
    identifiers = [f for f in inspection["findings"] if f["rule"] == "content.personal_identifier"]
    assert identifiers
    assert all("*" in f["masked"] for f in identifiers)
    # A file with error findings does not meet the milestone, and the plan is not there.
    training = next(m for m in inspection["milestones"] if m["id"] == "training")
    assert training["state"] == "due_soon"
    assert training["evidence"] == []
    assessment, plan = training["waiting_for"]
    assert assessment.startswith(
        "the redacted assessment: a file in 05 Training materials (redacted) named like "
        "*assessment* that passes its checks: Assessment (redacted).pdf has error findings ("
    )
    assert "content.bad_redaction" in assessment
    assert "content.personal_identifier" in assessment
    assert plan == "the plan: a file in 05 Training materials (redacted) named like *plan*"
    assert inspection["status"] == "error"

    # After the deadline the report says why it is still open.
    world.upload("training", "Plan.docx", TRAINING, EILIDH, local("2026-11-05T15:00"))
    late = inspection_of(world.cycle(local("2026-11-09T12:00")))
    training = next(m for m in late["milestones"] if m["id"] == "training")
    assert training["state"] == "overdue"
    [overdue] = [
        f
        for f in late["findings"]
        if f["rule"] == "deadline.overdue" and f["milestone"] == "training"
    ]
    assert "waiting for the redacted assessment: " in overdue["message"]
    assert (
        "Assessment (redacted).pdf has error findings (content.bad_redaction"
        in (overdue["message"])
    )
    assert "the plan" not in overdue["message"]

    # A properly redacted copy replaces it: met, late, from when the clean copy arrived.
    world.upload(
        "training", "Assessment (redacted).pdf", TRAINING_PDF, EILIDH, local("2026-11-10T10:00")
    )
    fixed = inspection_of(world.cycle(local("2026-11-10T17:00")))
    training = next(m for m in fixed["milestones"] if m["id"] == "training")
    assert training["state"] == "met_late"
    assert training["met_at"] == "2026-11-10T10:00:00+00:00"
    assert training["evidence"] == [path, "05 Training materials (redacted)/Plan.docx"]
    assert training["waiting_for"] == []


def test_an_anonymous_link_planted_on_the_records_folder(world: World) -> None:
    first = world.cycle(local("2026-10-05T12:00"))
    assert not [f for f in inspection_of(first)["findings"] if f["rule"].startswith("permission.")]
    folder = world.state.item_by_path(world.drive_id, world.folder_path("records"))
    assert folder is not None
    world.state.create_link(world.drive_id, folder.id, "view", "anonymous")
    second = world.cycle(local("2026-10-05T13:00"))
    inspection = inspection_of(second)
    links = [f for f in inspection["findings"] if f["rule"] == "permission.anonymous_link"]
    assert [f["path"] for f in links] == ["03 Records sample"]
    assert links[0]["severity"] == "error"
    # Found through delta's sharing change, not a new sweep of every folder.
    assert second.stats.swept == ()
    assert second.stats.permission_reads < 9


def test_a_contact_from_an_outside_domain(world: World) -> None:
    folder = world.state.item_by_path(world.drive_id, world.folder_path("pir"))
    assert folder is not None
    world.state.grant(world.drive_id, folder.id, OUTSIDER_EMAIL, ["write"])
    outcome = world.cycle(local("2026-10-05T12:00"))
    inspection = inspection_of(outcome)
    external = [f for f in inspection["findings"] if f["rule"] == "permission.external_domain"]
    assert len(external) == 1
    assert external[0]["path"] == "01 Pre-inspection return"
    assert "rory.outsider" not in str(inspection)  # the address is masked


def test_an_incremental_cycle_with_no_changes_downloads_and_rescans_nothing(world: World) -> None:
    everything_on_time(world)
    first = world.cycle(local("2026-11-23T17:00"))
    assert first.stats.downloads == 60 + 15 + 3
    second = world.cycle(local("2026-11-23T17:30"))
    assert second.stats.downloads == 0
    assert second.stats.scans == 0
    assert second.stats.cached_scans == first.stats.downloads
    assert second.stats.permission_reads == 0
    assert second.sync.touched == ()
    assert second.gateway.resource_units <= 3  # the site, its drive, one delta page
    before, after = inspection_of(first), inspection_of(second)
    assert (before.pop("trend"), after.pop("trend")) == ([0], [0, 0])
    assert after == before


def test_a_changed_file_is_scanned_again(world: World) -> None:
    world.upload("training", "Plan.docx", TRAINING, EILIDH, local("2026-11-04T09:30"))
    path = "05 Training materials (redacted)/Plan.docx"

    def about_the_plan(outcome: object) -> list[tuple[str, str | None]]:
        return [
            (f["rule"], f.get("kind"))
            for f in inspection_of(outcome)["findings"]  # type: ignore[arg-type]
            if f["path"] == path
        ]

    first = world.cycle(local("2026-11-05T12:00"))
    assert about_the_plan(first) == []
    world.upload(
        "training",
        "Plan.docx",
        docx_clean(["Child's name: Fergus Madeup"]),
        EILIDH,
        local("2026-11-05T13:00"),
    )
    second = world.cycle(local("2026-11-05T14:00"))
    assert second.stats.downloads == 1
    assert about_the_plan(second) == [("content.personal_identifier", "labelled_field")]
    assert "Fergus" not in str(inspection_of(second))


def test_the_same_report_under_faults(
    world: World, tmp_path_factory: Callable[..., object]
) -> None:
    everything_on_time(world)
    world.upload(
        "training",
        "Assessment (redacted).pdf",
        pdf_black_boxes(),
        EILIDH,
        local("2026-11-04T09:30"),
    )
    upload_records(world, ["GM-0001"], "records", local("2026-11-03T09:00"))
    clean = world.cycle(local("2026-11-23T17:00"))
    # A second world with the same uploads, read through a throttled, failing Graph.
    world.faults = "429:0.3,503:0.1"
    world.fault_seed = 7
    (world.tmp / "state.db").unlink()
    for suffix in ("-wal", "-shm"):
        (world.tmp / f"state.db{suffix}").unlink(missing_ok=True)
    world.attest_on_time()  # what the SSO recorded lives in the state too
    faulty = world.cycle(local("2026-11-23T17:00"))
    assert faulty.gateway.retries > 0
    assert report_json(faulty)["inspections"] == report_json(clean)["inspections"]


def test_replaying_an_earlier_date_leaves_out_later_uploads(world: World) -> None:
    everything_on_time(world)
    outcome = world.cycle(local("2026-10-01T17:00"))  # before the records arrived
    inspection = inspection_of(outcome)
    assert inspection["records"]["sample_uploaded"] == 0
    states = {m["id"]: m["state"] for m in inspection["milestones"]}
    assert states["pir"] == "met"
    assert states["position-statement"] == "pending"


def test_alerts_are_sent_once_and_a_cleared_finding_is_reported_resolved(world: World) -> None:
    mail = {
        "alert_to": "sso.testperson@careinspectorate.example",
        "alert_from": "spcheck@careinspectorate.example",
    }
    upload_records(world, ["GM-0001"], "records", local("2026-09-28T09:00"))
    world.cycle(local("2026-09-29T10:00"), alerts=True, **mail)
    assert len(world.state.sent_mail) == 1
    first = str(world.state.sent_mail[0])
    assert "NEW records.unexpected [03 Records sample/GM-0001.txt]" in first
    world.cycle(local("2026-09-29T11:00"), alerts=True, **mail)
    assert len(world.state.sent_mail) == 1  # nothing new: no second mail
    item = world.state.item_by_path(world.drive_id, world.folder_path("records") + "/GM-0001.txt")
    assert item is not None
    world.state.delete_item(world.drive_id, item.id)
    world.cycle(local("2026-09-29T12:00"), alerts=True, **mail)
    assert len(world.state.sent_mail) == 2
    assert "RESOLVED records.unexpected 03 Records sample/GM-0001.txt" in str(
        world.state.sent_mail[1]
    )


def test_no_alert_without_the_alert_settings(world: World) -> None:
    upload_records(world, ["GM-0001"], "records", local("2026-09-28T09:00"))
    outcome = world.cycle(local("2026-09-29T10:00"), alerts=True)
    assert outcome.alert_sent is False
    assert world.state.sent_mail == []


def test_a_sample_list_with_a_wrong_count_is_reported_not_refused(world: World) -> None:
    everything_on_time(world)
    path = world.inspections / f"{INSPECTION}.sample.csv"
    lines = path.read_text().splitlines()
    first_sample = next(i for i, line in enumerate(lines) if ",sample," in line)
    path.write_text("\n".join(lines[:first_sample] + lines[first_sample + 1 :]) + "\n")
    inspection = inspection_of(world.cycle(local("2026-11-23T17:00")))
    counts = [f for f in inspection["findings"] if f["rule"] == "sample.counts"]
    assert [(f["location"], f["severity"]) for f in counts] == [("sample", "error")]
    assert "59 sample records where the policy expects 60" in counts[0]["message"]
    states = {m["id"]: m["state"] for m in inspection["milestones"]}
    assert (states["sample"], states["records"]) == ("overdue", "overdue")
    # The record left off the list is now outside it: reported as such, not passed.
    assert any(f["rule"] == "records.unexpected" for f in inspection["findings"])
    assert inspection["status"] == "error"
