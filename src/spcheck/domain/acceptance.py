"""Accepted findings: a known problem the SSO has agreed to live with for a while.

An acceptance is scoped to one finding (its key, at the time it was accepted), names
who accepted it, when, why and until when, and lapses by itself, the finding then
counting again, when:

- its date passes;
- the finding's severity rises (a policy change, say, from warning to error);
- the item it names changes: new content (a file, or anything in a folder), or new
  sharing (any permission on it added, removed or changed); permission findings
  follow the sharing only, since uploads to a folder do not change who can see it;
- the policy stops allowing it to be accepted;
- the finding is resolved (if it comes back, that is new trouble, not the old one).

Some findings can never be accepted (``acceptance.refused`` in the policy). Pure: no
clock, no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from spcheck.domain.findings import Severity
from spcheck.domain.policy import Policy

RESOLVED = "its finding was resolved"


class Subject(NamedTuple):
    """The item a finding names, as one check cycle saw it: digests of its content and of
    its permissions (None when there is no such item, or it could not be read). A named
    tuple: one is made for every finding of every cycle."""

    content: str | None = None
    sharing: str | None = None


@dataclass(frozen=True, slots=True)
class Acceptance:
    """One accepted finding. ``ended_*`` are set when it lapses or is withdrawn."""

    id: str
    inspection_id: str
    key: str
    rule: str
    severity: Severity  # the finding's severity when it was accepted
    reason: str
    by: str
    at: dt.datetime
    until: dt.datetime
    path: str | None = None
    location: str | None = None
    milestone: str | None = None
    content: str | None = None  # the item's content digest when it was accepted
    sharing: str | None = None  # the item's permissions digest when it was accepted
    ended_at: dt.datetime | None = None
    ended_by: str | None = None
    end_reason: str | None = None

    def live_at(self, moment: dt.datetime) -> bool:
        """Made by ``moment`` and not ended by then (the date is judged by ``lapse``)."""
        return self.at <= moment and (self.ended_at is None or self.ended_at > moment)


def refusal(policy: Policy, rule: str, path: str | None) -> str | None:
    """Why a finding of ``rule`` at ``path`` can never be accepted, or None when it can."""
    folder = policy.folder_at(path)
    for refused in policy.acceptance.refused:
        if refused.rule != rule:
            continue
        if refused.where == "anywhere":
            return f"{rule} can never be accepted (policy acceptance.refused)"
        if folder is not None and folder.content.identifiers == "forbid":
            return (
                f"{rule} in {folder.name}, a folder that forbids identifiers, can never be "
                "accepted (policy acceptance.refused)"
            )
    return None


# Findings about who can reach what: the partnership's access and the inspection team's.
ACCESS_RULES = ("permission.", "team.")


def subject_path(rule: str, path: str | None) -> str | None:
    """The item a finding names, as a path under the inspection folder ("" for the folder
    itself: a permission finding without a path is about it); None when it names none."""
    if path is not None:
        return path
    return "" if rule.startswith(ACCESS_RULES) else None


def follows_content(rule: str) -> bool:
    """Whether new content ends an acceptance of this rule (access findings: no)."""
    return not rule.startswith(ACCESS_RULES)


def lapse(
    acceptance: Acceptance,
    *,
    severity: Severity,
    subject: Subject | None,
    as_of: dt.datetime,
    policy: Policy,
) -> str | None:
    """Why ``acceptance`` no longer holds at ``as_of`` for its finding as found now, or None."""
    if as_of > acceptance.until:
        return f"its date passed ({acceptance.until.isoformat(timespec='minutes')})"
    if severity.rank > acceptance.severity.rank:
        return f"the finding's severity rose from {acceptance.severity.value} to {severity.value}"
    refused = refusal(policy, acceptance.rule, acceptance.path)
    if refused is not None:
        return f"the policy no longer allows it: {refused}"
    if subject_path(acceptance.rule, acceptance.path) is None:
        return None
    now = subject or Subject()
    if follows_content(acceptance.rule) and now.content != acceptance.content:
        return "the item changed (new content)" if now.content else "the item is gone"
    if now.sharing != acceptance.sharing:
        if now.sharing is None:
            return "its sharing could not be read"
        return "its sharing changed"
    return None


def default_until(
    now: dt.datetime, *, next_change: dt.datetime | None, max_days: int
) -> dt.datetime:
    """Until the milestone's next change of state, and never more than ``max_days``."""
    longest = now + dt.timedelta(days=max_days)
    if next_change is None or next_change > longest:
        return longest
    return next_change


def check_until(now: dt.datetime, until: dt.datetime, max_days: int) -> str | None:
    """Why a requested date cannot be an acceptance's end, or None when it can."""
    if until <= now:
        return "the date has already passed"
    if until > now + dt.timedelta(days=max_days):
        return f"at most {max_days} days ahead (policy acceptance.max_days)"
    return None
