"""Permission rules against the nominated contacts, the folder access and the window."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from spcheck.domain.findings import mask
from spcheck.domain.inspection import Contact, ContactRole
from spcheck.domain.snapshot import Access, Principal
from spcheck.rules import InspectionResult
from tests.rules.builders import (
    ACCESS_FROM,
    ACCESS_UNTIL,
    COORDINATOR,
    DOCS_UPLOADER,
    ONE_SECOND,
    PIR,
    RECORDS_UPLOADER,
    RESERVES,
    SAMPLE,
    SSO,
    SURVEY,
    clean_access,
    clean_snapshot,
    grant,
    link,
    loaded,
    only,
    rules_of,
    run,
    with_inspection,
)


def with_access(*extra: Access, drop: str | None = None) -> list[Access]:
    kept = [a for a in clean_access() if drop is None or a.email != drop]
    return [*kept, *extra]


def test_permissions_not_read_is_one_unverifiable_finding() -> None:
    [gap] = run(clean_snapshot(access=None)).findings
    assert gap.rule == "check.unverifiable"
    assert "permissions were not read" in gap.message


@pytest.mark.parametrize(
    ("scope", "rule"),
    [
        ("anonymous", "permission.anonymous_link"),
        ("organization", "permission.organization_link"),
    ],
)
def test_refused_links(scope: str, rule: str) -> None:
    result = run(clean_snapshot(access=with_access(link(SAMPLE, scope))))
    [found] = result.findings
    assert (found.rule, found.path) == (rule, SAMPLE)
    assert (found.location or "").startswith("permission ")


def test_links_that_grant_nothing_new_or_name_a_contact() -> None:
    named = Access(
        SAMPLE, "l-2", ("write",), Principal.LINK, email=RECORDS_UPLOADER, link_scope="users"
    )
    existing = Access(SAMPLE, "l-3", ("read",), Principal.LINK, link_scope="existingAccess")
    assert run(clean_snapshot(access=with_access(named, existing))).findings == ()
    unread = Access(SAMPLE, "l-4", ("read",), Principal.LINK, link_scope="users")
    assert rules_of(run(clean_snapshot(access=with_access(unread)))) == ["check.unverifiable"]


def test_external_domain_is_masked() -> None:
    outsider = "fergus.outsider@elsewhere-mail.example"
    result = run(clean_snapshot(access=with_access(grant(SAMPLE, outsider, "read"))))
    [found] = result.findings
    assert found.rule == "permission.external_domain"
    assert found.masked == "fe***********er@elsewhere-mail.example"
    assert outsider not in repr(result)


def test_not_nominated_person_and_group() -> None:
    colleague = "shona.unlisted@glenmorven-council.example"
    group = grant("", "all-staff@glenmorven-council.example", "read", principal=Principal.GROUP)
    result = run(clean_snapshot(access=with_access(grant(PIR, colleague), group)))
    found = only(result, "permission.not_nominated")
    assert len(found) == 2
    assert any("group" in f.message for f in found)
    assert colleague not in repr(result)


def test_staff_application_and_inherited_entries_are_not_judged() -> None:
    staff_group = grant(
        "", "inspectors@careinspectorate.example", "write", principal=Principal.SITE_GROUP
    )
    inherited_stranger = grant(
        SAMPLE, "shona.unlisted@glenmorven-council.example", "write", inherited=True
    )
    app = grant(SAMPLE, None, "write", principal=Principal.APPLICATION)
    snap = clean_snapshot(access=with_access(staff_group, inherited_stranger, app))
    assert run(snap).findings == ()


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        (grant(SAMPLE, RECORDS_UPLOADER, "owner", pid="o"), "owner"),
        (grant(PIR, RECORDS_UPLOADER, "write", pid="w"), "outside the contact's folders"),
        (grant(PIR, RECORDS_UPLOADER, "read", pid="r"), "read outside the contact's folders"),
        (grant(SURVEY, DOCS_UPLOADER, "write", pid="s"), "write on a read-only folder"),
        (grant(SSO, COORDINATOR, "read", pid="c"), "a folder closed to the partnership"),
        (grant(SSO, COORDINATOR, "write", inherited=True, pid="i"), "inherited into SSO only"),
        (
            grant(SURVEY, COORDINATOR, "write", inherited=True, pid="j"),
            "inherited write, read-only",
        ),
    ],
)
def test_excess_role(entry: Access, why: str) -> None:
    result = run(clean_snapshot(access=with_access(entry)))
    [found] = result.findings
    assert found.rule == "permission.excess_role", why
    assert found.location == f"permission {mask(entry.permission_id)}"


def test_permission_ids_are_masked_because_they_encode_the_sign_in_name() -> None:
    # SharePoint's ids are base64 of the grantee's claim, e.g. i:0#.f|membership|user@domain.
    pid = "aTowIy5mfG1lbWJlcnNoaXB8ZmVyZ3VzLm1hZGV1cEBvdXRzaWRlci5leGFtcGxl"
    entry = grant(SSO, COORDINATOR, "owner", pid=pid)
    result = run(clean_snapshot(access=with_access(entry)))
    assert result.findings
    for finding in result.findings:
        assert pid not in str(finding)
        assert finding.location == "permission " + pid[:2] + "*" * (len(pid) - 4) + pid[-2:]


def test_viewer_beyond_read_is_excess() -> None:
    viewer = Contact(
        name="Viewer Testperson",
        email="viewer.testperson@glenmorven-council.example",
        role=ContactRole.VIEWER,
        folders=["records"],
    )
    definition = with_inspection(contacts=[*loaded().inspection.contacts, viewer])
    fine = with_access(grant(SAMPLE, viewer.email, "read"))
    assert run(clean_snapshot(access=fine), inspection=definition).findings == ()
    too_much = with_access(grant(SAMPLE, viewer.email, "write"))
    result = run(clean_snapshot(access=too_much), inspection=definition)
    assert rules_of(result) == ["permission.excess_role"]
    assert "where the policy allows read" in result.findings[0].message


def permission_rules(result: InspectionResult) -> list[str]:
    return [r for r in rules_of(result) if r.startswith("permission.")]


def test_outside_window_boundaries() -> None:
    snap = clean_snapshot()
    assert permission_rules(run(snap, as_of=ACCESS_UNTIL)) == []
    # Six partnership grants (not the staff, application or inherited entries).
    after = run(snap, as_of=ACCESS_UNTIL + ONE_SECOND)
    assert permission_rules(after) == ["permission.outside_window"] * 6
    assert permission_rules(run(snap, as_of=ACCESS_FROM)) == []
    before = run(snap, as_of=ACCESS_FROM - ONE_SECOND)
    assert permission_rules(before) == ["permission.outside_window"] * 6


def test_grant_expiring_after_the_window() -> None:
    late = grant(SAMPLE, RECORDS_UPLOADER, expires=ACCESS_UNTIL + dt.timedelta(days=30))
    kept = [a for a in clean_access() if not (a.email == RECORDS_UPLOADER and a.path == SAMPLE)]
    result = run(clean_snapshot(access=[*kept, late]))
    [found] = result.findings
    assert found.rule == "permission.outside_window"
    assert "expires after" in found.message
    on_time = grant(SAMPLE, RECORDS_UPLOADER, expires=ACCESS_UNTIL)
    assert run(clean_snapshot(access=[*kept, on_time])).findings == ()


def test_missing_access_inside_the_window() -> None:
    result = run(clean_snapshot(access=with_access(drop=RECORDS_UPLOADER)))
    [found] = result.findings
    assert found.rule == "permission.missing"
    assert f"write on {SAMPLE}; write on {RESERVES}" in found.message
    assert found.masked == "ia**********on@nhs-glenmorven.example"
    assert found.location == "contact ia**********on@nhs-glenmorven.example"
    assert RECORDS_UPLOADER not in repr(result)


def test_read_where_write_is_needed_is_missing_and_root_access_counts() -> None:
    reader = [a for a in clean_access() if a.email != COORDINATOR]
    reader.append(grant("", COORDINATOR, "read"))
    result = run(clean_snapshot(access=reader))
    [found] = result.findings
    assert found.rule == "permission.missing"
    assert f"write on {PIR}" in found.message
    assert f"{SURVEY}" not in found.message  # read on the inspection folder covers it


def test_unidentifiable_grants_are_unverifiable() -> None:
    nameless = grant(SAMPLE, None, "write")
    odd_role = grant(SAMPLE, RECORDS_UPLOADER, "sp.full control")
    unknown = grant(SAMPLE, None, "read", principal=Principal.UNKNOWN)
    result = run(clean_snapshot(access=with_access(nameless, odd_role, unknown)))
    assert rules_of(result) == ["check.unverifiable"] * 3


def test_a_restricted_contacts_root_grant_is_judged_where_it_reaches() -> None:
    root = grant("", DOCS_UPLOADER, "write")  # allowed: she writes to three folders
    reaches_records = grant(SAMPLE, DOCS_UPLOADER, "write", inherited=True)
    reaches_pir = grant(PIR, DOCS_UPLOADER, "write", inherited=True)
    result = run(clean_snapshot(access=with_access(root, reaches_records, reaches_pir)))
    [found] = result.findings
    assert (found.rule, found.path) == ("permission.excess_role", SAMPLE)
    assert "higher up" in found.message


def expiring(expires: dt.datetime) -> list[Access]:
    """The clean access, the partnership's grants expiring at ``expires`` as spcheck makes them."""
    return [
        dataclasses.replace(a, expires_at=expires)
        if a.email in (COORDINATOR, RECORDS_UPLOADER, DOCS_UPLOADER) and not a.inherited
        else a
        for a in clean_access()
    ]


