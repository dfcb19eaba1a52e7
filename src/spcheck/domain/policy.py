"""The programme policy (docs/policy-format.md): data, validated strictly on load.

Unknown keys are errors everywhere (``extra="forbid"``) so that a typo in a
policy never silently turns a rule off.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from spcheck.domain.catalogue import RULE_IDS, default_severity
from spcheck.domain.findings import Severity

POLICY_SCHEMA = "spcheck.policy/v1"
KEY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# SharePoint refuses these in a file or folder name.
_BAD_NAME_CHARS = re.compile(r'["*:<>?/\\|#%]')

Key = Annotated[str, Field(pattern=KEY_PATTERN)]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HolidayShift(StrEnum):
    NEXT_WORKING_DAY = "next_working_day"
    PREVIOUS_WORKING_DAY = "previous_working_day"
    KEEP = "keep"


class Access(StrEnum):
    WRITE = "write"
    READ = "read"
    NONE = "none"


class Due(Strict):
    """A point in the inspection's week grid: ``week`` counted from the notification week (0)."""

    week: int = Field(ge=0, le=104)
    weekday: Weekday
    time: dt.time = dt.time(23, 59)

    @property
    def weekday_index(self) -> int:
        return WEEKDAYS.index(self.weekday)

    @field_validator("time", mode="before")
    @classmethod
    def _time_from_text(cls, value: object) -> object:
        # YAML 1.1 reads 17:00 as the sexagesimal integer 1020; insist on a quoted string.
        if isinstance(value, int):
            raise ValueError('expected a quoted time such as "17:00"')
        return value

    @property
    def order(self) -> tuple[int, int, dt.time]:
        """Where it falls in the week grid, for comparing two points."""
        return (self.week, self.weekday_index, self.time)


class Calendar(Strict):
    timezone: str = "Europe/London"
    holidays_country: str = "GB"
    holidays_subdivision: str | None = "SCT"
    extra_holidays: list[date] = Field(default_factory=list)
    on_holiday: HolidayShift = HolidayShift.NEXT_WORKING_DAY
    due_soon_working_days: int = Field(default=3, ge=0, le=30)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _known_calendar(self) -> Calendar:
        import holidays

        try:
            holidays.country_holidays(self.holidays_country, subdiv=self.holidays_subdivision)
        except NotImplementedError as error:
            raise ValueError(f"unknown holiday calendar: {error}") from None
        return self


PropertyKind = Literal["author", "last_modified_by", "company", "manager", "custom"]
PROPERTY_KINDS: tuple[PropertyKind, ...] = (
    "author",
    "last_modified_by",
    "company",
    "manager",
    "custom",
)


class PropertyRules(Strict):
    """Which document properties are reported as hidden data, and at what severity.

    Reported only where identifiers are forbidden. Most Word files name their author (a
    member of staff): at error every file would fail and the SSO would learn to ignore the
    rule, so by default they are listed at info, and an identifier inside a property is a
    ``content.personal_identifier`` error whatever this says.
    """

    # A tuple: rules are hashed (content verdicts are grouped and cached by them).
    report: tuple[PropertyKind, ...] = PROPERTY_KINDS
    severity: Severity = Severity.INFO


class ContentRules(Strict):
    """What the content checks look for in one folder's files."""

    identifiers: Literal["forbid", "allow"] = "allow"
    redaction: Literal["verify", "none"] = "none"
    hidden_data: Literal["forbid", "allow"] = "forbid"
    word_limit: int | None = Field(default=None, gt=0)
    # Read scanned pages and pictures by OCR where identifiers are forbidden or redaction
    # verified (auto); off leaves them unread, which makes such a file unverifiable.
    ocr: Literal["auto", "off"] = "auto"
    properties: PropertyRules = PropertyRules()

    def reads_pictures(self) -> bool:
        """True when what a reader sees as pixels must be read (or is a gap)."""
        return self.identifiers == "forbid" or self.redaction == "verify"


class Folder(Strict):
    key: Key
    name: str = Field(min_length=1, max_length=120)
    milestone: str | None = None
    partnership_access: Access = Access.NONE
    content: ContentRules = ContentRules()
    holds_records: Literal["sample", "reserve"] | None = None

    @field_validator("name")
    @classmethod
    def _sharepoint_name(cls, value: str) -> str:
        if _BAD_NAME_CHARS.search(value) or value != value.strip() or value.endswith("."):
            raise ValueError('not a valid SharePoint folder name (no " * : < > ? / \\ | # %)')
        return value


