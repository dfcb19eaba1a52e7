"""What an inspection's folders and access should be, from its definition and policy. Pure.

Folders: ``<root folder>/<inspection id>/`` and one folder per policy folder
inside it. Grants are per folder, never on the inspection folder itself, so a
contact gets exactly the folders they need: a coordinator or an uploader gets
the folder's ``partnership_access`` role on their folders (every folder open
to the partnership when ``folders`` is not set), a viewer gets read; folders
with access ``none`` get no partnership grant. Every grant expires at the end
of the access window, and outside the window there are no grants at all.

Team members (the definition's ``team``) get what their role gives (domain/team.py):
each grant opens and ends with its role's window. Members at a staff domain reach the
folders through the site and are granted nothing; the plan says so. A folder the policy
gives a member that no policy may give them is a refusal: nothing is planned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from spcheck.domain.inspection import Contact, ContactRole, domain_allowed
from spcheck.domain.policy import Access
from spcheck.domain.team import MemberAccess, team_access
from spcheck.domain.timeline import Timeline
from spcheck.loader import LoadedInspection
from spcheck.provision.interface import show_email

ROLE_RANK = {"read": 1, "write": 2}


@dataclass(frozen=True, slots=True)
class DesiredFolder:
    path: str
    name: str
    key: str | None  # the policy folder key; None for the inspection folder itself
    access: Access


@dataclass(frozen=True, slots=True)
class DesiredGrant:
    path: str
    folder_key: str
    email: str
    role: str  # read | write
    expires_at: dt.datetime
    why: str  # who they are, as the plan's grant step says it
    opens_at: dt.datetime
    team: bool = False  # a team member's grant (judged by the team.* rules)

    def open_at(self, as_of: dt.datetime) -> bool:
        # A grant expiring at ``as_of`` is no access any more: it is not wanted either.
        return self.opens_at <= as_of < self.expires_at


@dataclass(frozen=True, slots=True)
class DesiredState:
    inspection_id: str
    root_path: str  # the inspection folder, e.g. Inspections/glenmorven-2026
    ancestors: tuple[str, ...]  # folders above it, outermost first, e.g. ("Inspections",)
    folders: tuple[DesiredFolder, ...]  # the inspection folder first, then the policy's
    entitled: tuple[DesiredGrant, ...]  # contacts' and team members', each in its window
    as_of: dt.datetime
    window_open: bool
    access_from: dt.datetime
    access_until: dt.datetime
    contacts: tuple[Contact, ...]
    allowed_domains: tuple[str, ...]
    staff_domains: tuple[str, ...]
    refused_link_scopes: frozenset[str]
    send_invitation: bool
    team: tuple[MemberAccess, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def grants(self) -> tuple[DesiredGrant, ...]:
        """What is wanted at ``as_of``: each grant while its window is open."""
        return tuple(grant for grant in self.entitled if grant.open_at(self.as_of))

    def member(self, email: str) -> MemberAccess | None:
        return next((m for m in self.team if m.email == email.lower()), None)

    @property
    def nominated(self) -> frozenset[str]:
        return frozenset(contact.email for contact in self.contacts)

    def contact(self, email: str) -> Contact | None:
        return next((c for c in self.contacts if c.email == email.lower()), None)

    def entitled_for(self, email: str) -> tuple[DesiredGrant, ...]:
        return tuple(grant for grant in self.entitled if grant.email == email.lower())

    def is_partnership(self, email: str) -> bool:
        return domain_allowed(email.rpartition("@")[2].lower(), list(self.allowed_domains))

    def is_staff(self, email: str) -> bool:
        return domain_allowed(email.rpartition("@")[2].lower(), list(self.staff_domains))

    def folder_paths(self) -> tuple[str, ...]:
        return tuple(folder.path for folder in self.folders)


def aware(as_of: dt.datetime, timeline: Timeline) -> dt.datetime:
    """``as_of`` in the policy's zone; a naive value is read as local time there."""
    if as_of.tzinfo is None:
        return as_of.replace(tzinfo=timeline.zone)
    return as_of.astimezone(timeline.zone)


def _role_for(contact: Contact, access: Access, allowed: Sequence[str]) -> str | None:
    if access is Access.NONE:
        return None
    wanted = "read" if contact.role is ContactRole.VIEWER else access.value
    if wanted in allowed:
        return wanted
    # The policy caps partnership roles: fall back to read when write is not allowed.
    return "read" if "read" in allowed else None