def test_each_grant_is_judged_by_its_own_expiry() -> None:
    snap = clean_snapshot(access=expiring(ACCESS_UNTIL))
    # The window over, the grants expired with it: no access, nothing outside the window.
    assert permission_rules(run(snap, as_of=ACCESS_UNTIL + ONE_SECOND)) == []
    assert permission_rules(run(snap, as_of=ACCESS_UNTIL + dt.timedelta(days=3))) == []
    # One grant without an expiry is still access after the window.
    kept = [a for a in expiring(ACCESS_UNTIL) if not (a.email == DOCS_UPLOADER and a.path == PIR)]
    forever = grant(PIR, DOCS_UPLOADER)
    after = run(clean_snapshot(access=[*kept, forever]), as_of=ACCESS_UNTIL + ONE_SECOND)
    [found] = [f for f in after.findings if f.rule.startswith("permission.")]
    assert (found.rule, found.path) == ("permission.outside_window", PIR)


def test_an_expired_grant_inside_the_window_is_no_access() -> None:
    early = ACCESS_FROM + dt.timedelta(days=10)
    snap = clean_snapshot(access=expiring(early))
    assert permission_rules(run(snap, as_of=early - ONE_SECOND)) == []
    result = run(snap, as_of=early + ONE_SECOND)
    assert sorted(permission_rules(result)) == ["permission.missing"] * 3


