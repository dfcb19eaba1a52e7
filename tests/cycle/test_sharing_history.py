"""The sharing history kept read after read, and what it says about an earlier moment."""

from __future__ import annotations

import datetime as dt
import json

from spcheck.cycle import replay, sharing
from spcheck.graph.views import Permission
from spcheck.store.records import AuditEntry, AuditResult

UTC = dt.UTC
FOLDER = "Inspections/g/03 Records sample"


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, tzinfo=UTC)


def person(
    pid: str, email: str, role: str = "write", expires: dt.datetime | None = None
) -> Permission:
    data: dict[str, object] = {"id": pid, "roles": [role], "invitation": {"email": email}}
    if expires is not None:
        data["expirationDateTime"] = expires.isoformat()
    return Permission.model_validate(data)


def shown(moment: dt.datetime) -> str:
    return moment.strftime("%d %b %H:%M")


A = person("pa", "a@council.example", expires=at(30))
B = person("pb", "b@outsider.example")


def test_reads_open_and_close_spans_and_keep_them_bounded() -> None:
    first = sharing.advance(None, None, [A], at(1))
    assert [(s.permission.id, s.first_seen, s.before, s.gone_at) for s in first] == [
        ("pa", at(1), None, None)
    ]
    second = sharing.advance(first, ([A], at(1)), [A, B], at(5))
    assert [(s.permission.id, s.first_seen, s.last_seen, s.before) for s in second] == [
        ("pa", at(1), at(5), None),
        ("pb", at(5), at(5), at(1)),
    ]
    third = sharing.advance(second, ([A, B], at(5)), [A], at(9))
    gone = next(s for s in third if s.permission.id == "pb")
    assert (gone.last_seen, gone.gone_at) == (at(5), at(9))
    # An older read arriving late changes nothing.
    assert sharing.advance(third, ([A], at(9)), [], at(8)) == third
    # A read from before histories were kept starts one from that read.
    seeded = sharing.advance(None, ([A], at(1)), [A], at(2))
    assert [(s.first_seen, s.last_seen) for s in seeded] == [(at(1), at(2))]
    # Permissions that come and go are not kept for ever: the newest closed spans are.
    spans: tuple[sharing.Span, ...] = ()
    for n in range(sharing.MAX_CLOSED + 10):
        churn = person(f"p{n}", "c@council.example")
        spans = sharing.advance(
            spans, ([], at(1)) if n else None, [churn], at(1) + dt.timedelta(hours=2 * n + 1)
        )
        spans = sharing.advance(spans, ([churn], at(1)), [], at(1) + dt.timedelta(hours=2 * n + 2))
    assert len(spans) == sharing.MAX_CLOSED
    assert spans[-1].permission.id == f"p{sharing.MAX_CLOSED + 9}"


def test_a_history_goes_to_text_and_back_and_a_damaged_one_is_refused() -> None:
    spans = sharing.advance(sharing.advance(None, None, [A, B], at(1)), ([A, B], at(1)), [A], at(3))
    assert sharing.decode(sharing.encode(spans)) == spans
    for damaged in ("not json", "[]", '{"version": 99, "spans": []}', '{"version": 1}'):
        assert sharing.decode(damaged) is None


def entry(
    action: str, when: dt.datetime, before: object = None, after: object = None
) -> AuditEntry:
    return AuditEntry(
        plan_id="p",
        inspection_id="g",
        step=1,
        action=action,
        actor="app:spcheck",
        at=when,
        result=AuditResult.OK,
        path=FOLDER,
        before=json.dumps(before),
        after=json.dumps(after),
    )


def record(permission: Permission) -> dict[str, object]:
    return {
        "id": permission.id,
        "roles": list(permission.roles),
        "kind": "person",
        "email": permission.emails()[0],
        "group": None,
        "link_scope": None,
        "expires_at": permission.expires_at.isoformat() if permission.expires_at else None,
    }


def test_the_audit_log_gives_spchecks_own_changes_their_exact_times() -> None:
    events = replay.audit_events(
        [
            entry("grant", at(2), [], [record(A)]),
            entry("revoke", at(7), record(A)),
            AuditEntry("p", "g", 2, "grant", "app", at(3), AuditResult.FAILED, FOLDER, after="[]"),
            entry("create_folder", at(1), None, {"id": "folder"}),
        ]
    )
    assert [(e.permission_id, e.at, e.starts) for e in events] == [
        ("pa", at(2), True),
        ("pa", at(7), False),
    ]
    assert replay.from_record(events[0].record) == A