def desired_state(
    loaded: LoadedInspection,
    root_folder: str,
    as_of: dt.datetime,
    timeline: Timeline | None = None,
) -> DesiredState:
    inspection, policy = loaded.inspection, loaded.policy
    timeline = timeline or Timeline(inspection, policy)
    now = aware(as_of, timeline)
    parts = [part for part in root_folder.strip("/").split("/") if part]
    ancestors = tuple("/".join(parts[: index + 1]) for index in range(len(parts)))
    root_path = "/".join([*parts, inspection.id])
    folders = [DesiredFolder(root_path, inspection.id, None, Access.NONE)] + [
        DesiredFolder(
            f"{root_path}/{folder.name}", folder.name, folder.key, folder.partnership_access
        )
        for folder in policy.folders
    ]
    allowed_roles: tuple[str, ...] = tuple(policy.sharing.partnership_roles)
    entitled: list[DesiredGrant] = []
    notes: list[str] = []
    for contact in inspection.contacts:
        keys = set(contact.folders) if contact.folders is not None else None
        for folder in folders[1:]:
            if keys is not None and folder.key not in keys:
                continue
            role = _role_for(contact, folder.access, allowed_roles)
            if role is None:
                continue
            assert folder.key is not None
            entitled.append(
                DesiredGrant(
                    path=folder.path,
                    folder_key=folder.key,
                    email=contact.email,
                    role=role,
                    expires_at=timeline.access_until,
                    why=f"nominated {contact.role.value}",
                    opens_at=timeline.access_from,
                )
            )
    team = team_access(inspection, policy, timeline)
    for member in team:
        entitled.extend(_member_grants(member, folders))
        notes.extend(_member_notes(member, now))
    window_open = timeline.access_open(now)
    if any(not grant.team for grant in entitled) and not window_open:
        when = "opens" if now < timeline.access_from else "ended"
        moment = timeline.access_from if now < timeline.access_from else timeline.access_until
        notes.append(
            f"the partnership's access window {when} {moment:%a %d %b %Y %H:%M %Z}: "
            f"no contact has access {'yet' if when == 'opens' else 'any more'}"
        )
    return DesiredState(
        inspection_id=inspection.id,
        root_path=root_path,
        ancestors=ancestors,
        folders=tuple(folders),
        entitled=tuple(entitled),
        as_of=now,
        window_open=window_open,
        access_from=timeline.access_from,
        access_until=timeline.access_until,
        contacts=tuple(inspection.contacts),
        allowed_domains=tuple(inspection.allowed_domains),
        staff_domains=tuple(policy.sharing.staff_domains),
        refused_link_scopes=frozenset(policy.sharing.refused_link_scopes),
        send_invitation=policy.sharing.send_invitation,
        team=team,
        notes=tuple(notes),
    )


def _member_grants(
    member: MemberAccess, folders: Sequence[DesiredFolder]
) -> Iterator[DesiredGrant]:
    if member.staff:
        return  # the site gives staff their access: spcheck grants them nothing
    paths = {folder.key: folder.path for folder in folders[1:]}
    for grant in member.grants:
        yield DesiredGrant(
            path=paths[grant.folder_key],
            folder_key=grant.folder_key,
            email=member.email,
            role=grant.role,
            expires_at=grant.until,
            why=member.describe(),
            opens_at=grant.opens,
            team=True,
        )


def _member_notes(member: MemberAccess, now: dt.datetime) -> Iterator[str]:
    who = f"{show_email(member.email)} ({member.describe()})"
    if member.staff:
        yield (
            f"{who}: at a staff domain, reaches the folders through the site; spcheck "
            "grants nothing"
        )
        return
    if not member.grants:
        if not member.refused:
            yield f"{who}: the role gives no folder"
        return
    if member.open_grants(now):
        return
    opens = min(grant.opens for grant in member.grants)
    until = max(grant.until for grant in member.grants)
    if now < opens:
        yield f"{who}: access opens {when(opens)}; nothing is granted yet"
    elif now > until:
        yield f"{who}: access ended {when(until)}; nothing is granted any more"
    else:
        yield f"{who}: no folder is open to them at this time"


def when(moment: dt.datetime) -> str:
    return f"{moment:%a %d %b %Y %H:%M %Z}"
