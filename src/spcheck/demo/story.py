"""The demo's story, as data: three inspections at different stages, who uploads what, when.

Times are counted weeks of each inspection (week 0 is the notification week), so the
stages hold on whatever day the demo runs: ``schedule`` dates them back from ``as_of``.

- A, Kinloch and Strath, week 3: provisioned in week 2; the PIR has just come in.
- B, Glenmorven, week 8 (records reading): the PIR came in on time, but 6 sample
  records and 2 reserves never arrived, one record not on the sample list did, the
  training assessment's "redaction" is black boxes over text that can still be copied
  (a child's name, CHI number and address), and someone shared the records folder
  with an anonymous link. The SSO recorded the survey count, PD1 and the survey's
  close as they happened, but the record-reader training is not arranged yet; after
  yesterday's check the inspection lead agreed that one reserve may come in week 9,
  and the SSO accepted that finding. Records reading began a week early (Monday of
  week 7, agreed with the partnership): that morning the SSO provisioned the team, so a
  scrutiny partner reads the two records folders and a local record reader the
  training folder, each until their window ends; the inspection lead, Care
  Inspectorate staff, is given nothing (the site gives her access).
- C, Lochmerrin, week 16: everything arrived on time and the training copy is
  properly redacted, every step the SSO attests was recorded on time. spcheck's
  grants expired with the access window after week 13, but in week 9 someone
  re-shared the position statement folder with the coordinator from SharePoint,
  with no expiry, and nobody offboarded: that access is still there.

Every person, place and case reference is fictional; domains end in ``.example``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from spcheck.demo.documents import Document

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = range(5)
RecordKind = Literal["sample", "reserve"]


@dataclass(frozen=True, slots=True)
class Moment:
    """A local time in an inspection's counted weeks (no week of the demo is paused)."""

    week: int
    weekday: int  # 0 Monday ... 6 Sunday
    time: dt.time

    def plus_working_days(self, days: int) -> Moment:
        """The same time ``days`` weekdays later (uploads happen on weekdays)."""
        week, weekday = self.week, self.weekday
        for _ in range(days):
            weekday += 1
            if weekday > FRIDAY:
                week, weekday = week + 1, MONDAY
        return Moment(week, weekday, self.time)


def at(week: int, weekday: int, hhmm: str) -> Moment:
    return Moment(week, weekday, dt.time.fromisoformat(hhmm))


@dataclass(frozen=True, slots=True)
class Person:
    email: str
    name: str
    role: Literal["coordinator", "uploader", "viewer"]
    folders: tuple[str, ...] | None = None  # policy folder keys; None: every open folder


@dataclass(frozen=True, slots=True)
class TeamPerson:
    """A member of the inspection team (the definition's ``team``)."""

    email: str
    name: str
    role: str  # a role of the policy's team.roles
    organisation: str | None = None


@dataclass(frozen=True, slots=True)
class Partnership:
    name: str
    slug: str  # the inspection id is <slug>-<year notified>
    case_prefix: str  # its case references look like GM-4821
    domains: tuple[str, ...]
    people: tuple[Person, ...]


@dataclass(frozen=True, slots=True)
class FileDrop:
    at: Moment
    folder: str  # policy folder key
    name: str
    document: Document
    by: str


@dataclass(frozen=True, slots=True)
class RecordDrop:
    """Records from the sample list, in list order, spread over ``days`` working days."""

    start: Moment
    days: int
    kind: RecordKind
    folder: str
    by: str
    withheld: int = 0  # the last ones on the list never arrive


@dataclass(frozen=True, slots=True)
class StrayRecord:
    """A record uploaded though it is not on the sample list."""

    at: Moment
    folder: str
    by: str


@dataclass(frozen=True, slots=True)
class PlantedLink:
    """A sharing link someone made in SharePoint (spcheck never makes one)."""

    at: Moment
    folder: str
    link_type: Literal["view", "edit"]
    scope: Literal["anonymous", "organization"]


@dataclass(frozen=True, slots=True)
class Attested:
    """A step of the schedule that is not an upload, recorded by the SSO when it happened."""

    at: Moment
    milestone: str
    value: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class AcceptedReserve:
    """After yesterday's check, the SSO accepts that the last reserve comes late."""

    reason: str


