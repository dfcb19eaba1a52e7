"""`spcheck attest` and `spcheck unattest`: a step of the weekly schedule that is not an
upload (PD1 held, the staff survey closed), recorded by the SSO, and withdrawn.

Only milestones the policy marks ``satisfied_by: {kind: attested}`` can be attested;
one whose policy names a ``value`` (how many staff the survey link went to) needs
``--value``. The milestone is met at ``--on`` (default: now). Both are audited;
withdrawing keeps the record and the milestone is open again from the next check.

Exit codes: 0 done; 2 bad input (not an attested milestone, a missing value, a date
in the future, nobody named, nothing to withdraw); 3 the state store failed.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from collections.abc import Callable
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
from spcheck.domain.attestation import Attestation, attested_at
from spcheck.domain.policy import Milestone
from spcheck.errors import InputError, SpcheckError
from spcheck.loader import LoadedInspection
from spcheck.report.document import shown
from spcheck.settings import Settings, load_settings
from spcheck.store.factory import open_store
from spcheck.store.records import AuditEntry, AuditResult, Store
from spcheck.writeahead.decisions import ATTESTATION
from spcheck.writeahead.journal import WriteAhead

ATTEST, UNATTEST = "attest", "unattest"
MAX_NOTE = 500
START_OF_DAY = dt.time(0, 0)

Clock = Callable[[], dt.datetime]


def attested_milestone(loaded: LoadedInspection, milestone_id: str) -> Milestone:
    policy = loaded.policy
    attested = [m.id for m in policy.milestones if m.satisfied_by.kind == "attested"]
    try:
        milestone = policy.milestone(milestone_id)
    except KeyError:
        known = ", ".join(attested) or "none"
        raise InputError(
            f"MILESTONE: no milestone {milestone_id!r} in the policy (attested ones: {known})"
        ) from None
    if milestone.satisfied_by.kind != "attested":
        raise InputError(
            f"MILESTONE: {milestone_id} is met by {milestone.satisfied_by.kind}, not attested "
            f"(attested ones: {', '.join(attested) or 'none'})"
        )
    return milestone


def _audit(
    attestation: Attestation, action: str, by: str, at: dt.datetime, detail: str
) -> AuditEntry:
    return AuditEntry(
        plan_id=f"attestation-{attestation.id}",
        inspection_id=attestation.inspection_id,
        step=0,
        action=action,
        actor=by,
        at=at,
        result=AuditResult.OK,
        after=json.dumps(
            {
                "milestone": attestation.milestone,
                "on": attestation.on.isoformat(),
                "value": attestation.value,
                "note": attestation.note,
            },
            ensure_ascii=False,
        ),
        detail=detail,
    )


def attest(
    loaded: LoadedInspection,
    milestone_id: str,
    *,
    value: int | None,
    note: str,
    on: dt.datetime | None,
    by: str,
    store: Store,
    now: dt.datetime,
) -> Attestation:
    milestone = attested_milestone(loaded, milestone_id)
    counts = milestone.satisfied_by.value
    if counts is not None and value is None:
        raise InputError(f"--value: {milestone_id} records a number: {counts}")
    if value is not None and value < 0:
        raise InputError("--value: a count of zero or more")
    happened = on or now
    if happened > now:
        raise InputError("--on: that is in the future; attest what has happened")
    attestation = Attestation(
        id=uuid.uuid4().hex,
        inspection_id=loaded.inspection.id,
        milestone=milestone.id,
        on=happened,
        recorded_at=now,
        by=by,
        value=value,
        note=note,
    )
    # Write-ahead: the intent, the attestation, its entry; a crash in between is read back.
    WriteAhead(store, clock=lambda: now).record(
        ATTESTATION,
        _audit(attestation, ATTEST, by, now, f"attested {milestone.id}: {milestone.title}"),
        {"id": attestation.id, "action": "attest"},
        partial(store.add_attestation, attestation),
    )
    return attestation


def unattest(
    loaded: LoadedInspection, milestone_id: str, *, by: str, store: Store, now: dt.datetime
) -> Attestation:
    milestone = attested_milestone(loaded, milestone_id)
    current = attested_at(store.attestations(loaded.inspection.id), now).get(milestone.id)
    if current is None:
        raise InputError(f"MILESTONE: {milestone_id} is not attested in {loaded.inspection.id}")
    WriteAhead(store, clock=lambda: now).record(
        ATTESTATION,
        _audit(current, UNATTEST, by, now, f"withdrew the attestation of {milestone.id}"),
        {"id": current.id, "action": "unattest"},
        partial(store.withdraw_attestation, loaded.inspection.id, current.id, at=now, by=by),
    )
    return current


def run_attest(
    inspection_id: str,
    milestone_id: str,
    *,
    value: int | None = None,
    note: str | None = None,
    on: str | None = None,
    by: str | None = None,
    settings: Settings | None = None,
    now: Clock = utc_now,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`spcheck attest ID MILESTONE [--value N] [--note TEXT] [--on DATE]`."""
    try:
        settings = settings or load_settings()
        who = operator_name(by, settings)
        text = one_line(note, "--note", MAX_NOTE, required=False)
        when = parse_moment(on, "--on", day_time=START_OF_DAY) if on else None
        loaded = load_one(settings, inspection_id)
        with open_store(settings.state) as store:
            settle(store, inspection_id, err)
            done = attest(
                loaded,
                milestone_id,
                value=value,
                note=text,
                on=when,
                by=who,
                store=store,
                now=now(),
            )
    except SpcheckError as error:
        return fail(error, err)
    title = loaded.policy.milestone(done.milestone).title
    counted = f", {done.value}" if done.value is not None else ""
    print(
        f"attested {done.milestone} ({title}{counted}) for {shown(done.on)}, by {done.by}",
        file=out or sys.stdout,
    )
    return 0


def run_unattest(
    inspection_id: str,
    milestone_id: str,
    *,
    by: str | None = None,
    settings: Settings | None = None,
    now: Clock = utc_now,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`spcheck unattest ID MILESTONE`: withdraw the milestone's attestation."""
    try:
        settings = settings or load_settings()
        who = operator_name(by, settings)
        loaded = load_one(settings, inspection_id)
        with open_store(settings.state) as store:
            settle(store, inspection_id, err)
            done = unattest(loaded, milestone_id, by=who, store=store, now=now())
    except SpcheckError as error:
        return fail(error, err)
    print(
        f"withdrew the attestation of {done.milestone} (made by {done.by} for {shown(done.on)});"
        " it is open again from the next check",
        file=out or sys.stdout,
    )
    return 0
