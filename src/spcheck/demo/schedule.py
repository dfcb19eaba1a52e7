"""The story dated: each chapter's notification week counted back from the demo's ``as_of``,
its definition and sample list, and every upload with its local time.

Pure apart from ``write_definitions``. No week is paused, so week N of an inspection
starts N calendar weeks after its notification Monday.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from spcheck.demo.documents import build, case_record
from spcheck.demo.story import Chapter, Moment, RecordKind
from spcheck.domain.policy import Policy

LONDON = ZoneInfo("Europe/London")
# The demo looks at the day as an SSO would at the end of it (as `spcheck check --as-of` does).
END_OF_DAY = dt.time(17, 0)
PROGRAMME = "children-at-risk-of-harm"


def demo_moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=LONDON)


def case_reference(prefix: str, number: int) -> str:
    """The ``number``-th case reference of a partnership: distinct for 1 to 9000 (7919 and
    9000 are coprime), and the same on every run, so every run tells the same story."""
    return f"{prefix}-{1000 + (number * 7919) % 9000}"


@dataclass(frozen=True, slots=True)
class SampleRow:
    record_id: str
    kind: RecordKind
    network_of_support: bool


@dataclass(frozen=True, slots=True)
class Delivery:
    """One file uploaded by a partnership contact at a local time."""

    at: dt.datetime
    folder: str  # policy folder key
    name: str
    content: bytes
    by: str


@dataclass(frozen=True, slots=True)
class Link:
    """A sharing link someone makes on a policy folder at a local time."""

    at: dt.datetime
    folder: str
    link_type: str
    scope: str


@dataclass(frozen=True, slots=True)
class Attestation:
    """A step the SSO records (``spcheck attest``) at a local time."""

    at: dt.datetime
    milestone: str
    value: int | None
    note: str


@dataclass(frozen=True, slots=True)
class Acceptance:
    """A finding the SSO accepts after yesterday's check (``spcheck accept``)."""

    rule: str
    location: str
    reason: str


@dataclass(frozen=True, slots=True)
class Grant:
    """Access someone gives a person on a policy folder from SharePoint, at a local time."""

    at: dt.datetime
    folder: str
    email: str
    role: str


@dataclass(frozen=True, slots=True)
class Scene:
    """A chapter on the calendar."""

    chapter: Chapter
    inspection_id: str
    notified: dt.date  # the notification Monday
    provision_at: dt.datetime
    sample: tuple[SampleRow, ...] | None
    deliveries: tuple[Delivery, ...]
    links: tuple[Link, ...]
    attestations: tuple[Attestation, ...] = ()
    acceptances: tuple[Acceptance, ...] = ()
    grants: tuple[Grant, ...] = ()
    reading_from: dt.datetime | None = None
    team_provision_at: dt.datetime | None = None

    def happenings(self) -> tuple[Delivery | Link | Grant, ...]:
        """Uploads, planted links and access given by hand, in time order."""
        merged: list[Delivery | Link | Grant] = [*self.deliveries, *self.links, *self.grants]
        return tuple(sorted(merged, key=lambda item: item.at))

    @property
    def sample_file(self) -> str | None:
        return f"{self.inspection_id}.sample.csv" if self.sample is not None else None

    def definition(self) -> dict[str, Any]:
        partnership = self.chapter.partnership
        data: dict[str, Any] = {
            "id": self.inspection_id,
            "partnership": partnership.name,
            "programme": PROGRAMME,
            "notification_date": self.notified,
            "allowed_domains": list(partnership.domains),
            "contacts": [
                {"name": p.name, "email": p.email, "role": p.role}
                | ({"folders": list(p.folders)} if p.folders is not None else {})
                for p in partnership.people
            ],
        }
        if self.reading_from is not None:
            data["deadline_overrides"] = {"records-reading_from": self.reading_from.date()}
        if self.chapter.team:
            data["team"] = [
                {"name": p.name, "email": p.email, "role": p.role}
                | ({"organisation": p.organisation} if p.organisation else {})
                for p in self.chapter.team
            ]
        if self.sample_file is not None:
            data["sample"] = self.sample_file
        return data

    def sample_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["record_id", "kind", "network_of_support"])
        for row in self.sample or ():
            writer.writerow([row.record_id, row.kind, str(row.network_of_support).lower()])
        return out.getvalue()


def dated(notified: dt.date, moment: Moment) -> dt.datetime:
    day = notified + dt.timedelta(weeks=moment.week, days=moment.weekday)
    return dt.datetime.combine(day, moment.time, tzinfo=LONDON)


