"""The store contract as test classes: any implementation runs them by providing ``store``.

``ItemStoreContract`` applies to every ItemStore (the in-memory one included);
``StoreContract`` to full Stores (audit log, check history, finding history, acceptances,
attestations, content cache, permissions read).
A subclass in a ``test_*.py`` module supplies the ``store`` fixture.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from spcheck.domain.acceptance import Acceptance
from spcheck.domain.attestation import Attestation
from spcheck.domain.findings import Finding, Severity
from spcheck.domain.history import Tracked
from spcheck.store.interface import ItemStore, StoredItem
from spcheck.store.records import (
    REPLACED,
    AuditEntry,
    AuditResult,
    CheckRun,
    DriveSubscription,
    Intent,
    RunStatus,
    Store,
    finding_key,
)

SEEN = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
BST = timezone(timedelta(hours=1))


def item(item_id: str, path: str, **extra: object) -> StoredItem:
    return StoredItem(
        id=item_id,
        name=path.rsplit("/", 1)[-1],
        path=path,
        parent_id=None,
        is_folder=False,
        first_seen=SEEN,
        **extra,  # type: ignore[arg-type]
    )


def tracked(key: str, cycle: int, **extra: object) -> Tracked:
    values: dict[str, object] = {
        "key": key,
        "rule": key.split("|")[0],
        "severity": Severity.ERROR,
        "first_seen": SEEN + timedelta(days=cycle),
        "first_cycle": cycle,
        "last_seen": SEEN + timedelta(days=cycle),
    }
    values.update(extra)
    return Tracked(**values)  # type: ignore[arg-type]


def acceptance(ident: str, key: str, **extra: object) -> Acceptance:
    values: dict[str, object] = {
        "id": ident,
        "inspection_id": "glenmorven-2026",
        "key": key,
        "rule": key.split("|")[0],
        "severity": Severity.ERROR,
        "reason": "agreed with the inspection lead: the reserve comes in week 9",
        "by": "Ailsa Placeholder (SSO)",
        "at": SEEN,
        "until": SEEN + timedelta(days=30),
    }
    values.update(extra)
    return Acceptance(**values)  # type: ignore[arg-type]


def entry(step: int, at: datetime, **extra: object) -> AuditEntry:
    values: dict[str, object] = {
        "plan_id": "plan-1",
        "inspection_id": "glenmorven-2026",
        "step": step,
        "action": "grant",
        "actor": "app:spcheck",
        "at": at,
        "result": AuditResult.OK,
        "path": "Inspections/glenmorven-2026/01 Pre-inspection return",
        "email": "morag.testperson@glenmorven-council.example",
        "before": "null",
        "after": json.dumps({"roles": ["write"]}),
    }
    values.update(extra)
    return AuditEntry(**values)  # type: ignore[arg-type]


class ItemStoreContract:
    def test_every_field_comes_back_as_stored(self, store: ItemStore) -> None:
        full = StoredItem(
            id="01ABC",
            name="PIR.xlsx",
            path="Inspections/glenmorven-2026/01 Pre-inspection return/PIR.xlsx",
            parent_id="01PARENT",
            is_folder=False,
            first_seen=SEEN,
            size=48_213,
            created_at=datetime(2026, 9, 24, 16, 5, 1, tzinfo=BST),
            modified_at=datetime(2026, 9, 24, 16, 5, 2, 123000, tzinfo=UTC),
            created_by="morag.testperson@glenmorven-council.example",
            modified_by="Morag Testperson",
            sha256="ab" * 32,
            quick_xor="AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            etag='"{1},2"',
            ctag='"c:{1},2"',
            shared=True,
        )
        store.upsert_items("d", [full, item("r", "")])
        got = store.item("d", "01ABC")
        assert got == full
        assert got is not None
        assert got.created_at is not None
        assert got.created_at.utcoffset() == timedelta(hours=1)
        assert store.item("d", "nope") is None
        assert store.item("other-drive", "01ABC") is None

    def test_apply_changes_is_one_step(self, store: ItemStore) -> None:
        store.replace_all("d", [item("a", "A.docx"), item("b", "B.docx")], "link-1")
        store.apply_changes("d", [item("c", "Folder/C.docx")], ["a", "unknown"], "link-2")
        assert [i.id for i in store.items("d")] == ["b", "c"]
        assert store.get_delta_link("d") == "link-2"

    def test_a_refused_change_leaves_state_and_link_as_they_were(self, store: ItemStore) -> None:
        store.replace_all("d", [item("a", "A.docx")], "link-1")
        with pytest.raises(ValueError, match="delta link"):
            store.apply_changes("d", [item("b", "B.docx")], ["a"], "")
        with pytest.raises(ValueError, match="delta link"):
            store.replace_all("d", [], "")
        with pytest.raises(ValueError, match="delta link"):
            store.set_delta_link("d", "")
        assert [i.id for i in store.items("d")] == ["a"]
        assert store.get_delta_link("d") == "link-1"

    def test_replace_all_drops_what_is_not_given_and_drives_are_separate(
        self, store: ItemStore
    ) -> None:
        store.replace_all("d", [item("a", "A.docx"), item("b", "B.docx")], "link-1")
        store.replace_all("e", [item("a", "Other.docx")], "link-e")
        store.replace_all("d", [item("b", "B.docx")], "link-2")
        assert [i.id for i in store.items("d")] == ["b"]
        other = store.item("e", "a")
        assert other is not None
        assert other.path == "Other.docx"
        assert store.get_delta_link("e") == "link-e"

    def test_upsert_replaces_by_id(self, store: ItemStore) -> None:
        store.upsert_items("d", [item("a", "A.docx", size=1)])
        store.upsert_items("d", [item("a", "Renamed/A.docx", size=2)])
        listed = store.items("d")
        assert [(i.id, i.path, i.size) for i in listed] == [("a", "Renamed/A.docx", 2)]
        assert store.item_by_path("d", "A.docx") is None

    def test_lookup_by_path_ignores_case_and_slashes(self, store: ItemStore) -> None:
        store.upsert_items("d", [item("a", "Inspections/Fife-2026/PIR.xlsx")])
        found = store.item_by_path("d", "/inspections/fife-2026/pir.XLSX")
        assert found is not None
        assert found.id == "a"
        assert store.item_by_path("d", "Inspections") is None

    def test_items_are_in_path_order_and_removal_keeps_the_link(self, store: ItemStore) -> None:
        store.upsert_items("d", [item("z", "b.txt"), item("y", "A.txt"), item("r", "")])
        listed = store.items("d")
        assert [i.path for i in listed] == ["", "A.txt", "b.txt"]
        listed.clear()
        assert len(store.items("d")) == 3
        store.remove_items("d", ["y", "never-there"])
        assert store.get_delta_link("d") is None
        assert [i.id for i in store.items("d")] == ["r", "z"]


class StoreContract:
    # --- audit log ---

    def test_audit_entries_come_back_newest_first_with_ids(self, store: Store) -> None:
        first = store.append(entry(1, SEEN))
        second = store.append(entry(2, SEEN + timedelta(seconds=1), result=AuditResult.SKIPPED))
        # Same instant as the second, written in another offset: ties go to the later append.
        third = store.append(entry(3, (SEEN + timedelta(seconds=1)).astimezone(BST)))
        assert first.id is not None
        assert second.id is not None
        assert third.id is not None
        assert len({first.id, second.id, third.id}) == 3
        listed = store.entries("glenmorven-2026")
        assert [e.step for e in listed] == [3, 2, 1]
        assert listed[1] == second
        assert listed[1].result is AuditResult.SKIPPED
        assert listed[2].after == json.dumps({"roles": ["write"]})
        assert listed[0].at == third.at

    def test_audit_filters_by_inspection_and_plan_and_limits(self, store: Store) -> None:
        store.append(entry(1, SEEN))
        store.append(entry(1, SEEN + timedelta(minutes=1), plan_id="plan-2"))
        store.append(entry(1, SEEN + timedelta(minutes=2), inspection_id="kinloch-2026"))
        assert [e.plan_id for e in store.entries("glenmorven-2026")] == ["plan-2", "plan-1"]
        assert [e.inspection_id for e in store.entries(plan_id="plan-1")] == [
            "kinloch-2026",
            "glenmorven-2026",
        ]
        assert [e.step for e in store.entries("glenmorven-2026", plan_id="plan-2")] == [1]
        assert len(store.entries()) == 3
        assert [e.inspection_id for e in store.entries(limit=1)] == ["kinloch-2026"]
        assert store.entries("nobody-2026") == []

    def test_audit_keeps_who_asked_beside_the_app(self, store: Store) -> None:
        asked = store.append(entry(1, SEEN, requested_by="sso.testperson@careinspectorate.example"))
        automatic = store.append(entry(2, SEEN + timedelta(seconds=1)))
        listed = store.entries("glenmorven-2026")
        assert listed == [automatic, asked]
        assert listed[1].requested_by == "sso.testperson@careinspectorate.example"
        assert listed[1].actor == "app:spcheck"
        assert listed[0].requested_by is None

    def test_audit_refuses_a_naive_time(self, store: Store) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            store.append(entry(1, datetime(2026, 9, 7, 9, 0)))
        assert store.entries() == []

    # --- check history ---

    def test_an_entry_without_its_outcome_is_refused(self, store: Store) -> None:
        with pytest.raises(ValueError, match="intent"):
            store.append(entry(1, SEEN, result=AuditResult.PENDING))
        assert store.entries() == []

    def test_an_intent_stays_open_until_its_entry_closes_it(self, store: Store) -> None:
        draft = entry(3, SEEN, result=AuditResult.PENDING, before='[{"id": "p1"}]')
        opened = store.open_intent(
            Intent("provision.step", draft, subject='{"folder_id": "01F"}', owner="host|1|t")
        )
        assert opened.id is not None
        other = store.open_intent(
            Intent("provision.step", replace(draft, inspection_id="kinloch-2026", step=1))
        )
        [found, _] = store.open_intents()
        assert found == opened  # every field, the draft entry's included
        assert found.entry.result is AuditResult.PENDING
        assert store.open_intents("kinloch-2026") == [other]
        assert store.entries() == []  # an intent is not an entry

        done = replace(draft, result=AuditResult.OK, detail="granted", at=SEEN + timedelta(1))
        stored = store.close_intent(opened, done)
        assert stored.id is not None
        assert store.open_intents("glenmorven-2026") == []
        assert [e.detail for e in store.entries()] == ["granted"]
        assert store.entries()[0].before == '[{"id": "p1"}]'

    def test_closing_refuses_an_entry_without_its_outcome(self, store: Store) -> None:
        opened = store.open_intent(Intent("provision.step", entry(1, SEEN)))
        with pytest.raises(ValueError, match="outcome"):
            store.close_intent(opened, entry(1, SEEN, result=AuditResult.PENDING))
        assert store.open_intents() == [opened]

    def test_last_run_is_the_latest_and_a_run_id_is_replaced(self, store: Store) -> None:
        assert store.last_run("glenmorven-2026") is None
        early = CheckRun(
            run_id="r1",
            inspection_id="glenmorven-2026",
            as_of=SEEN,
            generated_at=SEEN,
            status=RunStatus.ERROR,
            counts={"errors": 2, "warnings": 0},
            finding_keys=frozenset({"pir.missing|||", "deadline.overdue|||"}),
        )
        late = replace(early, run_id="r2", generated_at=SEEN + timedelta(days=1))
        store.record_run(late)
        store.record_run(early)
        found = store.last_run("glenmorven-2026")
        assert found is not None
        assert found.run_id == "r2"
        assert dict(found.counts) == {"errors": 2, "warnings": 0}
        assert found.finding_keys == early.finding_keys
        assert found.status is RunStatus.ERROR
        store.record_run(replace(late, status=RunStatus.OK, counts={}, finding_keys=frozenset()))
        again = store.last_run("glenmorven-2026")
        assert again is not None
        assert again.status is RunStatus.OK
        assert again.finding_keys == frozenset()
        assert store.last_run("kinloch-2026") is None

    def test_alert_once_until_resolved(self, store: Store) -> None:
        keys = {"records.unexpected|03 Records sample/GM-0001.pdf||", "pir.missing|||"}
        assert store.alerted_keys("glenmorven-2026") == set()
        store.mark_alerted("glenmorven-2026", keys, SEEN)
        assert store.alerted_keys("glenmorven-2026") == keys
        assert store.alerted_keys("kinloch-2026") == set()
        store.mark_resolved("glenmorven-2026", ["pir.missing|||", "never-alerted"], SEEN)
        assert store.alerted_keys("glenmorven-2026") == keys - {"pir.missing|||"}
        store.mark_alerted("glenmorven-2026", ["pir.missing|||"], SEEN + timedelta(days=1))
        assert store.alerted_keys("glenmorven-2026") == keys

    def test_finding_keys_carry_no_message_or_masked_value(self) -> None:
        finding = Finding(
            rule="content.personal_identifier",
            severity=Severity.ERROR,
            message="a CHI number 0101011237",
            path="05 Training materials (redacted)/plan.docx",
            kind="chi",
            location="page 2",
            masked="01******37",
        )
        key = finding_key(finding)
        assert (
            key
            == "content.personal_identifier|05 Training materials (redacted)/plan.docx|chi|page 2"
        )
        assert "0101011237" not in key
        assert "01******37" not in key

    # --- content cache ---

    def test_content_cache_by_item_and_hash(self, store: Store) -> None:
        assert store.get("item-1", "hash-a") is None
        store.put("item-1", "hash-a", '{"status": "pass"}', SEEN)
        assert store.get("item-1", "hash-a") == '{"status": "pass"}'
        assert store.get("item-1", "hash-b") is None
        store.put("item-1", "hash-b", '{"status": "fail"}', SEEN + timedelta(hours=1))
        assert store.get("item-1", "hash-b") == '{"status": "fail"}'
        assert store.get("item-1", "hash-a") is None
        assert store.get("item-2", "hash-b") is None

    # --- permissions read ---

    def test_access_cache_keeps_the_latest_read_per_item(self, store: Store) -> None:
        assert store.get_access(["folder-1"]) == {}
        assert store.access_read_at("folder-1") is None
        store.put_access({"folder-1": "[]", "folder-2": '[{"id": "p1"}]'}, SEEN)
        later = SEEN + timedelta(hours=24)
        store.put_access({"folder-1": '[{"id": "p2"}]'}, later)
        found = store.get_access(["folder-1", "folder-2", "folder-3"])
        assert found == {
            "folder-1": ('[{"id": "p2"}]', later),
            "folder-2": ('[{"id": "p1"}]', SEEN),
        }
        assert store.access_read_at("folder-2") == SEEN

    def test_access_cache_answers_many_ids_at_once(self, store: Store) -> None:
        entries = {f"item-{n}": f'[{{"id": "p{n}"}}]' for n in range(1200)}
        store.put_access(entries, SEEN)
        found = store.get_access([*entries, "unknown"])
        assert len(found) == 1200
        assert found["item-1199"] == ('[{"id": "p1199"}]', SEEN)

    def test_sharing_history_is_kept_with_the_read_it_came_from(self, store: Store) -> None:
        assert store.get_sharing_history(["folder-1"]) == {}
        store.put_access({"folder-1": "[]", "folder-2": "[]"}, SEEN, {"folder-1": '{"spans": [1]}'})
        assert store.get_sharing_history(["folder-1", "folder-2", "nope"]) == {
            "folder-1": '{"spans": [1]}'
        }
        long = json.dumps({"spans": ["x" * 40 for _ in range(2000)]})  # past plain text
        later = SEEN + timedelta(hours=1)
        store.put_access({"folder-2": "[]"}, later, {"folder-2": long})
        assert store.get_sharing_history(["folder-1", "folder-2"]) == {
            "folder-1": '{"spans": [1]}',
            "folder-2": long,
        }
        # A read stored without a history keeps none: nothing stale is left behind.
        store.put_access({"folder-1": "[]"}, later)
        assert store.get_sharing_history(["folder-1"]) == {}
        assert store.get_access(["folder-1"]) == {"folder-1": ("[]", later)}

    def test_access_cache_refuses_a_naive_time(self, store: Store) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            store.put_access({"item": "[]"}, datetime(2026, 9, 7, 9, 0))

    # --- runs: milestones and the trend ---

    def test_a_run_keeps_its_milestone_states_and_recent_runs_come_newest_first(
        self, store: Store
    ) -> None:
        for day in range(5):
            store.record_run(
                CheckRun(
                    run_id=f"r{day}",
                    inspection_id="glenmorven-2026",
                    as_of=SEEN + timedelta(days=day),
                    generated_at=SEEN + timedelta(days=day),
                    status=RunStatus.ERROR,
                    counts={"error": day, "warning": 0, "accepted": 1},
                    finding_keys=frozenset({f"k{day}"}),
                    milestones={"pir": "met", "records": "overdue"},
                )
            )
        last = store.last_run("glenmorven-2026")
        assert last is not None
        assert dict(last.milestones) == {"pir": "met", "records": "overdue"}
        recent = store.recent_runs("glenmorven-2026", 3)
        assert [r.run_id for r in recent] == ["r4", "r3", "r2"]
        assert dict(recent[0].counts) == {"error": 4, "warning": 0, "accepted": 1}
        assert recent[0].as_of == SEEN + timedelta(days=4)
        assert store.recent_runs("kinloch-2026", 14) == []
        assert store.recent_runs("glenmorven-2026", 0) == []

    # --- findings over time ---

    def test_history_starts_empty_and_records_what_changed(self, store: Store) -> None:
        empty = store.history("glenmorven-2026")
        assert (empty.cycle, empty.at, dict(empty.tracked)) == (0, None, {})
        key = "records.missing|||record GM-1001|records"
        first = tracked(key, 1, location="record GM-1001", milestone="records")
        other = tracked(
            "content.hidden_data|05 Training/plan.docx|comments|",
            1,
            path="05 Training/plan.docx",
            content="c1",
            sharing="s1",
        )
        at = SEEN + timedelta(days=1)
        assert store.record_history(
            "glenmorven-2026", previous_cycle=0, cycle=1, at=at, changed=[first, other]
        )
        found = store.history("glenmorven-2026")
        assert (found.cycle, found.at) == (1, at)
        assert found.tracked == {first.key: first, other.key: other}
        assert store.history("kinloch-2026").cycle == 0
        # The next cycle resolves one and leaves the other as it was: one row written.
        resolved = replace(first, resolved_at=SEEN + timedelta(days=2), last_seen=at)
        later = SEEN + timedelta(days=2)
        assert store.record_history(
            "glenmorven-2026", previous_cycle=1, cycle=2, at=later, changed=[resolved]
        )
        again = store.history("glenmorven-2026")
        assert again.cycle == 2
        assert again.tracked[first.key] == resolved
        assert not again.tracked[first.key].open
        assert again.tracked[other.key] == other

    def test_history_is_not_written_when_another_cycle_was_recorded_meanwhile(
        self, store: Store
    ) -> None:
        row = tracked("pir.missing|01 Pre-inspection return||", 1)
        assert store.record_history(
            "glenmorven-2026", previous_cycle=0, cycle=1, at=SEEN, changed=[row]
        )
        stale = replace(row, severity=Severity.WARNING)
        assert not store.record_history(
            "glenmorven-2026", previous_cycle=0, cycle=1, at=SEEN, changed=[stale]
        )
        found = store.history("glenmorven-2026")
        assert found.cycle == 1
        assert found.tracked[row.key].severity is Severity.ERROR

    def test_history_refuses_a_naive_time(self, store: Store) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            store.record_history(
                "glenmorven-2026",
                previous_cycle=0,
                cycle=1,
                at=datetime(2026, 9, 7, 9, 0),
                changed=[],
            )

    # --- accepted findings ---

    def test_acceptances_are_kept_and_ended_never_deleted(self, store: Store) -> None:
        key = "records.missing|||record GM-1001|records"
        first = acceptance("a1", key, location="record GM-1001", milestone="records")
        other = acceptance(
            "a2",
            "file.too_large|02 Position statement/big.pdf||",
            path="02 Position statement/big.pdf",
            severity=Severity.WARNING,
            content="c1",
            sharing="s1",
            at=SEEN + timedelta(minutes=5),
        )
        store.add_acceptance(first)
        store.add_acceptance(other)
        assert store.acceptances("glenmorven-2026") == [first, other]
        assert store.acceptances("kinloch-2026") == []
        ended_at = SEEN + timedelta(days=1)
        assert store.end_acceptance(
            "glenmorven-2026", "a1", at=ended_at, by="Ailsa", reason="withdrawn"
        )
        assert not store.end_acceptance(
            "glenmorven-2026", "a1", at=ended_at, by="Ailsa", reason="withdrawn"
        )
        assert not store.end_acceptance(
            "glenmorven-2026", "nope", at=ended_at, by="Ailsa", reason="withdrawn"
        )
        assert store.acceptances("glenmorven-2026") == [other]
        everything = store.acceptances("glenmorven-2026", live=False)
        assert [a.id for a in everything] == ["a1", "a2"]
        assert everything[0] == replace(
            first, ended_at=ended_at, ended_by="Ailsa", end_reason="withdrawn"
        )

    def test_a_new_acceptance_of_the_same_finding_replaces_the_live_one(self, store: Store) -> None:
        key = "deadline.overdue||||pd1"
        store.add_acceptance(acceptance("a1", key, milestone="pd1"))
        later = SEEN + timedelta(hours=2)
        store.add_acceptance(acceptance("a2", key, milestone="pd1", at=later, reason="new date"))
        assert [a.id for a in store.acceptances("glenmorven-2026")] == ["a2"]
        old = store.acceptances("glenmorven-2026", live=False)[0]
        assert (old.id, old.ended_at, old.end_reason) == ("a1", later, REPLACED)

    def test_acceptances_refuse_a_naive_time(self, store: Store) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            store.add_acceptance(acceptance("a1", "k", until=datetime(2026, 10, 1)))
        assert store.acceptances("glenmorven-2026", live=False) == []

    # --- attested milestones ---

    def test_attestations_are_kept_and_withdrawn_never_deleted(self, store: Store) -> None:
        pd1 = Attestation(
            id="t1",
            inspection_id="glenmorven-2026",
            milestone="pd1",
            on=SEEN,
            recorded_at=SEEN + timedelta(hours=1),
            by="Ailsa Placeholder (SSO)",
            note="held in person",
        )
        count = Attestation(
            id="t2",
            inspection_id="glenmorven-2026",
            milestone="survey-distribution",
            on=SEEN.astimezone(BST),
            recorded_at=SEEN + timedelta(hours=2),
            by="Ailsa Placeholder (SSO)",
            value=143,
        )
        store.add_attestation(count)
        store.add_attestation(pd1)
        assert store.attestations("glenmorven-2026") == [pd1, count]
        assert store.attestations("kinloch-2026") == []
        at = SEEN + timedelta(days=1)
        assert store.withdraw_attestation("glenmorven-2026", "t1", at=at, by="Ailsa")
        assert not store.withdraw_attestation("glenmorven-2026", "t1", at=at, by="Ailsa")
        assert not store.withdraw_attestation("glenmorven-2026", "t9", at=at, by="Ailsa")
        assert store.attestations("glenmorven-2026") == [
            replace(pd1, withdrawn_at=at, withdrawn_by="Ailsa"),
            count,
        ]
    # --- change notifications ---

    def test_a_drive_subscription_comes_back_as_stored_and_is_replaced(self, store: Store) -> None:
        assert store.drive_subscriptions() == []
        record = DriveSubscription(
            drive_id="b!drive-2",
            site_id="host,site,web",
            subscription_id="7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
            expires_at=SEEN + timedelta(days=29),
            checked_at=SEEN.astimezone(BST),
            created_at=SEEN,
            url_digest="a" * 64,
            state_digest="b" * 64,
            security=True,
        )
        refused = DriveSubscription(
            drive_id="b!drive-1",
            site_id="host,site,web",
            subscription_id=None,
            expires_at=None,
            checked_at=SEEN,
            refused="HTTP 403 ExtensionError",
        )
        store.put_drive_subscription(record)
        store.put_drive_subscription(refused)
        assert store.drive_subscriptions() == [refused, record]
        assert store.drive_subscriptions()[1].checked_at == SEEN
        renewed = replace(record, expires_at=SEEN + timedelta(days=30), security=False)
        store.put_drive_subscription(renewed)
        assert store.drive_subscriptions() == [refused, renewed]
        store.remove_drive_subscription("b!drive-1")
        store.remove_drive_subscription("never-there")
        assert store.drive_subscriptions() == [renewed]
        assert renewed.live(SEEN)
        assert not renewed.live(SEEN + timedelta(days=30))
        assert not refused.live(SEEN)

    def test_a_drive_subscription_refuses_a_naive_time(self, store: Store) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            store.put_drive_subscription(
                DriveSubscription("d", "s", "x", datetime(2026, 10, 1), checked_at=SEEN)
            )
        assert store.drive_subscriptions() == []

    def test_notifications_seen_are_per_subscription_until_forgotten(self, store: Store) -> None:
        assert store.seen_notifications("sub-1", ["n1", "n2"]) == set()
        store.note_notifications("sub-1", ["n1", "n2", "n1"], SEEN)
        store.note_notifications("sub-1", ["n3"], SEEN + timedelta(hours=2))
        store.note_notifications("sub-2", ["n1"], SEEN + timedelta(hours=3))
        assert store.seen_notifications("sub-1", ["n1", "n3", "n4"]) == {"n1", "n3"}
        assert store.seen_notifications("sub-2", ["n1", "n2"]) == {"n1"}
        assert store.forget_notifications(SEEN + timedelta(hours=1)) == 2
        assert store.seen_notifications("sub-1", ["n1", "n2", "n3"]) == {"n3"}
        assert store.seen_notifications("sub-2", ["n1"]) == {"n1"}
        many = [f"n-{n}" for n in range(40)]
        store.note_notifications("sub-3", many, SEEN)
        assert store.seen_notifications("sub-3", [*many, "other"]) == set(many)

    def test_a_pending_marker_is_set_once_until_cleared_or_stale(self, store: Store) -> None:
        stale = SEEN - timedelta(minutes=10)
        assert store.mark_pending("d|changed", SEEN, stale_before=stale)
        later = SEEN + timedelta(seconds=2)
        fresh_since = later - timedelta(minutes=10)
        assert not store.mark_pending("d|changed", later, stale_before=fresh_since)
        # Another drive, or another kind of wake, has a marker of its own.
        assert store.mark_pending("d|missed", later, stale_before=stale)
        store.clear_pending("d|changed")
        store.clear_pending("never-set")
        assert store.mark_pending("d|changed", later, stale_before=stale)
        # A marker older than stale_before is taken over: its wake was lost.
        much_later = SEEN + timedelta(hours=1)
        assert store.mark_pending(
            "d|changed", much_later, stale_before=much_later - timedelta(minutes=10)
        )
        assert not store.mark_pending("d|changed", much_later, stale_before=stale)
