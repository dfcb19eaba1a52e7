"""`spcheck timeline`: an inspection's weeks and deadlines as a table or JSON.

Dates the policy marks as local defaults (its ``local_defaults``: not in the
programme's schedule) say so, unless the definition set them for this inspection,
and every local default is listed, to be confirmed with the inspection lead.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from spcheck.domain.timeline import Timeline
from spcheck.loader import LoadedInspection

TIMELINE_SCHEMA = "spcheck.timeline/v1"


def _local(loaded: LoadedInspection, key: str, override: str) -> str | None:
    """Why a date is a local default; None when the programme gives it or it was set here."""
    if override in loaded.inspection.deadline_overrides:
        return None
    return loaded.policy.local_default(key)


def timeline_document(loaded: LoadedInspection, today: dt.datetime) -> dict[str, Any]:
    inspection = loaded.inspection
    policy = loaded.policy
    timeline = Timeline(inspection, policy)
    local_today = (today if today.tzinfo else today.replace(tzinfo=timeline.zone)).astimezone(
        timeline.zone
    )
    return {
        "schema": TIMELINE_SCHEMA,
        "id": inspection.id,
        "partnership": inspection.partnership,
        "programme": inspection.programme,
        "notification_week": inspection.notification_monday.isoformat(),
        "paused_weeks": [monday.isoformat() for monday in inspection.paused_weeks],
        "as_of": local_today.isoformat(),
        "week": timeline.week_of(local_today.date()),
        "milestones": [
            {
                "id": item.milestone.id,
                "title": item.milestone.title,
                "week": item.week,
                "due": item.due.isoformat(),
                "overridden": item.overridden,
                "moved_from": item.moved_from.isoformat() if item.moved_from else None,
                "waived": item.milestone.id in inspection.waived,
                "satisfied_by": item.milestone.satisfied_by.kind,
                "working_days_left": _days_left(timeline, local_today, item.due),
                "local_default": _local(
                    loaded, f"milestones.{item.milestone.id}.due", item.milestone.id
                ),
            }
            for item in timeline.milestones
        ],
        "access": {
            "from": timeline.access_from.isoformat(),
            "until": timeline.access_until.isoformat(),
            "local_default": _local(loaded, "access.grant_from", "access_from")
            or _local(loaded, "access.revoke_after", "access_until"),
        },
        # The inspection team's windows (the policy's team.windows), added in v1: readers
        # of older documents find none.
        "team_windows": [
            {"name": name, "from": opens.isoformat(), "until": until.isoformat()}
            for name in policy.team.windows
            for opens, until in [timeline.team_window(name)]
        ],
        "local_defaults": [
            {"key": key, "note": note} for key, note in policy.local_defaults.items()
        ],
    }


def _days_left(timeline: Timeline, today: dt.datetime, due: dt.datetime) -> int:
    if due < today:
        return -timeline.calendar.working_days_after(due.date(), today.date())
    return timeline.calendar.working_days_after(today.date(), due.date())


def render_timeline(loaded: LoadedInspection, today: dt.datetime, fmt: str) -> None:
    document = timeline_document(loaded, today)
    if fmt == "json":
        print(json.dumps(document, indent=2))
        return
    console = Console()
    zone = ZoneInfo(loaded.policy.calendar.timezone)
    week = document["week"]
    week_text = "paused or not started" if week is None else f"week {week}"
    console.print(
        f"[bold]{document['partnership']}[/bold] ({document['id']}), "
        f"notified week of {document['notification_week']}; today {document['as_of'][:10]} "
        f"is {week_text}"
    )
    if document["paused_weeks"]:
        console.print("paused weeks (not counted): " + ", ".join(document["paused_weeks"]))
    # Short notes keep the table readable in 80 columns; the legend below says what they mean.
    table = Table("milestone", "week", "due", "left", "note")
    table.columns[0].min_width = 22
    table.columns[2].no_wrap = True
    for item in document["milestones"]:
        notes = []
        if item["overridden"]:
            notes.append("set for this inspection")
        if item["moved_from"]:
            notes.append(f"moved from {item['moved_from']} (holiday)")
        if item["waived"]:
            notes.append("waived")
        if item["satisfied_by"] == "attested":
            notes.append("attested")
        if item["local_default"]:
            notes.append("local default")
        due = dt.datetime.fromisoformat(item["due"]).astimezone(zone)
        table.add_row(
            Text(item["id"], style="bold") + Text("\n" + item["title"]),
            str(item["week"]),
            due.strftime("%a %d %b %Y %H:%M %Z"),
            str(item["working_days_left"]),
            "; ".join(notes),
        )
    console.print(table)
    console.print("left: working days until the milestone is due")
    if any(item["satisfied_by"] == "attested" for item in document["milestones"]):
        console.print("attested: met when the SSO records it (spcheck attest)")
    access = document["access"]
    local = " (local default: confirm with the inspection lead)" if access["local_default"] else ""
    console.print(
        f"partnership access: from {dt.datetime.fromisoformat(access['from']):%a %d %b %Y %H:%M}"
        f" until {dt.datetime.fromisoformat(access['until']):%a %d %b %Y %H:%M}{local}"
    )
    for window in document["team_windows"]:
        opens = dt.datetime.fromisoformat(window["from"])
        until = dt.datetime.fromisoformat(window["until"])
        console.print(
            f"team window {window['name']}: from {opens:%a %d %b %Y %H:%M} until "
            f"{until:%a %d %b %Y %H:%M}",
            highlight=False,
        )
    if document["local_defaults"]:
        console.print(
            "local defaults (not in the programme's schedule; the policy chose them: confirm "
            "each with the inspection lead):"
        )
        for entry in document["local_defaults"]:
            console.print(f"  {entry['key']}: {entry['note']}", highlight=False)
