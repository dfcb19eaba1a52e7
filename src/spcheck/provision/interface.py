"""The provisioning contract: what a plan is made of, what applying it reports, typed errors.

A plan is computed, shown, and only then applied. It holds ``steps`` (the
changes ``--apply`` makes, in order), ``drift`` (access that policy does not
allow and that the plan removes only when asked with ``--remove-drift``),
``refused`` (why a request cannot be carried out at all: nothing is changed)
and ``notes``. Paths are folder paths under the drive root. Emails are kept
whole here (the audit log needs them); every renderer masks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from spcheck.domain.findings import mask
from spcheck.errors import InputError, PolicyRefusal, ServiceUnavailable, SpcheckError
from spcheck.graph.interface import INVITATION_RUNBOOK
from spcheck.store.records import AuditResult


def show_email(email: str | None) -> str:
    """An address as spcheck prints it: the mailbox masked, the domain kept (it is not personal)."""
    if not email:
        return ""
    local, at, domain = email.rpartition("@")
    return f"{mask(local)}@{domain}" if at else mask(email)


def holder(email: str | None, group: str | None, link_scope: str | None) -> str | None:
    """Who holds an access, as a plan shows it: a masked address, a group, or a link."""
    if email:
        return show_email(email)
    if group is not None:
        return f"group {group}"
    return f"{link_scope} link" if link_scope else None


class Action(StrEnum):
    CREATE_FOLDER = "create_folder"
    GRANT = "grant"
    CHANGE_ROLE = "change_role"
    REVOKE = "revoke"
    REMOVE_LINK = "remove_link"
    REMOVE_DRIFT = "remove_drift"


REMOVALS = frozenset({Action.REVOKE, Action.REMOVE_LINK, Action.REMOVE_DRIFT})


class Mode(StrEnum):
    """What was asked: the whole inspection, access for some people, or the end of access."""

    PROVISION = "provision"
    GRANT = "grant"
    REVOKE = "revoke"
    OFFBOARD = "offboard"


@dataclass(frozen=True, slots=True)
class Request:
    mode: Mode
    emails: tuple[str, ...] = ()
    role: str | None = None  # grant only: the role the SSO expects the contact to get
    remove_drift: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "emails", tuple(e.strip().lower() for e in self.emails))


@dataclass(frozen=True, slots=True)
class Step:
    """One change. ``permission_ids`` are what a removal or role change takes away."""

    number: int
    action: Action
    path: str
    reason: str
    email: str | None = None
    role: str | None = None
    expires_at: datetime | None = None
    permission_ids: tuple[str, ...] = ()
    rule: str | None = None
    link_scope: str | None = None
    group: str | None = None  # the display name, when a group's access is removed

    @property
    def who(self) -> str:
        return holder(self.email, self.group, self.link_scope) or ""


@dataclass(frozen=True, slots=True)
class Drift:
    """Direct access on an inspection folder that the policy does not allow.

    ``what`` describes the access without naming the person (``email`` does,
    and renderers mask it); ``rule`` is an id from ``spcheck rules``.
    """

    path: str
    permission_id: str
    what: str
    why: str
    rule: str
    email: str | None = None
    link_scope: str | None = None
    group: str | None = None  # a group's display name (a group is not a person: not masked)

    @property
    def who(self) -> str:
        return holder(self.email, self.group, self.link_scope) or "unknown"


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    rule: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    plan_id: str
    inspection_id: str
    mode: Mode
    as_of: datetime
    root_path: str
    access_from: datetime
    access_until: datetime
    steps: tuple[Step, ...] = ()
    drift: tuple[Drift, ...] = ()
    refused: tuple[Refusal, ...] = ()
    notes: tuple[str, ...] = ()
    remove_drift: bool = False

    @property
    def is_refused(self) -> bool:
        return bool(self.refused)

    @property
    def is_empty(self) -> bool:
        return not self.steps


@dataclass(frozen=True, slots=True)
class StepOutcome:
    plan_id: str
    step: Step
    result: AuditResult
    detail: str


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """What ``--apply`` did: every round's plan and outcomes, and the verification."""

    plans: tuple[Plan, ...]
    outcomes: tuple[StepOutcome, ...]
    verification: Plan

    @property
    def failed(self) -> tuple[StepOutcome, ...]:
        """Steps Graph refused (nothing was made for them)."""
        return tuple(o for o in self.outcomes if o.result is AuditResult.FAILED)

    @property
    def verified(self) -> bool:
        """The site matches the request: a fresh plan after applying has no steps."""
        return self.verification.is_empty and not self.verification.is_refused


# --- errors -------------------------------------------------------------------------------------


class ProvisionError(SpcheckError):
    """Provisioning could not go on; the message says where and why."""


class PlanRefused(PolicyRefusal):
    """The request is refused by policy: nothing was changed and nothing audited. Exit 1."""

    def __init__(self, plan: Plan) -> None:
        reasons = "; ".join(
            f"{show_email(r.email)}: {r.reason}" if r.email else r.reason for r in plan.refused
        )
        super().__init__(f"{plan.inspection_id}: refused: {reasons}")
        self.plan = plan


class StateUnreadable(ProvisionError, ServiceUnavailable):
    """The folders or permissions could not all be read, so no safe plan exists. Exit 3."""

    exit_code = 3


class NotVerified(ProvisionError, ServiceUnavailable):
    """Applied, but a fresh read still differs from the plan after the last round. Exit 3."""

    exit_code = 3

    def __init__(self, report: ApplyReport) -> None:
        left = len(report.verification.steps)
        super().__init__(
            f"{report.verification.inspection_id}: applied, but {left} change(s) are still "
            "needed after verification; someone may be changing access at the same time: "
            "run the command again and compare"
        )
        self.report = report


class StepsFailed(ProvisionError, InputError):
    """Applied what could be, but Graph refused some steps (an invitation the tenant's
    external-sharing setting forbids): each is audited as failed. Exit 2, as for a setting
    to change before running again."""

    exit_code = 2

    def __init__(self, report: ApplyReport) -> None:
        failed = report.failed
        super().__init__(
            f"{report.verification.inspection_id}: {len(failed)} step(s) failed, refused by "
            f"Graph; nothing was made for them (see {INVITATION_RUNBOOK})"
        )
        self.report = report
