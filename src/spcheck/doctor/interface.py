"""What one doctor check says: its status, one line, and for a failure the fix and where
the runbook explains it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

RUNBOOK = "runbooks/first-deployment.md"


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of the doctor's answer.

    ``exit_code`` matters for failures only: 2 for something to configure, 3 when
    Graph (or the state store) could not be reached. ``details`` are shown under the
    settings line and in JSON; they never hold a secret, a token or an unmasked id.
    """

    id: str
    status: Status
    summary: str
    fix: str | None = None
    runbook: str | None = None
    exit_code: int = 0
    details: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Passed or only warned: the checks that depend on this one may run."""
        return self.status in (Status.PASS, Status.WARN)


def section(anchor: str) -> str:
    """The reference of a section of the first-deployment runbook."""
    return f"{RUNBOOK}#{anchor}"


def passed(check: str, summary: str, **details: str) -> CheckResult:
    return CheckResult(check, Status.PASS, summary, details=details)


def warned(check: str, summary: str, fix: str, runbook: str) -> CheckResult:
    return CheckResult(check, Status.WARN, summary, fix=fix, runbook=runbook)


def failed(check: str, summary: str, fix: str, runbook: str, exit_code: int = 2) -> CheckResult:
    return CheckResult(check, Status.FAIL, summary, fix=fix, runbook=runbook, exit_code=exit_code)


def skipped(check: str, reason: str) -> CheckResult:
    return CheckResult(check, Status.SKIP, reason)
