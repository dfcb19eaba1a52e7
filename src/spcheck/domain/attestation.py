"""Attested milestones: steps of the weekly schedule that are not uploads (PD1 held, the
staff survey closed), which the SSO records with ``spcheck attest``.

An attestation names the milestone, when it happened, who recorded it and when, and
may carry a number (how many staff the survey link went to) and a note. Withdrawing
it (``spcheck unattest``) keeps the record and ends it. A check judged at ``as_of``
knows only what had been recorded, and not yet withdrawn, by then. Pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Attestation:
    id: str
    inspection_id: str
    milestone: str
    on: dt.datetime  # when it happened: the milestone is met then
    recorded_at: dt.datetime
    by: str
    value: int | None = None
    note: str = ""
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None

    def known_at(self, moment: dt.datetime) -> bool:
        return self.recorded_at <= moment and (
            self.withdrawn_at is None or self.withdrawn_at > moment
        )


def attested_at(attestations: Iterable[Attestation], as_of: dt.datetime) -> dict[str, Attestation]:
    """Each milestone's attestation known at ``as_of`` (the latest recorded, if several)."""
    known: dict[str, Attestation] = {}
    for attestation in sorted(attestations, key=lambda a: a.recorded_at):
        if attestation.known_at(as_of):
            known[attestation.milestone] = attestation
    return known
