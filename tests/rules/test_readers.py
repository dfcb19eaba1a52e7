"""Who can read the records now: the records section's readers, from the permissions read."""

from __future__ import annotations

import dataclasses

from spcheck.domain.snapshot import Principal
from spcheck.rules import RecordReader
from tests.rules.builders import (
    ACCESS_UNTIL,
    CLEAN_AS_OF,
    COORDINATOR,
    ONE_SECOND,
    PIR,
    RECORDS_UPLOADER,
    RESERVES,
    SAMPLE,
    clean_snapshot,
    grant,
    link,
    loaded,
    run,
)

PARTNERSHIP = loaded().inspection.partnership
STAFF = "sso.officer@careinspectorate.example"
PARTNER = "ailsa.partner@scrutiny-body.example"


def readers(*access: object) -> tuple[RecordReader, ...]:
    result = run(clean_snapshot(access=list(access)))
    assert result.records.readers is not None
    return result.records.readers


def by_who(found: tuple[RecordReader, ...]) -> dict[str, RecordReader]:
    return {r.who: r for r in found}


def test_people_groups_and_links_on_the_records_folders_with_organisation_and_end() -> None:
    found = by_who(
        readers(
            grant(SAMPLE, RECORDS_UPLOADER, "write", expires=ACCESS_UNTIL),
            grant(RESERVES, RECORDS_UPLOADER, "write", expires=ACCESS_UNTIL),
            grant(SAMPLE, COORDINATOR, "write", inherited=True, expires=ACCESS_UNTIL),
            grant(SAMPLE, STAFF, "owner", inherited=True),
            grant(f"{RESERVES}/GM-1234.pdf", PARTNER, "read"),  # one record shared on its own
            grant(SAMPLE, None, "read", principal=Principal.SITE_GROUP, inherited=True),
            link(RESERVES, "organization"),
            grant(SAMPLE, None, "owner", principal=Principal.APPLICATION),  # the app itself
            grant(PIR, "eilidh.placeholder@glenmorven-council.example", "write"),  # not records
        )
    )
    assert set(found) == {
        "ia**********on@nhs-glenmorven.example",
        "mo************on@glenmorven-council.example",
        "ss*******er@careinspectorate.example",
        "ai*********er@scrutiny-body.example",
        "unnamed site group",
        "organization link",
    }
    iain = found["ia**********on@nhs-glenmorven.example"]
    assert (iain.organisation, iain.organisation_from) == (PARTNERSHIP, "definition")
    assert (iain.role, iain.folders) == ("write", ("records", "records-reserves"))
    assert (iain.until, iain.no_end) == (ACCESS_UNTIL, False)
    staff = found["ss*******er@careinspectorate.example"]
    assert (staff.organisation, staff.organisation_from) == (
        "careinspectorate.example",
        "email domain",
    )
    assert (staff.role, staff.until, staff.no_end) == ("owner", None, True)
    partner = found["ai*********er@scrutiny-body.example"]
    assert (partner.folders, partner.no_end) == (("records-reserves",), True)
    group = found["unnamed site group"]
    assert (group.kind, group.organisation, group.organisation_from) == ("site_group", None, None)
    assert found["organization link"].kind == "link"


def test_an_expired_permission_is_not_access_and_any_open_ended_one_flags_no_end() -> None:
    found = by_who(
        readers(
            grant(SAMPLE, RECORDS_UPLOADER, "read", expires=CLEAN_AS_OF - ONE_SECOND),
            grant(SAMPLE, COORDINATOR, "read", expires=ACCESS_UNTIL),
            grant(RESERVES, COORDINATOR, "read"),
        )
    )
    assert set(found) == {"mo************on@glenmorven-council.example"}
    coordinator = found["mo************on@glenmorven-council.example"]
    assert (coordinator.until, coordinator.no_end) == (None, True)


def test_a_records_folder_with_no_permissions_listed_inherits_the_inspection_folders() -> None:
    found = by_who(readers(grant("", COORDINATOR, "write", expires=ACCESS_UNTIL)))
    coordinator = found["mo************on@glenmorven-council.example"]
    assert coordinator.folders == ("records", "records-reserves")


def test_permissions_not_read_are_not_known_never_nobody() -> None:
    result = run(clean_snapshot(access=None))
    assert result.records.readers is None
    assert run(clean_snapshot(access=[grant(PIR, COORDINATOR)])).records.readers == ()


def test_readers_carry_masked_addresses_only() -> None:
    found = readers(grant(SAMPLE, RECORDS_UPLOADER, "write"))
    assert RECORDS_UPLOADER not in repr([dataclasses.asdict(r) for r in found])