def moment(
    spans: tuple[sharing.Span, ...],
    events: list[replay.AuditEvent],
    when: dt.datetime,
    **kw: object,
) -> dict[str, str | None]:
    found = replay.at_moment(
        spans,
        events,
        as_of=when,
        created_at=kw.get("created_at"),
        latest_read=kw.get("latest_read"),
        shown=shown,  # type: ignore[arg-type]
    )
    return {t.permission.id: t.doubt for t in found}


def test_what_existed_at_a_moment() -> None:
    # Reads on the 1st, 5th and 9th; A granted by spcheck on the 2nd and revoked on the 7th;
    # B given by hand between the 1st and the 5th, gone by the 9th without spcheck.
    spans = sharing.advance(None, None, [], at(1))
    spans = sharing.advance(spans, ([], at(1)), [A, B], at(5))
    spans = sharing.advance(spans, ([A, B], at(5)), [], at(9))
    events = replay.audit_events(
        [entry("grant", at(2), [], [record(A)]), entry("revoke", at(7), record(A))]
    )
    assert moment(spans, events, at(1, 6)) == {}  # before anything
    assert moment(spans, events, at(3)) == {
        "pb": "it was not there on 01 Oct 12:00 and was first seen on 05 Oct 12:00",
        "pa": None,
    }
    assert moment(spans, events, at(5)) == {"pa": None, "pb": None}
    # After the 5th nobody saw B again until it was gone on the 9th: not known.
    assert moment(spans, events, at(6)) == {
        "pa": None,
        "pb": "it was last seen on 05 Oct 12:00 and gone by 09 Oct 12:00",
    }
    assert moment(spans, events, at(7, 13)) == {
        "pb": "it was last seen on 05 Oct 12:00 and gone by 09 Oct 12:00"
    }
    assert moment(spans, events, at(9)) == {}
    # An item made after the moment had nothing then.
    assert moment(spans, events, at(6), created_at=at(6, 13)) == {}


def test_spcheck_changes_no_read_saw_come_from_the_audit_log() -> None:
    # Granted on the 2nd and revoked on the 3rd, between reads on the 1st and the 5th.
    spans = sharing.advance(sharing.advance(None, None, [], at(1)), ([], at(1)), [], at(5))
    events = replay.audit_events(
        [entry("grant", at(2), [], [record(A)]), entry("revoke", at(3), record(A))]
    )
    assert moment(spans, events, at(2, 13), latest_read=at(5)) == {"pa": None}
    assert moment(spans, events, at(4), latest_read=at(5)) == {}
    # Granted on the 2nd and gone by the 5th read, nobody recorded when.
    lost = replay.audit_events([entry("grant", at(2), [], [record(A)])])
    assert moment(spans, lost, at(2), latest_read=at(5)) == {"pa": None}
    assert moment(spans, lost, at(4), latest_read=at(5)) == {
        "pa": "it was last seen on 02 Oct 12:00 and gone by 05 Oct 12:00"
    }
    assert moment(spans, lost, at(6), latest_read=at(5)) == {}


def test_a_grant_spcheck_made_before_the_first_read_is_known_from_its_audit_time() -> None:
    spans = sharing.advance(None, None, [A], at(5))
    events = replay.audit_events([entry("grant", at(2), [], [record(A)])])
    assert moment(spans, events, at(1)) == {}
    assert moment(spans, events, at(3)) == {"pa": None}
    # Without the audit log the first read is all there is.
    assert moment(spans, [], at(3)) == {
        "pa": "spcheck first read it on 05 Oct 12:00 and had not read this item's sharing before"
    }


def test_two_versions_of_one_grant_changed_between_reads_are_alternatives() -> None:
    forever = person("pa", "a@council.example")  # re-shared by hand: no expiry any more
    spans = sharing.advance(None, None, [A], at(1))
    spans = sharing.advance(spans, ([A], at(1)), [forever], at(5))
    found = replay.at_moment(
        spans, [], as_of=at(3), created_at=None, latest_read=at(5), shown=shown
    )
    assert len(found) == 2
    assert {t.one_of for t in found} == {f"pa@{at(5).isoformat()}"}
    assert all(t.doubt for t in found)
