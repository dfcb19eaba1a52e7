"""`spcheck accept` and `spcheck unaccept`: a known finding accepted for a while, and back.

An acceptance covers the findings of RULE (narrowed by --path and --location) that
were open in the inspection's latest check cycle: what the SSO saw in the report,
each bound to its key and to the item's content and sharing as that cycle saw them.
A finding that turns up later is not covered, even under the same rule and path.
Each acceptance and its withdrawal is written to the audit log, write-ahead (an
intent before the store write, its entry after: ``writeahead``); a refused request
(a rule the policy never lets be accepted) is audited as skipped and exits 1.

Exit codes: 0 done; 1 refused by the policy; 2 bad input (no such finding, a date
out of range, nobody named); 3 the state store failed.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TextIO

from spcheck.commands.operator import (
    fail,
    load_one,
    one_line,
    operator_name,
    parse_moment,
    settle,
    utc_now,
)
from spcheck.domain.acceptance import Acceptance, check_until, default_until, refusal
from spcheck.domain.catalogue import RULE_IDS
from spcheck.domain.history import Tracked
from spcheck.domain.timeline import MilestoneState, Timeline
from spcheck.errors import InputError, PolicyRefusal, SpcheckError
from spcheck.loader import LoadedInspection
from spcheck.report.document import shown
from spcheck.settings import Settings, load_settings
from spcheck.store.factory import open_store, store_exists
from spcheck.store.records import AuditEntry, AuditResult, Store
from spcheck.writeahead.decisions import ACCEPTANCE
from spcheck.writeahead.journal import WriteAhead

ACCEPT, UNACCEPT, REFUSED = "accept", "unaccept", "accept_refused"
MAX_REASON = 1000
# A date alone means the whole of that day, UK time.
END_OF_DAY = dt.time(23, 59, 59)
_MET = frozenset({MilestoneState.MET.value, MilestoneState.MET_LATE.value})

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class Selector:
    """Which findings a request names: a rule, and optionally a path and a location."""

    rule: str
    path: str | None = None
    location: str | None = None

    def matches(self, rule: str, path: str | None, location: str | None) -> bool:
        return (
            rule == self.rule
            and (self.path is None or (path or "").casefold() == self.path.casefold())
            and (self.location is None or (location or "").casefold() == self.location.casefold())
        )

    def describe(self) -> str:
        parts = [self.rule]
        if self.path is not None:
            parts.append(f"at {self.path}")
        if self.location is not None:
            parts.append(f"({self.location})")
        return " ".join(parts)


def selector(rule: str, path: str | None, location: str | None) -> Selector:
    if rule not in RULE_IDS:
        raise InputError(f"RULE: no rule {rule!r}; `spcheck rules` lists them")
    cleaned = one_line(path, "--path", 1000).strip("/") if path is not None else None
    place = one_line(location, "--location", 300) if location is not None else None
    return Selector(rule, cleaned or None, place)


def _where(row: Tracked | Acceptance) -> str:
    parts = [row.rule]
    if row.path:
        parts.append(row.path)
    if row.location:
        parts.append(f"({row.location})")
    return " ".join(parts)


def _until(
    loaded: LoadedInspection,
    store: Store,
    row: Tracked,
    now: dt.datetime,
    asked: dt.datetime | None,
) -> dt.datetime:
    max_days = loaded.policy.acceptance.max_days
    if asked is not None:
        problem = check_until(now, asked, max_days)
        if problem is not None:
            raise InputError(f"--until: {problem}")
        return asked
    next_change = None
    if row.milestone is not None:
        try:
            loaded.policy.milestone(row.milestone)
        except KeyError:
            pass
        else:
            last = store.last_run(loaded.inspection.id)
            met = last is not None and last.milestones.get(row.milestone) in _MET
            timeline = Timeline(loaded.inspection, loaded.policy)
            next_change = timeline.next_change(row.milestone, now, met=met)
    return default_until(now, next_change=next_change, max_days=max_days)


@dataclass(frozen=True, slots=True)
class AcceptRequest:
    inspection_id: str
    select: Selector
    reason: str
    until: dt.datetime | None
    by: str


def accept(
    request: AcceptRequest, *, loaded: LoadedInspection, store: Store, now: dt.datetime
) -> list[Acceptance]:
    """Accept what the request names; raises InputError (nothing matches, a bad date) or
    PolicyRefusal (audited as skipped, nothing accepted)."""
    inspection_id = loaded.inspection.id
    history = store.history(inspection_id)
    open_rows = sorted(
        (
            row
            for row in history.tracked.values()
            if row.open and request.select.matches(row.rule, row.path, row.location)
        ),
        key=lambda row: (row.path or "", row.location or "", row.key),
    )
    if not open_rows:
        raise InputError(
            f"{request.select.describe()}: no such finding is open in the latest check of "
            f"{inspection_id}; run `spcheck check` and accept what its report shows"
        )
    for row in open_rows:
        refused = refusal(loaded.policy, row.rule, row.path)
        if refused is not None:
            store.append(
                _entry(
                    inspection_id,
                    f"refused-{uuid.uuid4().hex}",
                    REFUSED,
                    request.by,
                    now,
                    AuditResult.SKIPPED,
                    row.path,
                    f"refused: {refused}; reason given: {request.reason}",
                    row.key,
                )
            )
            raise PolicyRefusal(f"{_where(row)}: refused: {refused}")
    made = []
    for row in open_rows:
        acceptance = Acceptance(
            id=uuid.uuid4().hex,
            inspection_id=inspection_id,
            key=row.key,
            rule=row.rule,
            severity=row.severity,
            reason=request.reason,
            by=request.by,
            at=now,
            until=_until(loaded, store, row, now, request.until),
            path=row.path,
            location=row.location,
            milestone=row.milestone,
            content=row.content,
            sharing=row.sharing,
        )
        made.append(acceptance)
    journal = WriteAhead(store, clock=lambda: now)
    for acceptance in made:
        # Write-ahead: the intent first, then the acceptance, then its entry; a crash in
        # between is read back by the next command (recorded or not), never lost.
        journal.record(
            ACCEPTANCE,
            _entry(
                inspection_id,
                f"acceptance-{acceptance.id}",
                ACCEPT,
                request.by,
                now,
                AuditResult.OK,
                acceptance.path,
                f"accepted {_where(acceptance)} until {acceptance.until.isoformat()}: "
                f"{acceptance.reason}",
                acceptance.key,
                until=acceptance.until.isoformat(),
            ),
            {"id": acceptance.id, "action": "accept"},
            partial(store.add_acceptance, acceptance),
        )
    return made


def unaccept(
    inspection_id: str, select: Selector, *, by: str, store: Store, now: dt.datetime
) -> list[Acceptance]:
    """End the live acceptances the selector names; InputError when there are none."""
    live = [
        a for a in store.acceptances(inspection_id) if select.matches(a.rule, a.path, a.location)
    ]
    if not live:
        raise InputError(f"{select.describe()}: no acceptance of it is in force in {inspection_id}")
    ended = []
    journal = WriteAhead(store, clock=lambda: now)
    for acceptance in live:
        withdraw = partial(
            store.end_acceptance,
            inspection_id,
            acceptance.id,
            at=now,
            by=by,
            reason=f"withdrawn by {by}",
        )
        if journal.record(
            ACCEPTANCE,
            _entry(
                inspection_id,
                f"acceptance-{acceptance.id}",
                UNACCEPT,
                by,
                now,
                AuditResult.OK,
                acceptance.path,
                f"withdrew the acceptance of {_where(acceptance)}",
                acceptance.key,
            ),
            {"id": acceptance.id, "action": "unaccept"},
            withdraw,
        ):
            ended.append(acceptance)
    return ended


def _entry(
    inspection_id: str,
    plan_id: str,
    action: str,
    by: str,
    at: dt.datetime,
    result: AuditResult,
    path: str | None,
    detail: str,
    key: str,
    **after: str,
) -> AuditEntry:
    return AuditEntry(
        plan_id=plan_id,
        inspection_id=inspection_id,
        step=0,
        action=action,
        actor=by,
        at=at,
        result=result,
        path=path,
        before="null",
        after=json.dumps({"key": key, **after}, ensure_ascii=False),
        detail=detail,
    )


# --- the commands -------------------------------------------------------------------------------


def _opened(settings: Settings) -> Store:
    if not store_exists(settings.state):
        raise InputError(
            "no check has been recorded yet (the state store is empty): run `spcheck check` first"
        )
    return open_store(settings.state)


def run_accept(
    inspection_id: str,
    rule: str,
    *,
    path: str | None = None,
    location: str | None = None,
    reason: str | None = None,
    until: str | None = None,
    by: str | None = None,
    settings: Settings | None = None,
    now: Clock = utc_now,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`spcheck accept ID RULE [--path PATH] [--location TEXT] --reason TEXT [--until DATE]`."""
    try:
        settings = settings or load_settings()
        request = AcceptRequest(
            inspection_id=inspection_id,
            select=selector(rule, path, location),
            reason=one_line(reason, "--reason", MAX_REASON),
            until=parse_moment(until, "--until", day_time=END_OF_DAY) if until else None,
            by=operator_name(by, settings),
        )
        loaded = load_one(settings, inspection_id)
        with _opened(settings) as store:
            settle(store, inspection_id, err)
            made = accept(request, loaded=loaded, store=store, now=now())
    except SpcheckError as error:
        return fail(error, err)
    _say(out, [f"accepted {_where(a)} until {shown(a.until)}" for a in made])
    _say(
        out,
        [
            "It no longer counts towards the exit code, the status or the alert mail, and is "
            "still listed, marked accepted. It counts again when its date passes, its "
            "severity rises, or the item changes (content or sharing)."
        ],
    )
    return 0


def run_unaccept(
    inspection_id: str,
    rule: str,
    *,
    path: str | None = None,
    location: str | None = None,
    by: str | None = None,
    settings: Settings | None = None,
    now: Clock = utc_now,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`spcheck unaccept ID RULE [--path PATH] [--location TEXT]`: the finding counts again."""
    try:
        settings = settings or load_settings()
        select = selector(rule, path, location)
        who = operator_name(by, settings)
        load_one(settings, inspection_id)
        with _opened(settings) as store:
            settle(store, inspection_id, err)
            ended = unaccept(inspection_id, select, by=who, store=store, now=now())
    except SpcheckError as error:
        return fail(error, err)
    _say(out, [f"withdrew the acceptance of {_where(a)}; it counts again" for a in ended])
    return 0


def _say(out: TextIO | None, lines: Sequence[str]) -> None:
    stream = out or sys.stdout
    for line in lines:
        print(line, file=stream)