def test_access_that_may_not_have_existed_is_not_checked_rather_than_judged() -> None:
    doubt = "it was not there on Mon 28 Sep 2026 and was first seen on Mon 19 Oct 2026"
    owner = dataclasses.replace(grant(SAMPLE, RECORDS_UPLOADER, "owner"), doubt=doubt)
    outsider = dataclasses.replace(grant(SAMPLE, "x.y@outsider.example"), doubt=doubt)
    harmless = dataclasses.replace(grant(PIR, DOCS_UPLOADER, pid="p-again"), doubt=doubt)
    result = run(clean_snapshot(access=with_access(owner, outsider, harmless)))
    assert permission_rules(result) == []
    gaps = only(result, "check.unverifiable")
    assert len(gaps) == 2  # the harmless grant would find nothing either way
    assert all(doubt in gap.message for gap in gaps)
    assert any(
        "if it did: a nominated uploader" in g.message and "owner" in g.message for g in gaps
    )
    assert any("outside the partnership's domains" in g.message for g in gaps)
    assert {g.masked for g in gaps} == {
        "ia**********on@nhs-glenmorven.example",
        "***@outsider.example",
    }


def test_access_that_rests_on_doubtful_grants_is_not_called_missing() -> None:
    doubt = "spcheck first read it on Mon 19 Oct 2026 and had not read this item's sharing before"
    uncertain = [
        dataclasses.replace(a, doubt=doubt) if a.email == RECORDS_UPLOADER else a
        for a in clean_access()
    ]
    result = run(clean_snapshot(access=uncertain))
    assert permission_rules(result) == []
    [gap] = only(result, "check.unverifiable")
    assert "had the access they need" in gap.message
    assert gap.masked == "ia**********on@nhs-glenmorven.example"
    # Two versions of one grant changed between two reads: one of them existed.
    versions = [
        dataclasses.replace(a, doubt=doubt, one_of="p@t", expires_at=expires)
        for a in clean_access()
        if a.email == RECORDS_UPLOADER and a.path == SAMPLE
        for expires in (ACCESS_UNTIL, None)
    ]
    kept = [a for a in clean_access() if not (a.email == RECORDS_UPLOADER and a.path == SAMPLE)]
    assert run(clean_snapshot(access=[*kept, *versions])).findings == ()
