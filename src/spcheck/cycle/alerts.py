"""Alerts to the SSO: each new error finding once, and a note when it has cleared or been
accepted; with each finding's history (new, or open since when) and any acceptance that
lapsed.

Composition is pure; sending goes through the gateway's ``sendMail``. Messages
carry rule ids, paths and masked values only (the rules have masked them; names and
reasons the SSO typed are masked the same way).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from spcheck.domain.findings import Finding, Severity, finding_key
from spcheck.domain.history import Ended, FindingNote, FindingState, Resolved
from spcheck.outward import neutralise, visible
from spcheck.report.document import shown
from spcheck.rules.interface import InspectionResult
from spcheck.rules.privacy import redact


@dataclass(frozen=True, slots=True)
class InspectionAlert:
    inspection_id: str
    partnership: str
    new: tuple[Finding, ...]
    resolved: tuple[str, ...]  # finding keys that no longer appear
    accepted: tuple[str, ...] = ()  # finding keys alerted on before and accepted since
    notes: Mapping[str, FindingNote] = field(default_factory=lambda: MappingProxyType({}))
    gone: Mapping[str, Resolved] = field(default_factory=lambda: MappingProxyType({}))
    lapsed: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def empty(self) -> bool:
        return not self.new and not self.resolved and not self.accepted


def changes(
    result: InspectionResult, alerted: set[str], ended: Sequence[Ended] = ()
) -> InspectionAlert:
    """New live error findings not yet alerted, and alerted ones now gone or accepted."""
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    live = {finding_key(f): f for f in errors if not result.is_accepted(f)}
    accepted = {finding_key(f) for f in errors if result.is_accepted(f)}
    new = tuple(f for key, f in live.items() if key not in alerted)
    gone = alerted - set(live)
    return InspectionAlert(
        result.id,
        result.partnership,
        new,
        tuple(sorted(gone - accepted)),
        tuple(sorted(gone & accepted)),
        result.notes,
        MappingProxyType({r.key: r for r in result.resolved}),
        MappingProxyType({e.acceptance.key: e.reason for e in ended}),
    )


def _describe_key(key: str) -> str:
    return " ".join(part for part in key.split("|") if part)


def _days(start: dt.datetime, end: dt.datetime) -> str:
    days = max(0, (end - start).days)
    return "1 day" if days == 1 else f"{days} days"


def _history(note: FindingNote | None, lapsed: str | None) -> str:
    if lapsed is not None:
        return f" (its acceptance lapsed: {redact(lapsed)})"
    if note is None or note.state is FindingState.NEW:
        return " (new)" if note is None or not note.reopened else " (new: it was resolved before)"
    return f" (open for {_days(note.first_seen, note.last_seen)}, since {shown(note.first_seen)})"


def _lines(alert: InspectionAlert) -> list[str]:
    lines = [f"{alert.partnership} ({alert.inspection_id})"]
    for finding in alert.new:
        key = finding_key(finding)
        where = f" [{finding.path}]" if finding.path else ""
        history = _history(alert.notes.get(key), alert.lapsed.get(key))
        lines.append(f"  NEW {finding.rule}{where}: {finding.message}{history}")
    for key in alert.resolved:
        gone = alert.gone.get(key)
        after = f" (open {_days(gone.first_seen, gone.resolved_at)})" if gone else ""
        lines.append(f"  RESOLVED {_describe_key(key)}{after}")
    for key in alert.accepted:
        note = alert.notes.get(key)
        accepted = note.accepted if note is not None else None
        said = (
            f" by {redact(accepted.by)} until {shown(accepted.until)}: {redact(accepted.reason)}"
            if accepted is not None
            else ""
        )
        lines.append(f"  ACCEPTED {_describe_key(key)}{said}")
    return lines


def compose(
    alerts: Sequence[InspectionAlert], site: str, report_at: str | None = None
) -> tuple[str, str]:
    """Subject and plain-text body for one mail covering every inspection with changes;
    ``report_at`` says where this cycle's report is written, when it is."""
    # Paths and messages quote names from the partnership: no control character in a mail.
    alerts = neutralise(tuple(alerts))
    site = visible(site)
    new = sum(len(a.new) for a in alerts)
    resolved = sum(len(a.resolved) for a in alerts)
    accepted = sum(len(a.accepted) for a in alerts)
    ids = ", ".join(a.inspection_id for a in alerts)
    also = f", {accepted} accepted" if accepted else ""
    subject = f"spcheck: {new} new problem(s), {resolved} resolved{also} ({ids})"
    lines = [f"spcheck checked {site}.", ""]
    for alert in alerts:
        lines += _lines(alert)
        lines.append("")
    if report_at:
        lines.append(f"The full report, with what to do about each problem: {report_at}")
    else:
        lines.append(
            "The full report and what to do about each rule are in the latest spcheck report."
        )
    return subject, "\n".join(lines)
