"""What each member of an inspection team may use, and when. Pure.

The policy's ``team.roles`` gives each role folders, a role (read or write) and a window
(``team.windows``, in inspection weeks); a member's ``folders`` narrows that. Some
combinations are refused whatever the policy says, because no policy may lift them:

- a young inspection volunteer never reaches a records folder (``holds_records``) or the
  training materials (the ``training`` folder, or any folder whose redaction is verified):
  both hold children's records;
- nobody outside the staff domains (``sharing.staff_domains``) reaches a folder closed to
  the partnership (``partnership_access: none``, the SSO folder);
- nobody gets owner (the policy's schema holds read or write only; the rules report an
  owner grant as ``team.excess_role``).

Members at a staff domain reach the folders through the site: spcheck grants them
nothing, and judges only what is granted to them directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from spcheck.domain.inspection import Inspection, TeamMember, domain_allowed
from spcheck.domain.policy import Access, Folder, Policy
from spcheck.domain.timeline import Timeline

VOLUNTEER = "young-inspection-volunteer"
ROLE_RANK = {"read": 1, "write": 2, "owner": 3}


@dataclass(frozen=True, slots=True)
class TeamGrant:
    """One folder a member may use: with which role, from when, until when."""

    folder_key: str
    folder_name: str
    role: str  # read | write
    window: str  # the policy's window name
    opens: dt.datetime
    until: dt.datetime

    def open_at(self, as_of: dt.datetime) -> bool:
        return self.opens <= as_of <= self.until


@dataclass(frozen=True, slots=True)
class TeamRefusal:
    """A folder the policy gives a member that no policy may give them."""

    folder_key: str
    reason: str


@dataclass(frozen=True, slots=True)
class MemberAccess:
    member: TeamMember
    title: str  # the role as the policy names it (Scrutiny partner ...)
    staff: bool  # at a staff domain: reaches the folders through the site
    grants: tuple[TeamGrant, ...]
    refused: tuple[TeamRefusal, ...]

    @property
    def email(self) -> str:
        return self.member.email

    def grant(self, folder_key: str) -> TeamGrant | None:
        return next((g for g in self.grants if g.folder_key == folder_key), None)

    def open_grants(self, as_of: dt.datetime) -> tuple[TeamGrant, ...]:
        return tuple(g for g in self.grants if g.open_at(as_of))

    def describe(self) -> str:
        return f"{self.title.lower()} of the inspection team"


def is_records_or_training(folder: Folder) -> bool:
    """A folder holding children's records: the records folders and the training materials."""
    return (
        folder.holds_records is not None
        or folder.key == "training"
        or folder.content.redaction == "verify"
    )


def refusal(
    member: TeamMember, folder: Folder, *, staff: bool, staff_domains: Iterable[str]
) -> str | None:
    """Why no policy may give ``member`` the folder; None when one may."""
    if member.role == VOLUNTEER and is_records_or_training(folder):
        return (
            f"a young inspection volunteer never has access to {folder.name}: it holds "
            "children's records"
        )
    if folder.partnership_access is Access.NONE and not staff:
        domains = ", ".join(staff_domains) or "none are set"
        return (
            f"{folder.name} is closed to the partnership: only Care Inspectorate staff "
            f"({domains}) may use it"
        )
    return None


def member_access(member: TeamMember, policy: Policy, timeline: Timeline) -> MemberAccess:
    staff_domains = policy.sharing.staff_domains
    staff = domain_allowed(member.domain, staff_domains)
    role = policy.team.roles.get(member.role)
    folders = {folder.key: folder for folder in policy.folders}
    grants: list[TeamGrant] = []
    refused: list[TeamRefusal] = []
    for access in role.access if role is not None else ():
        opens, until = timeline.team_window(access.window)
        for key in access.folders:
            if member.folders is not None and key not in member.folders:
                continue
            folder = folders[key]
            reason = refusal(member, folder, staff=staff, staff_domains=staff_domains)
            if reason is not None:
                refused.append(TeamRefusal(key, reason))
                continue
            grants.append(TeamGrant(key, folder.name, access.role, access.window, opens, until))
    title = role.title if role is not None else member.role
    return MemberAccess(member, title, staff, tuple(grants), tuple(refused))


def team_access(
    inspection: Inspection, policy: Policy, timeline: Timeline
) -> tuple[MemberAccess, ...]:
    return tuple(member_access(member, policy, timeline) for member in inspection.team)


def never_given(policy: Policy) -> list[str]:
    """What the policy's team section gives that every plan refuses (a young inspection
    volunteer on a folder of children's records), each as its key and why: the policy
    cannot lift that refusal, so it should not read as if it could."""
    found = []
    role = policy.team.roles.get("young-inspection-volunteer")
    for index, access in enumerate(role.access if role is not None else ()):
        for position, key in enumerate(access.folders):
            if is_records_or_training(policy.folder(key)):
                found.append(
                    f"team.roles.{VOLUNTEER}.access.{index}.folders.{position}: {key!r} is "
                    "refused at every plan: a young inspection volunteer never has access to "
                    "children's records"
                )
    return found