class NamedDocument(Strict):
    """A document a ``file`` milestone needs, known by its file name.

    ``match`` holds name patterns as a file manager takes them (``*`` any text, ``?``
    one character), compared with the file's name without regard to case: a file
    matching any of them stands for the document. One file may stand for several
    documents when its name matches each (``Assessment and plan.pdf``).
    """

    name: str = Field(min_length=1, max_length=80)
    match: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field(min_length=1)

    @field_validator("match")
    @classmethod
    def _name_patterns(cls, value: list[str]) -> list[str]:
        for index, pattern in enumerate(value):
            if "/" in pattern or "\\" in pattern:
                raise ValueError(f"item {index}: a pattern matches a file name, not a path")
            if pattern.strip("*?") == "":
                raise ValueError(f"item {index}: {pattern!r} would match any file")
        return value


class Satisfaction(Strict):
    """What meets a milestone.

    ``file``: at least one file in the milestone's folder (``extensions`` narrows it;
    ``documents`` asks for one file per named document instead; with ``checks_pass``
    a file whose content checks found an error, or that could not be checked, does
    not count); ``all_records``: every sample record uploaded, against a sample list
    with the policy's counts; ``contacts``: at least one uploader nominated in the
    inspection definition; ``sample_list``: the sample list loaded with the
    policy's counts; ``attested``: the SSO records that it happened (``spcheck
    attest``), with a number when ``value`` names one.
    """

    kind: Literal["file", "all_records", "contacts", "sample_list", "attested"]
    extensions: list[str] | None = None
    documents: list[NamedDocument] | None = Field(default=None, min_length=1)
    checks_pass: bool = False
    # For an attested milestone: what the number recorded with it counts (it is then required).
    value: str | None = Field(default=None, min_length=1, max_length=120)

    @field_validator("extensions")
    @classmethod
    def _lower_no_dot(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [ext.lower().lstrip(".") for ext in value]

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Satisfaction:
        if self.value is not None and self.kind != "attested":
            raise ValueError("value: only an attested milestone records a number")
        if self.kind != "file":
            for key in ("extensions", "documents"):
                if getattr(self, key) is not None:
                    raise ValueError(f"{key}: only a 'file' milestone has {key}")
            if self.checks_pass:
                raise ValueError("checks_pass: only a 'file' milestone has checks_pass")
        names = [document.name.casefold() for document in self.documents or ()]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise ValueError(f"documents.{index}.name: duplicate {name!r}")
        return self


class Milestone(Strict):
    id: Key
    title: str = Field(min_length=1)
    due: Due
    folder: str | None = None
    satisfied_by: Satisfaction


class FileRules(Strict):
    allowed_extensions: list[str] = Field(min_length=1)
    max_size_mb: int = Field(default=250, gt=0, le=250_000)
    refuse_macro_enabled: bool = True
    refuse_encrypted: bool = True

    @field_validator("allowed_extensions")
    @classmethod
    def _lower_no_dot(cls, value: list[str]) -> list[str]:
        return [ext.lower().lstrip(".") for ext in value]

    @property
    def max_size_bytes(self) -> int:
        return self.max_size_mb * 1024 * 1024

    def allows(self, file_name: str) -> bool:
        _, dot, ext = file_name.rpartition(".")
        return bool(dot) and ext.lower() in self.allowed_extensions


class SharingRules(Strict):
    refused_link_scopes: list[Literal["anonymous", "organization", "users", "existingAccess"]] = [
        "anonymous",
        "organization",
    ]
    partnership_roles: list[Literal["read", "write"]] = ["read", "write"]
    send_invitation: bool = True
    # Care Inspectorate staff given access directly are not partnership contacts.
    staff_domains: list[str] = Field(default_factory=list)

    @field_validator("staff_domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [entry.strip().lower() for entry in value]


class AccessWindow(Strict):
    grant_from: Due
    revoke_after: Due


# The people of an inspection team, by role. The names are fixed: the refusals no policy
# can lift (domain/team.py) are written against them.
TeamRoleName = Literal[
    "inspection-lead",
    "depute-lead",
    "sso",
    "scrutiny-partner",
    "associate-assessor",
    "young-inspection-volunteer",
    "local-record-reader",
]


class TeamWindow(Strict):
    """A span of the inspection in its week grid: access opens at ``from`` (on the grid
    date, even on a holiday) and ends at ``until`` (moved off a holiday as deadlines are)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    opens: Due = Field(alias="from")
    until: Due

    @model_validator(mode="after")
    def _in_order(self) -> TeamWindow:
        if self.until.order <= self.opens.order:
            raise ValueError("until: the window must end after it opens")
        return self


class TeamAccess(Strict):
    """Folders a role may use, with which role, in which window."""

    folders: list[str] = Field(min_length=1)
    role: Literal["read", "write"]
    window: Key

    @field_validator("role", mode="before")
    @classmethod
    def _never_owner(cls, value: object) -> object:
        if isinstance(value, str) and value.lower() == "owner":
            raise ValueError("nobody gets owner: a team role is read or write")
        return value


class TeamRole(Strict):
    title: str = Field(min_length=1, max_length=80)
    access: list[TeamAccess] = Field(default_factory=list)


class TeamRules(Strict):
    """Who on the inspection's side may use which folder, and when (definitions name the
    people in ``team``)."""

    windows: dict[Key, TeamWindow] = Field(default_factory=dict)
    roles: dict[TeamRoleName, TeamRole] = Field(default_factory=dict)


class Retention(Strict):
    destroy_within_days: int = Field(default=365, gt=0)
    folders: list[str] = Field(default_factory=list)


class SampleRules(Strict):
    sample: int = Field(default=60, ge=0)
    reserve: int = Field(default=15, ge=0)
    network_of_support: int = Field(default=12, ge=0)
    record_id_pattern: str = r"^(?=[A-Za-z-]*[0-9])[A-Za-z0-9][A-Za-z0-9-]{1,39}$"
    file_name_pattern: str = (
        r"^(?P<record_id>(?=[A-Za-z-]*[0-9])[A-Za-z0-9][A-Za-z0-9-]{1,39})(?:[ _.-].*)?$"
    )

    @field_validator("record_id_pattern", "file_name_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a valid regular expression: {error}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SampleRules:
        if self.network_of_support > self.sample:
            raise ValueError("network_of_support cannot exceed sample")
        if "record_id" not in re.compile(self.file_name_pattern).groupindex:
            raise ValueError("file_name_pattern needs a (?P<record_id>...) group")
        return self


class RefusedAcceptance(Strict):
    """A finding that can never be accepted: its rule, anywhere or only in the folders
    whose content rules forbid identifiers."""

    rule: str
    where: Literal["anywhere", "identifiers_forbidden"] = "anywhere"

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, value: str) -> str:
        if value not in RULE_IDS:
            raise ValueError(f"unknown rule id {value!r}; see `spcheck rules` for the catalogue")
        return value


DEFAULT_REFUSED: tuple[RefusedAcceptance, ...] = (
    RefusedAcceptance(rule="records.unexpected"),
    RefusedAcceptance(rule="content.personal_identifier", where="identifiers_forbidden"),
    RefusedAcceptance(rule="content.bad_redaction", where="identifiers_forbidden"),
    RefusedAcceptance(rule="permission.anonymous_link"),
)


class AcceptanceRules(Strict):
    """How long an accepted finding may stay accepted, and what can never be accepted."""

    max_days: int = Field(default=30, ge=1, le=365)
    refused: list[RefusedAcceptance] = Field(default_factory=lambda: list(DEFAULT_REFUSED))


class Policy(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: Literal["spcheck.policy/v1"] = Field(alias="schema")
    programme: Key
    title: str
    calendar: Calendar = Calendar()
    folders: list[Folder] = Field(min_length=1)
    milestones: list[Milestone] = Field(min_length=1)
    files: FileRules
    sharing: SharingRules = SharingRules()
    access: AccessWindow
    team: TeamRules = TeamRules()
    retention: Retention = Retention()
    sample: SampleRules = SampleRules()
    acceptance: AcceptanceRules = AcceptanceRules()
    rules: dict[str, Severity] = Field(default_factory=dict)
    # Values the programme's schedule does not give, chosen locally: a dotted key (list
    # items by their key or id, e.g. milestones.records.due) and why it is local.
    local_defaults: dict[str, Annotated[str, Field(min_length=1)]] = Field(default_factory=dict)

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        unknown = sorted(set(value) - set(RULE_IDS))
        if unknown:
            raise ValueError(
                f"unknown rule id {unknown[0]!r}; see `spcheck rules` for the catalogue"
            )
        return value

    @model_validator(mode="after")
    def _references(self) -> Policy:
        folder_keys = [folder.key for folder in self.folders]
        milestone_ids = [milestone.id for milestone in self.milestones]
        _no_duplicates("folders", folder_keys, "key")
        _no_duplicates("milestones", milestone_ids, "id")
        _no_duplicates("folders", [folder.name.casefold() for folder in self.folders], "name")
        for index, folder in enumerate(self.folders):
            if folder.milestone is not None and folder.milestone not in milestone_ids:
                raise ValueError(
                    f"folders.{index}.milestone: unknown milestone {folder.milestone!r}"
                )
        for index, milestone in enumerate(self.milestones):
            if milestone.folder is not None and milestone.folder not in folder_keys:
                raise ValueError(f"milestones.{index}.folder: unknown folder {milestone.folder!r}")
            if milestone.satisfied_by.kind == "file" and milestone.folder is None:
                raise ValueError(f"milestones.{index}.folder: a 'file' milestone needs a folder")
        for index, key in enumerate(self.retention.folders):
            if key not in folder_keys:
                raise ValueError(f"retention.folders.{index}: unknown folder {key!r}")
        kinds = [folder.holds_records for folder in self.folders if folder.holds_records]
        _no_duplicates("folders", kinds, "holds_records")
        for role, spec in self.team.roles.items():
            listed: set[str] = set()
            for index, access in enumerate(spec.access):
                where = f"team.roles.{role}.access.{index}"
                for position, key in enumerate(access.folders):
                    if key not in folder_keys:
                        raise ValueError(f"{where}.folders.{position}: unknown folder {key!r}")
                    if key in listed:
                        raise ValueError(
                            f"{where}.folders.{position}: folder {key!r} is given to the role twice"
                        )
                    listed.add(key)
                if access.window not in self.team.windows:
                    known = ", ".join(sorted(self.team.windows)) or "none"
                    raise ValueError(
                        f"{where}.window: unknown window {access.window!r} (known: {known})"
                    )
        for key in self.local_defaults:
            problem = _unresolved(self, key)
            if problem:
                raise ValueError(f"local_defaults.{key}: {problem}")
        return self

    def local_default(self, key: str) -> str | None:
        """Why the value at ``key`` (or a section holding it) is a local default; None when
        the programme gives it. ``milestones.pir.due.time`` is local if ``milestones.pir.due``
        is listed."""
        parts = key.split(".")
        for end in range(len(parts), 0, -1):
            note = self.local_defaults.get(".".join(parts[:end]))
            if note is not None:
                return note
        return None

    def severity(self, rule_id: str) -> Severity:
        return self.rules.get(rule_id, default_severity(rule_id))

    def folder(self, key: str) -> Folder:
        for folder in self.folders:
            if folder.key == key:
                return folder
        raise KeyError(key)

    def milestone(self, milestone_id: str) -> Milestone:
        for milestone in self.milestones:
            if milestone.id == milestone_id:
                return milestone
        raise KeyError(milestone_id)

    def folder_at(self, path: str | None) -> Folder | None:
        """The policy folder a path under the inspection folder sits in (its first segment,
        by display name, case-insensitively as SharePoint), or None."""
        if not path:
            return None
        first = path.split("/", 1)[0].casefold()
        return next((f for f in self.folders if f.name.casefold() == first), None)

    def records_folder(self, kind: Literal["sample", "reserve"]) -> Folder | None:
        return next((f for f in self.folders if f.holds_records == kind), None)


def _unresolved(policy: Policy, key: str) -> str | None:
    """Why ``key`` names no value of the policy; None when it names one."""
    node: object = policy
    for part in key.split("."):
        if isinstance(node, list):
            node = next(
                (i for i in node if part in (getattr(i, "key", None), getattr(i, "id", None))),
                None,
            )
            if node is None:
                return f"no item {part!r} in that list"
        elif isinstance(node, BaseModel):
            fields = type(node).model_fields
            names = {
                **{n: n for n in fields},
                **{f.alias: n for n, f in fields.items() if f.alias},
                "schema": "schema_",
            }
            if part not in names or part in ("schema", "local_defaults"):
                return f"{part!r} is not a key of the policy there"
            node = getattr(node, names[part])
        elif isinstance(node, dict):
            if part not in node:
                return f"{part!r} is not a key of the policy there"
            node = node[part]
        else:
            return f"{part!r}: the value before it has no keys"
    if node is None:
        return "the policy sets no value there"
    return None


def _no_duplicates(section: str, values: Sequence[str], field: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{section}.{index}.{field}: duplicate {value!r}")
        seen.add(value)
