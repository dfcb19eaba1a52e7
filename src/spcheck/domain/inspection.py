"""An inspection definition (docs/inspection-format.md) and its sample list.

Validation that needs only the file itself lives on the models; checks against
the programme policy (milestone and folder keys, the sample's counts) are in
``check_against_policy`` so a definition can be read before its policy.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from spcheck.domain.policy import Access, Policy, SampleRules, TeamRoleName

INSPECTION_ID = r"^[a-z0-9-]{3,40}$"
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?P<domain>[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$"
)
_DOMAIN = re.compile(
    r"^(?=.{3,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"
)


def is_email_address(text: str) -> bool:
    """``name@domain.tld`` with the characters a mailbox address may hold."""
    return _EMAIL.match(text) is not None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContactRole(StrEnum):
    """A coordinator and an uploader may write where the policy lets the partnership write."""

    COORDINATOR = "coordinator"
    UPLOADER = "uploader"
    VIEWER = "viewer"


class Person(Strict):
    """Someone a definition names, by their own address (kept in lower case)."""

    name: str = Field(min_length=1, max_length=120)
    email: str
    folders: list[str] | None = None

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("not an email address")
        return value.lower()

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]


class Contact(Person):
    role: ContactRole = ContactRole.UPLOADER


class TeamMember(Person):
    """A person of the inspection team: Care Inspectorate staff, a scrutiny partner, an
    associate assessor, a young inspection volunteer or one of the partnership's local
    record readers. What the role may use, and when, is the policy's (``team.roles``);
    ``folders`` narrows it to some of those folders."""

    role: TeamRoleName
    organisation: str | None = Field(default=None, min_length=1, max_length=120)


def domain_allowed(domain: str, allowed: list[str]) -> bool:
    """An address at an allowed domain or at one of its subdomains."""
    return any(domain == entry or domain.endswith("." + entry) for entry in allowed)


class Inspection(Strict):
    id: Annotated[str, Field(pattern=INSPECTION_ID)]
    partnership: str = Field(min_length=1, max_length=200)
    programme: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
    notification_date: dt.date
    paused_weeks: list[dt.date] = Field(default_factory=list)
    deadline_overrides: dict[str, dt.date | dt.datetime] = Field(default_factory=dict)
    waived: list[str] = Field(default_factory=list)
    extra_holidays: list[dt.date] = Field(default_factory=list)
    allowed_domains: list[str] = Field(min_length=1)
    contacts: list[Contact] = Field(default_factory=list)
    team: list[TeamMember] = Field(default_factory=list)
    sample: str | None = None
    published_on: dt.date | None = None

    @field_validator("paused_weeks")
    @classmethod
    def _mondays(cls, value: list[dt.date]) -> list[dt.date]:
        for index, monday in enumerate(value):
            if monday.weekday() != 0:
                raise ValueError(f"item {index}: {monday.isoformat()} is not a Monday")
        if len(set(value)) != len(value):
            raise ValueError("a week is listed twice")
        return sorted(value)

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        cleaned = [entry.strip().lower() for entry in value]
        for index, entry in enumerate(cleaned):
            if not _DOMAIN.match(entry):
                raise ValueError(f"item {index}: {entry!r} is not a domain name")
        return cleaned

    @field_validator("sample")
    @classmethod
    def _sample_name(cls, value: str | None) -> str | None:
        if value is not None and (not value.endswith(".csv") or "/" in value or "\\" in value):
            raise ValueError("expected the name of a .csv file beside the definition")
        return value

    @model_validator(mode="after")
    def _contacts(self) -> Inspection:
        seen: dict[str, int] = {}
        for index, contact in enumerate(self.contacts):
            if contact.email in seen:
                raise ValueError(
                    f"contacts.{index}.email: duplicate contact {contact.email} "
                    f"(also contacts.{seen[contact.email]})"
                )
            seen[contact.email] = index
            if not domain_allowed(contact.domain, self.allowed_domains):
                raise ValueError(
                    f"contacts.{index}.email: domain {contact.domain} is not in allowed_domains"
                )
        members: dict[str, int] = {}
        for index, member in enumerate(self.team):
            if member.email in members:
                raise ValueError(
                    f"team.{index}.email: duplicate team member {member.email} "
                    f"(also team.{members[member.email]})"
                )
            members[member.email] = index
            if member.email in seen:
                raise ValueError(
                    f"team.{index}.email: {member.email} is also contacts.{seen[member.email]}; "
                    "a person is either a partnership contact or a member of the team"
                )
        first_monday = self.notification_date - dt.timedelta(days=self.notification_date.weekday())
        for index, monday in enumerate(self.paused_weeks):
            if monday <= first_monday:
                raise ValueError(
                    f"paused_weeks.{index}: {monday.isoformat()} is not after the notification week"
                )
        return self

    @property
    def notification_monday(self) -> dt.date:
        return self.notification_date - dt.timedelta(days=self.notification_date.weekday())

    def contact(self, email: str) -> Contact | None:
        wanted = email.lower()
        return next((c for c in self.contacts if c.email == wanted), None)

    def member(self, email: str) -> TeamMember | None:
        wanted = email.lower()
        return next((m for m in self.team if m.email == wanted), None)


def check_against_policy(inspection: Inspection, policy: Policy) -> None:
    """Raise ValueError naming the field when the definition refers to what the policy lacks."""
    milestone_ids = {m.id for m in policy.milestones}
    windows = {f"{name}_{end}" for name in policy.team.windows for end in ("from", "until")}
    override_keys = milestone_ids | {"access_from", "access_until"} | windows
    for key in inspection.deadline_overrides:
        if key not in override_keys:
            known = ", ".join(sorted(override_keys))
            raise ValueError(
                f"deadline_overrides.{key}: unknown milestone or window (known: {known})"
            )
    for index, key in enumerate(inspection.waived):
        if key not in milestone_ids:
            raise ValueError(f"waived.{index}: unknown milestone {key!r}")
    folder_keys = {f.key: f for f in policy.folders}
    for index, contact in enumerate(inspection.contacts):
        for position, key in enumerate(contact.folders or []):
            folder = folder_keys.get(key)
            if folder is None:
                raise ValueError(f"contacts.{index}.folders.{position}: unknown folder {key!r}")
            if folder.partnership_access is Access.NONE:
                where = f"contacts.{index}.folders.{position}"
                raise ValueError(f"{where}: folder {key!r} is closed to the partnership")
    for index, member in enumerate(inspection.team):
        role = policy.team.roles.get(member.role)
        if role is None:
            known = ", ".join(policy.team.roles) or "none"
            raise ValueError(
                f"team.{index}.role: the policy's team.roles has no {member.role!r} "
                f"(known: {known})"
            )
        given = {key for access in role.access for key in access.folders}
        for position, key in enumerate(member.folders or []):
            if key not in given:
                raise ValueError(
                    f"team.{index}.folders.{position}: the {member.role} role gives no "
                    f"access to folder {key!r}"
                )


class RecordKind(StrEnum):
    SAMPLE = "sample"
    RESERVE = "reserve"


class SampleRecord(Strict):
    record_id: str
    kind: RecordKind
    network_of_support: bool
    line: int


class SampleList(Strict):
    records: tuple[SampleRecord, ...]

    def ids(self, kind: Literal["sample", "reserve"] | None = None) -> list[str]:
        return [r.record_id for r in self.records if kind is None or r.kind == kind]

    def by_id(self) -> dict[str, SampleRecord]:
        return {r.record_id.casefold(): r for r in self.records}


@dataclass(frozen=True, slots=True)
class SampleCount:
    """One of the counts the policy sets for a sample list, as found in a list."""

    name: Literal["sample", "reserve", "network_of_support"]
    found: int
    expected: int

    @property
    def right(self) -> bool:
        return self.found == self.expected

    def describe(self) -> str:
        what = {
            "sample": "sample records",
            "reserve": "reserves",
            "network_of_support": "sample records for network of support meetings",
        }[self.name]
        return f"{self.found} {what} where the policy expects {self.expected}"


def sample_counts(sample: SampleList, rules: SampleRules) -> tuple[SampleCount, ...]:
    """Each count of the list against the policy's: 60 sample, 15 reserve, 12 of the 60."""
    return (
        SampleCount("sample", len(sample.ids("sample")), rules.sample),
        SampleCount("reserve", len(sample.ids("reserve")), rules.reserve),
        SampleCount(
            "network_of_support",
            sum(r.network_of_support for r in sample.records),
            rules.network_of_support,
        ),
    )
