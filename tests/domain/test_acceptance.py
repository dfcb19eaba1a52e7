"""Accepting a finding: what can never be accepted, every way an acceptance lapses, and its
default end (the milestone's next change of state, at most the policy's days)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from spcheck.domain.acceptance import (
    Acceptance,
    Subject,
    check_until,
    default_until,
    lapse,
    refusal,
    subject_path,
)
from spcheck.domain.findings import Severity
from spcheck.domain.policy import RefusedAcceptance
from spcheck.domain.timeline import Timeline
from tests.rules.builders import LONDON, PIR_DUE, RECORDS_DUE, loaded

AT = dt.datetime(2026, 11, 10, 9, 0, tzinfo=LONDON)
FILE = "02 Position statement and evidence/Statement.docx"


def accepted(**changes: object) -> Acceptance:
    values: dict[str, object] = {
        "id": "a1",
        "inspection_id": "glenmorven-2026",
        "key": f"file.too_large|{FILE}||",
        "rule": "file.too_large",
        "severity": Severity.WARNING,
        "reason": "the inspection lead has the paper copy",
        "by": "Ailsa Placeholder (SSO)",
        "at": AT,
        "until": AT + dt.timedelta(days=10),
        "path": FILE,
        "content": "c1",
        "sharing": "s1",
    }
    values.update(changes)
    return Acceptance(**values)  # type: ignore[arg-type]


def why(acceptance: Acceptance, **changes: object) -> str | None:
    values: dict[str, object] = {
        "severity": Severity.WARNING,
        "subject": Subject("c1", "s1"),
        "as_of": AT + dt.timedelta(days=1),
        "policy": loaded().policy,
    }
    values.update(changes)
    return lapse(acceptance, **values)  # type: ignore[arg-type]


# -- what can never be accepted ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "path", "refused"),
    [
        ("records.unexpected", "03 Records sample/GM-0001.pdf", True),
        ("permission.anonymous_link", "03 Records sample", True),
        ("permission.anonymous_link", None, True),  # on the inspection folder itself
        ("content.personal_identifier", "05 Training materials (redacted)/Plan.docx", True),
        ("content.bad_redaction", "05 Training materials (redacted)/Plan.pdf", True),
        ("content.personal_identifier", "01 Pre-inspection return/PIR.xlsx", True),
        # Records are personal by nature: their folder allows identifiers.
        ("content.personal_identifier", "03 Records sample/GM-2999.pdf", False),
        ("content.bad_redaction", "03 Records sample/GM-2999.pdf", False),
        ("file.too_large", FILE, False),
        ("deadline.overdue", None, False),
        ("records.missing", None, False),
    ],
)
def test_the_policy_says_what_can_never_be_accepted(
    rule: str, path: str | None, refused: bool
) -> None:
    reason = refusal(loaded().policy, rule, path)
    assert (reason is not None) is refused
    if reason is not None:
        assert rule in reason
        assert "policy acceptance.refused" in reason


def test_the_default_refusals_hold_when_a_policy_says_nothing() -> None:
    from spcheck.domain.policy import AcceptanceRules

    rules = AcceptanceRules()
    assert rules.max_days == 30
    assert [(r.rule, r.where) for r in rules.refused] == [
        ("records.unexpected", "anywhere"),
        ("content.personal_identifier", "identifiers_forbidden"),
        ("content.bad_redaction", "identifiers_forbidden"),
        ("permission.anonymous_link", "anywhere"),
    ]


def test_a_refusal_names_a_known_rule() -> None:
    with pytest.raises(ValueError, match="unknown rule id"):
        RefusedAcceptance(rule="records.unexpectd")


# -- lapses ------------------------------------------------------------------------------------


def test_an_acceptance_holds_while_nothing_changes() -> None:
    assert why(accepted()) is None
    # Until the very end of its date.
    assert why(accepted(), as_of=AT + dt.timedelta(days=10)) is None


def test_it_lapses_when_its_date_passes() -> None:
    reason = why(accepted(), as_of=AT + dt.timedelta(days=10, seconds=1))
    assert reason is not None
    assert reason.startswith("its date passed")


def test_it_lapses_when_the_severity_rises_but_not_when_it_falls() -> None:
    assert why(accepted(), severity=Severity.ERROR) == (
        "the finding's severity rose from warning to error"
    )
    assert why(accepted(), severity=Severity.INFO) is None


def test_it_lapses_when_the_content_changes_or_the_item_goes() -> None:
    assert why(accepted(), subject=Subject("c2", "s1")) == "the item changed (new content)"
    assert why(accepted(), subject=None) == "the item is gone"


def test_it_lapses_when_the_sharing_changes_or_cannot_be_read() -> None:
    assert why(accepted(), subject=Subject("c1", "s2")) == "its sharing changed"
    assert why(accepted(), subject=Subject("c1", None)) == "its sharing could not be read"


def test_a_permission_finding_follows_the_sharing_only() -> None:
    grant = accepted(
        rule="permission.excess_role",
        key="permission.excess_role|03 Records sample||permission ab**cd",
        path="03 Records sample",
        severity=Severity.ERROR,
    )
    # New records in the folder are not a change of who can see it.
    assert why(grant, severity=Severity.ERROR, subject=Subject("c9", "s1")) is None
    assert why(grant, severity=Severity.ERROR, subject=Subject("c9", "s2")) == (
        "its sharing changed"
    )
    # A permission finding without a path is about the inspection folder itself.
    assert subject_path("permission.excess_role", None) == ""
    assert subject_path("deadline.overdue", None) is None


def test_a_finding_about_no_item_lapses_only_by_date_or_severity() -> None:
    late = accepted(
        rule="records.missing",
        key="records.missing|||record GM-1001|records",
        path=None,
        location="record GM-1001",
        milestone="records",
        severity=Severity.ERROR,
        content=None,
        sharing=None,
    )
    assert why(late, severity=Severity.ERROR, subject=None) is None
    assert why(late, severity=Severity.ERROR, as_of=AT + dt.timedelta(days=11)) is not None


def test_it_lapses_when_the_policy_stops_allowing_it() -> None:
    stricter = loaded().policy.model_copy(
        update={
            "acceptance": loaded().policy.acceptance.model_copy(
                update={"refused": [RefusedAcceptance(rule="file.too_large")]}
            )
        }
    )
    reason = why(accepted(), policy=stricter)
    assert reason is not None
    assert reason.startswith("the policy no longer allows it")


def test_live_at_respects_when_it_was_made_and_ended() -> None:
    acceptance = accepted()
    assert not acceptance.live_at(AT - dt.timedelta(seconds=1))
    assert acceptance.live_at(AT)
    ended = replace(acceptance, ended_at=AT + dt.timedelta(days=1))
    assert ended.live_at(AT + dt.timedelta(hours=23))
    assert not ended.live_at(AT + dt.timedelta(days=1))


# -- until when --------------------------------------------------------------------------------


def test_the_default_end_is_the_next_change_of_state_at_most_max_days() -> None:
    soon = AT + dt.timedelta(days=3)
    assert default_until(AT, next_change=soon, max_days=30) == soon
    assert default_until(AT, next_change=None, max_days=30) == AT + dt.timedelta(days=30)
    far = AT + dt.timedelta(days=60)
    assert default_until(AT, next_change=far, max_days=30) == AT + dt.timedelta(days=30)


def test_a_requested_end_must_be_ahead_and_within_max_days() -> None:
    assert check_until(AT, AT + dt.timedelta(days=30), 30) is None
    assert check_until(AT, AT, 30) == "the date has already passed"
    problem = check_until(AT, AT + dt.timedelta(days=30, seconds=1), 30)
    assert problem == "at most 30 days ahead (policy acceptance.max_days)"


def test_a_milestones_next_change_of_state() -> None:
    timeline = Timeline(loaded().inspection, loaded().policy)
    # Two weeks before the PIR: it becomes due soon three working days before Friday,
    # at midnight on Tuesday 29 September.
    early = dt.datetime(2026, 9, 15, 12, 0, tzinfo=LONDON)
    assert timeline.next_change("pir", early, met=False) == dt.datetime(
        2026, 9, 29, 0, 0, tzinfo=LONDON
    )
    # Due soon: it next changes when it falls due.
    assert timeline.next_change("pir", PIR_DUE - dt.timedelta(days=1), met=False) == PIR_DUE
    # Overdue, met or waived: only evidence changes it.
    assert timeline.next_change("pir", PIR_DUE + dt.timedelta(seconds=1), met=False) is None
    assert timeline.next_change("records", early, met=True) is None
    assert timeline.next_change("records", RECORDS_DUE, met=False) is None
