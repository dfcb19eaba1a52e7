"""Alerts to the SSO: each new error finding once, and a note when it has cleared.

Composition is pure; sending goes through the gateway's ``sendMail``. Messages
carry rule ids, paths and masked values only (the rules have masked them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spcheck.domain.findings import Finding, Severity
from spcheck.rules.interface import InspectionResult
from spcheck.store.records import finding_key


@dataclass(frozen=True, slots=True)
class InspectionAlert:
    inspection_id: str
    partnership: str
    new: tuple[Finding, ...]
    resolved: tuple[str, ...]  # finding keys that no longer appear

    @property
    def empty(self) -> bool:
        return not self.new and not self.resolved


def changes(result: InspectionResult, alerted: set[str]) -> InspectionAlert:
    """New error findings not yet alerted, and alerted ones that are gone."""
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    current = {finding_key(f): f for f in errors}
    new = tuple(f for key, f in current.items() if key not in alerted)
    resolved = tuple(sorted(alerted - set(current)))
    return InspectionAlert(result.id, result.partnership, new, resolved)


def _describe_key(key: str) -> str:
    return " ".join(part for part in key.split("|") if part)


def compose(
    alerts: Sequence[InspectionAlert], site: str, report_at: str | None = None
) -> tuple[str, str]:
    """Subject and plain-text body for one mail covering every inspection with changes;
    ``report_at`` says where this cycle's report is written, when it is."""
    new = sum(len(a.new) for a in alerts)
    resolved = sum(len(a.resolved) for a in alerts)
    ids = ", ".join(a.inspection_id for a in alerts)
    subject = f"spcheck: {new} new problem(s), {resolved} resolved ({ids})"
    lines = [f"spcheck checked {site}.", ""]
    for alert in alerts:
        lines.append(f"{alert.partnership} ({alert.inspection_id})")
        for finding in alert.new:
            where = f" [{finding.path}]" if finding.path else ""
            lines.append(f"  NEW {finding.rule}{where}: {finding.message}")
        for key in alert.resolved:
            lines.append(f"  RESOLVED {_describe_key(key)}")
        lines.append("")
    if report_at:
        lines.append(f"The full report, with what to do about each problem: {report_at}")
    else:
        lines.append(
            "The full report and what to do about each rule are in the latest spcheck report."
        )
    return subject, "\n".join(lines)