def _network_of_support(index: int, sample: int, flagged: int) -> bool:
    """Every ``sample // flagged``-th record of the sample, ``flagged`` of them in all."""
    if flagged <= 0:
        return False
    step = max(1, sample // flagged)
    return index % step == 0 and index // step < flagged


def sample_list(prefix: str, policy: Policy) -> tuple[SampleRow, ...]:
    """The policy's counts (60 + 15, 12 of the 60 flagged for network-of-support meetings)."""
    rules = policy.sample
    rows = [
        SampleRow(
            case_reference(prefix, index + 1),
            "sample",
            _network_of_support(index, rules.sample, rules.network_of_support),
        )
        for index in range(rules.sample)
    ]
    rows += [
        SampleRow(case_reference(prefix, n), "reserve", False)
        for n in range(rules.sample + 1, rules.sample + rules.reserve + 1)
    ]
    return tuple(rows)


def _records(chapter: Chapter, notified: dt.date, sample: Sequence[SampleRow]) -> list[Delivery]:
    partnership = chapter.partnership.name
    deliveries = []
    for drop in chapter.records:
        wanted = [row.record_id for row in sample if row.kind == drop.kind]
        sent = wanted[: len(wanted) - drop.withheld]
        for index, record_id in enumerate(sent):
            # Round the days, a minute apart within a day, as a person works down a list.
            day, nth = index % drop.days, index // drop.days
            when = dated(notified, drop.start.plus_working_days(day)) + dt.timedelta(minutes=nth)
            deliveries.append(
                Delivery(
                    when,
                    drop.folder,
                    f"{record_id}.txt",
                    case_record(record_id, partnership),
                    drop.by,
                )
            )
    return deliveries


def stage(chapter: Chapter, as_of: dt.datetime, policy: Policy) -> Scene:
    """The chapter placed so that ``as_of`` falls in its week ``chapter.week``."""
    today = as_of.astimezone(LONDON).date()
    notified = today - dt.timedelta(days=today.weekday(), weeks=chapter.week)
    partnership = chapter.partnership
    prefix = partnership.case_prefix
    sample = sample_list(prefix, policy) if chapter.has_sample else None
    listed = len(sample or ())
    pir_cases = [case_reference(prefix, n) for n in range(1, chapter.pir_cases + 1)]
    deliveries = [
        Delivery(
            dated(notified, drop.at),
            drop.folder,
            drop.name,
            build(drop.document, partnership.name, pir_cases),
            drop.by,
        )
        for drop in chapter.files
    ]
    if sample is not None:
        deliveries += _records(chapter, notified, sample)
    for number, stray in enumerate(chapter.strays, start=listed + 1):
        record_id = case_reference(prefix, number)
        deliveries.append(
            Delivery(
                dated(notified, stray.at),
                stray.folder,
                f"{record_id}.txt",
                case_record(record_id, partnership.name),
                stray.by,
            )
        )
    links = tuple(
        Link(dated(notified, link.at), link.folder, link.link_type, link.scope)
        for link in chapter.links
    )
    attestations = tuple(
        Attestation(dated(notified, step.at), step.milestone, step.value, step.note)
        for step in chapter.attested
    )
    reserves = [row.record_id for row in sample or () if row.kind == "reserve"]
    acceptances = tuple(
        Acceptance("records.missing", f"record {reserves[-1]}", accepted.reason)
        for accepted in chapter.accepted
        if reserves
    )
    return Scene(
        chapter=chapter,
        inspection_id=f"{partnership.slug}-{notified.year}",
        notified=notified,
        provision_at=dated(notified, chapter.provision_at),
        sample=sample,
        deliveries=tuple(sorted(deliveries, key=lambda d: (d.at, d.folder, d.name))),
        links=links,
        attestations=attestations,
        acceptances=acceptances,
        grants=tuple(
            Grant(dated(notified, g.at), g.folder, g.email, g.role) for g in chapter.hand_grants
        ),
        reading_from=_dated_or_none(notified, chapter.reading_from),
        team_provision_at=_dated_or_none(notified, chapter.team_provision_at),
    )


def _dated_or_none(notified: dt.date, moment: Moment | None) -> dt.datetime | None:
    return None if moment is None else dated(notified, moment)


def write_definitions(scenes: Sequence[Scene], directory: Path) -> None:
    """``<id>.yaml`` and ``<id>.sample.csv`` for each scene, as an SSO would keep them."""
    for scene in scenes:
        text = yaml.safe_dump(scene.definition(), sort_keys=False, allow_unicode=True)
        (directory / f"{scene.inspection_id}.yaml").write_text(
            f"# spcheck demo: {scene.chapter.stage}\n{text}", encoding="utf-8"
        )
        if scene.sample_file is not None:
            (directory / scene.sample_file).write_text(scene.sample_csv(), encoding="utf-8")