@dataclass(frozen=True, slots=True)
class HandGrant:
    """Access someone gave from SharePoint's Share button, with no expiry (never spcheck)."""

    at: Moment
    folder: str
    email: str
    role: Literal["read", "write"]


@dataclass(frozen=True, slots=True)
class Chapter:
    key: str
    partnership: Partnership
    week: int  # the counted week the demo's as_of falls in
    stage: str  # one line for the terminal
    provision_at: Moment
    has_sample: bool
    pir_cases: int  # case references listed in the PIR
    files: tuple[FileDrop, ...] = ()
    records: tuple[RecordDrop, ...] = ()
    strays: tuple[StrayRecord, ...] = ()
    links: tuple[PlantedLink, ...] = ()
    attested: tuple[Attested, ...] = ()
    accepted: tuple[AcceptedReserve, ...] = ()
    hand_grants: tuple[HandGrant, ...] = ()
    team: tuple[TeamPerson, ...] = ()
    # When records reading began, if not when the policy says (a deadline override), and
    # when the SSO provisioned the team's access.
    reading_from: Moment | None = None
    team_provision_at: Moment | None = None
    promises: tuple[str, ...] = ()  # what the report shows, in words (docs and terminal)


# --- the partnerships -------------------------------------------------------------------------

CALLUM = "callum.placeholder@kinloch-council.example"
EILIDH = "eilidh.fictional@nhs-kinloch.example"
FRASER = "fraser.dummy@nhs-kinloch.example"
MORAG = "morag.testperson@glenmorven-council.example"
ISLA = "isla.example@nhs-glenmorven.example"
KIRSTY = "kirsty.madeup@lochmerrin-council.example"
ALASDAIR = "alasdair.testcase@nhs-lochmerrin.example"
RECORDS_FOLDERS = ("records", "records-reserves")

KINLOCH = Partnership(
    name="Kinloch and Strath Community Planning Partnership",
    slug="kinloch",
    case_prefix="KS",
    domains=("kinloch-council.example", "nhs-kinloch.example"),
    people=(
        Person(CALLUM, "Callum Placeholder", "coordinator"),
        Person(EILIDH, "Eilidh Fictional", "uploader", ("pir", "position-statement", "training")),
        Person(FRASER, "Fraser Dummy", "uploader", RECORDS_FOLDERS),
    ),
)
GLENMORVEN = Partnership(
    name="Glenmorven Community Planning Partnership",
    slug="glenmorven",
    case_prefix="GM",
    domains=("glenmorven-council.example", "nhs-glenmorven.example"),
    people=(
        Person(MORAG, "Morag Testperson", "coordinator"),
        Person(ISLA, "Isla Example", "uploader", RECORDS_FOLDERS),
    ),
)
LOCHMERRIN = Partnership(
    name="Lochmerrin Community Planning Partnership",
    slug="lochmerrin",
    case_prefix="LM",
    domains=("lochmerrin-council.example", "nhs-lochmerrin.example"),
    people=(
        Person(KIRSTY, "Kirsty Madeup", "coordinator"),
        Person(ALASDAIR, "Alasdair Testcase", "uploader", RECORDS_FOLDERS),
    ),
)

SSO = "Ailsa Placeholder (SSO)"

# --- the chapters -----------------------------------------------------------------------------

PROVISIONED = at(2, MONDAY, "09:30")  # contacts are named in week 2; access opens then

