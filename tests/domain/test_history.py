"""Findings over check cycles, as values: new, open, resolved, back again; what is written;
how acceptances hold, lapse and end; and a look back that changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from types import MappingProxyType

from spcheck.domain.acceptance import RESOLVED, Acceptance, Subject
from spcheck.domain.findings import Finding, Severity, finding_key
from spcheck.domain.history import FindingState, Followed, History, follow
from tests.rules.builders import LONDON, loaded

DAY_1 = dt.datetime(2026, 11, 2, 17, 0, tzinfo=LONDON)
FILE = "02 Position statement and evidence/Statement.docx"
LATE = Finding(
    "records.missing",
    Severity.ERROR,
    "reserve GM-9925 has not been uploaded",
    milestone="records",
    location="record GM-9925",
)
BIG = Finding("file.too_large", Severity.ERROR, "too large", path=FILE, milestone="position")
NAMING = Finding("records.naming", Severity.WARNING, "not a case reference", path="03 R/x.pdf")


def day(n: int) -> dt.datetime:
    return DAY_1 + dt.timedelta(days=n - 1)


def cycle(
    history: History,
    findings: Sequence[Finding],
    at: dt.datetime,
    *,
    acceptances: Sequence[Acceptance] = (),
    subjects: dict[str, Subject] | None = None,
) -> tuple[Followed, History]:
    followed = follow(
        history,
        findings,
        subjects=subjects or {FILE: Subject("c1", "s1")},
        acceptances=acceptances,
        policy=loaded().policy,
        as_of=at,
    )
    if not followed.recorded:
        return followed, history
    rows = dict(history.tracked)
    rows.update((row.key, row) for row in followed.changed)
    return followed, History(followed.cycle, at, MappingProxyType(rows))


def test_new_then_open_then_resolved_then_back() -> None:
    first, history = cycle(History(), [LATE, BIG], day(1))
    assert {n.state for n in first.notes.values()} == {FindingState.NEW}
    assert len(first.changed) == 2
    second, history = cycle(history, [LATE, BIG], day(3))
    note = second.notes[finding_key(LATE)]
    assert (note.state, note.first_seen, note.last_seen, note.cycles) == (
        FindingState.OPEN,
        day(1),
        day(3),
        2,
    )
    assert second.changed == ()  # open and unchanged: nothing to write
    third, history = cycle(history, [BIG], day(4))
    [gone] = third.resolved
    assert (gone.key, gone.first_seen, gone.last_seen, gone.resolved_at, gone.cycles) == (
        finding_key(LATE),
        day(1),
        day(3),
        day(4),
        2,
    )
    assert third.notes[finding_key(BIG)].cycles == 3
    fourth, history = cycle(history, [LATE, BIG], day(6))
    back = fourth.notes[finding_key(LATE)]
    # Back after being resolved: new again, its own episode.
    assert (back.state, back.first_seen, back.cycles, back.reopened) == (
        FindingState.NEW,
        day(6),
        1,
        True,
    )
    assert fourth.resolved == ()
    fifth, _ = cycle(history, [LATE, BIG], day(7))
    assert fifth.notes[finding_key(LATE)].state is FindingState.OPEN
    assert fifth.notes[finding_key(LATE)].reopened is True


def test_findings_that_share_a_key_share_a_history_at_the_highest_severity() -> None:
    twice = [BIG, replace(BIG, message="too large again", severity=Severity.WARNING)]
    followed, history = cycle(History(), twice, day(1))
    assert list(followed.notes) == [finding_key(BIG)]
    assert history.tracked[finding_key(BIG)].severity is Severity.ERROR


def test_a_row_is_written_again_when_what_an_acceptance_binds_to_moves() -> None:
    _, history = cycle(History(), [BIG], day(1))
    moved, history = cycle(history, [BIG], day(2), subjects={FILE: Subject("c2", "s1")})
    [row] = moved.changed
    assert (row.content, row.first_seen) == ("c2", day(1))
    graver, _ = cycle(
        history,
        [replace(NAMING, severity=Severity.ERROR), BIG],
        day(3),
        subjects={FILE: Subject("c2", "s1")},
    )
    assert [r.rule for r in graver.changed] == ["records.naming"]


def test_a_look_back_is_shown_against_the_record_and_changes_nothing() -> None:
    _, history = cycle(History(), [LATE], day(3))
    _, history = cycle(history, [LATE, BIG], day(5))
    back, unchanged = cycle(history, [LATE, BIG], day(4))
    assert not back.recorded
    assert unchanged is history
    assert (back.changed, back.resolved, back.ended) == ((), (), ())
    assert back.notes[finding_key(LATE)].state is FindingState.OPEN
    # Not yet seen on the day looked at.
    assert back.notes[finding_key(BIG)].state is FindingState.NEW


def acceptance(finding: Finding, **changes: object) -> Acceptance:
    values: dict[str, object] = {
        "id": "a1",
        "inspection_id": "glenmorven-2026",
        "key": finding_key(finding),
        "rule": finding.rule,
        "severity": finding.severity,
        "reason": "agreed with the inspection lead",
        "by": "Ailsa Placeholder (SSO)",
        "at": day(1) + dt.timedelta(hours=1),
        "until": day(20),
        "path": finding.path,
        "location": finding.location,
        "milestone": finding.milestone,
        "content": "c1" if finding.path else None,
        "sharing": "s1" if finding.path else None,
    }
    values.update(changes)
    return Acceptance(**values)  # type: ignore[arg-type]


def test_an_accepted_finding_is_noted_with_who_why_and_until() -> None:
    _, history = cycle(History(), [LATE, BIG], day(1))
    followed, _ = cycle(history, [LATE, BIG], day(2), acceptances=[acceptance(LATE)])
    note = followed.notes[finding_key(LATE)]
    assert note.accepted is not None
    assert (note.accepted.by, note.accepted.until) == ("Ailsa Placeholder (SSO)", day(20))
    assert followed.notes[finding_key(BIG)].accepted is None
    assert followed.ended == ()


def test_an_acceptance_made_after_the_moment_judged_does_not_hold() -> None:
    _, history = cycle(History(), [LATE], day(1))
    later = acceptance(LATE, at=day(3))
    followed, _ = cycle(history, [LATE], day(2), acceptances=[later])
    assert followed.notes[finding_key(LATE)].accepted is None
    assert followed.ended == ()


def test_a_lapsed_acceptance_ends_and_the_finding_counts_again() -> None:
    _, history = cycle(History(), [BIG], day(1))
    changed = {FILE: Subject("c2", "s1")}
    followed, _ = cycle(history, [BIG], day(2), acceptances=[acceptance(BIG)], subjects=changed)
    assert followed.notes[finding_key(BIG)].accepted is None
    [ended] = followed.ended
    assert ended.reason == "the item changed (new content)"


def test_an_acceptance_ends_when_its_finding_is_resolved() -> None:
    _, history = cycle(History(), [LATE, BIG], day(1))
    followed, _ = cycle(history, [BIG], day(2), acceptances=[acceptance(LATE)])
    [ended] = followed.ended
    assert (ended.acceptance.key, ended.reason) == (finding_key(LATE), RESOLVED)


def test_a_look_back_judges_acceptances_but_ends_none() -> None:
    _, history = cycle(History(), [BIG], day(5))
    old = acceptance(BIG, at=day(1), until=day(2))
    followed, _ = cycle(history, [BIG], day(3), acceptances=[old])
    assert followed.notes[finding_key(BIG)].accepted is None  # its date had passed by then
    assert followed.ended == ()