EARLY = Chapter(
    key="A",
    partnership=KINLOCH,
    week=3,
    stage="week 3: provisioned last week, the pre-inspection return has just come in",
    provision_at=PROVISIONED,
    has_sample=False,
    pir_cases=8,
    files=(FileDrop(at(3, MONDAY, "11:00"), "pir", "PIR.xlsx", Document.PIR, EILIDH),),
    promises=("the PIR milestone is met", "no errors: the sample is chosen next week"),
)
MIDWAY = Chapter(
    key="B",
    partnership=GLENMORVEN,
    week=8,
    stage="week 8, records reading: records incomplete, one unexpected, a failed redaction, "
    "an anonymous link",
    provision_at=PROVISIONED,
    has_sample=True,
    pir_cases=10,
    files=(
        FileDrop(at(3, THURSDAY, "15:10"), "pir", "PIR.xlsx", Document.PIR, MORAG),
        FileDrop(
            at(7, THURSDAY, "16:40"),
            "training",
            "Assessment and plan (training copy).pdf",
            Document.ASSESSMENT_BOXED,
            MORAG,
        ),
        FileDrop(
            at(7, THURSDAY, "16:45"),
            "training",
            "Training plan.docx",
            Document.TRAINING_PLAN,
            MORAG,
        ),
    ),
    records=(
        RecordDrop(at(5, TUESDAY, "10:00"), 8, "sample", "records", ISLA, withheld=6),
        RecordDrop(at(7, TUESDAY, "10:00"), 2, "reserve", "records-reserves", ISLA, withheld=2),
    ),
    strays=(StrayRecord(at(6, WEDNESDAY, "14:20"), "records", ISLA),),
    links=(PlantedLink(at(6, TUESDAY, "12:05"), "records", "view", "anonymous"),),
    attested=(
        Attested(at(3, THURSDAY, "16:00"), "survey-distribution", value=212),
        Attested(at(4, WEDNESDAY, "12:30"), "pd1", note="held online"),
        Attested(at(6, FRIDAY, "17:30"), "survey-closed"),
    ),
    accepted=(
        AcceptedReserve(
            "the partnership's records system is being migrated; the inspection lead "
            "agreed this reserve may come in week 9"
        ),
    ),
    team=(
        TeamPerson(
            "alex.scrutineer@scrutiny-body.example",
            "Alex Scrutineer",
            "scrutiny-partner",
            "Another Scrutiny Body",
        ),
        TeamPerson(
            "ruth.readwell@glenmorven-council.example", "Ruth Readwell", "local-record-reader"
        ),
        TeamPerson(
            "fiona.leadperson@careinspectorate.example", "Fiona Leadperson", "inspection-lead"
        ),
    ),
    reading_from=at(7, MONDAY, "00:00"),
    team_provision_at=at(7, MONDAY, "09:00"),
    promises=(
        "records.missing: 6 sample records and 2 reserves not uploaded, one of them accepted",
        "records.unexpected: a record that is not on the sample list",
        "content.bad_redaction: text under black boxes in the training copy",
        "permission.anonymous_link: the records folder shared by an anonymous link",
        "deadline.overdue: the record-reader training is not arranged",
        "no team finding: the scrutiny partner reads the records folders and the local record "
        "reader the training folder, each until their window ends",
    ),
)
FINISHED = Chapter(
    key="C",
    partnership=LOCHMERRIN,
    week=16,
    stage="week 16, finished: everything in on time; spcheck's grants expired after week 13, "
    "but access re-shared by hand in week 9 never expires and nobody offboarded",
    provision_at=PROVISIONED,
    has_sample=True,
    pir_cases=9,
    files=(
        FileDrop(at(3, WEDNESDAY, "10:20"), "pir", "PIR.xlsx", Document.PIR, KIRSTY),
        FileDrop(
            at(7, TUESDAY, "11:00"),
            "training",
            "Assessment and plan (redacted).pdf",
            Document.ASSESSMENT_REDACTED,
            KIRSTY,
        ),
        FileDrop(
            at(7, TUESDAY, "11:05"),
            "training",
            "Training plan.docx",
            Document.TRAINING_PLAN,
            KIRSTY,
        ),
        FileDrop(
            at(9, THURSDAY, "15:30"),
            "position-statement",
            "Position statement.docx",
            Document.POSITION_STATEMENT,
            KIRSTY,
        ),
    ),
    records=(
        RecordDrop(at(5, MONDAY, "09:00"), 7, "sample", "records", ALASDAIR),
        RecordDrop(at(6, WEDNESDAY, "09:00"), 2, "reserve", "records-reserves", ALASDAIR),
    ),
    attested=(
        Attested(at(3, WEDNESDAY, "15:00"), "survey-distribution", value=187),
        Attested(at(4, TUESDAY, "11:00"), "pd1", note="held in person"),
        Attested(at(6, FRIDAY, "17:15"), "survey-closed"),
        Attested(at(7, MONDAY, "10:00"), "reader-training"),
    ),
    hand_grants=(HandGrant(at(9, THURSDAY, "15:00"), "position-statement", KIRSTY, "write"),),
    promises=(
        "every milestone met",
        "no finding for spcheck's grants: they expired with the access window",
        "permission.outside_window: the coordinator's access re-shared by hand never expires",
    ),
)

STORY: tuple[Chapter, ...] = (EARLY, MIDWAY, FINISHED)
