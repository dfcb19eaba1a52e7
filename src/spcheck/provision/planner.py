"""The plan: desired state against actual state, for one request. Pure.

Whose access is whose:

- a nominated contact's access is managed: missing grants are granted, wrong
  roles or expiry changed, access to folders not theirs revoked;
- a person spcheck granted before (the audit log says so) who is no longer
  nominated is a former contact: their access is revoked;
- Care Inspectorate staff (the policy's ``staff_domains``) and inherited
  access are not the plan's business;
- anything else - other people, groups given access directly on an
  inspection folder, refused link scopes - is drift: reported with its rule
  id, removed only with ``--remove-drift``. ``offboard`` also
  revokes drift at partnership domains, since all partnership access ends.

Steps run in this order: folders (outermost first), removals, role changes,
grants; so nobody ever holds more than the plan allows, even half way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from spcheck.domain.policy import Access as FolderAccess
from spcheck.domain.team import MemberAccess
from spcheck.provision.actual import Access, ActualState
from spcheck.provision.desired import ROLE_RANK, DesiredGrant, DesiredState
from spcheck.provision.desired import when as _when
from spcheck.provision.interface import (
    REMOVALS,
    Action,
    Drift,
    Mode,
    Plan,
    Refusal,
    Request,
    Step,
    show_email,
)

# Graph rounds expiry times; a grant within this of the window's end is on time.
EXPIRY_TOLERANCE = dt.timedelta(minutes=1)
_ORDER = {
    Action.CREATE_FOLDER: 0,
    Action.REVOKE: 1,
    Action.REMOVE_LINK: 1,
    Action.REMOVE_DRIFT: 1,
    Action.CHANGE_ROLE: 2,
    Action.GRANT: 3,
}


def refusals(desired: DesiredState, request: Request) -> tuple[Refusal, ...]:
    """Why a request cannot be carried out; empty when it can. Removing access is never
    refused; provisioning is refused while the policy gives a team member a folder no
    policy may give them, and a grant when what it asks cannot be given."""
    if request.mode in (Mode.REVOKE, Mode.OFFBOARD):
        return ()
    found = [
        Refusal(refused.reason, "team.folder_not_allowed", member.email)
        for member in desired.team
        if request.mode is Mode.PROVISION or member.email in request.emails
        for refused in member.refused
    ]
    if request.mode is not Mode.GRANT:
        return tuple(found)
    for email in request.emails:
        member = desired.member(email)
        if member is not None:
            found.extend(_member_refusals(desired, request, member))
            continue
        contact = desired.contact(email)
        if not desired.is_partnership(email):
            domains = ", ".join(desired.allowed_domains)
            found.append(
                Refusal(
                    f"the address is outside the inspection's allowed domains ({domains}) "
                    "and not in its team",
                    "permission.external_domain",
                    email,
                )
            )
        elif contact is None:
            found.append(
                Refusal(
                    f"not a nominated contact of {desired.inspection_id}: add them to contacts "
                    "(or the team) in the definition first, then run the plan again",
                    "permission.not_nominated",
                    email,
                )
            )
        elif not desired.window_open:
            found.append(
                Refusal(
                    f"outside the access window ({_when(desired.access_from)} to "
                    f"{_when(desired.access_until)})",
                    "permission.outside_window",
                    email,
                )
            )
        elif not desired.entitled_for(email):
            found.append(
                Refusal("the definition gives this contact no folder the partnership may use")
            )
        elif request.role is not None:
            top = max((g.role for g in desired.entitled_for(email)), key=ROLE_RANK.__getitem__)
            if request.role != top:
                found.append(
                    Refusal(
                        f"--role {request.role}: the definition gives this {contact.role.value} "
                        f"{top} access; change their role in the definition instead",
                        "permission.excess_role"
                        if ROLE_RANK[request.role] > ROLE_RANK[top]
                        else None,
                        email,
                    )
                )
    return tuple(found)


def _member_refusals(
    desired: DesiredState, request: Request, member: MemberAccess
) -> list[Refusal]:
    email = member.email
    if member.staff:
        return []  # nothing to grant: the plan's note says the site gives their access
    entitled = desired.entitled_for(email)
    if not entitled:
        return [] if member.refused else [Refusal(f"the {member.describe()} has no folder")]
    open_now = [grant for grant in entitled if grant.open_at(desired.as_of)]
    if not open_now:
        opens = min(grant.opens_at for grant in entitled)
        until = max(grant.expires_at for grant in entitled)
        return [
            Refusal(
                f"outside the {member.describe()}'s window ({_when(opens)} to {_when(until)})",
                "team.outside_window",
                email,
            )
        ]
    if request.role is None:
        return []
    top = max((grant.role for grant in open_now), key=ROLE_RANK.__getitem__)
    if request.role == top:
        return []
    return [
        Refusal(
            f"--role {request.role}: the {member.describe()} has {top} access; the policy's "
            "team.roles decides it",
            "team.excess_role" if ROLE_RANK[request.role] > ROLE_RANK[top] else None,
            email,
        )
    ]


class _Builder:
    def __init__(self, desired: DesiredState, actual: ActualState, request: Request) -> None:
        self.desired = desired
        self.actual = actual
        self.request = request
        self.steps: list[Step] = []
        self.drift: list[Drift] = []
        self.notes: list[str] = list(desired.notes)
        self._folder_rank = {path.casefold(): n for n, path in enumerate(desired.folder_paths())}

    def add(
        self,
        action: Action,
        path: str,
        reason: str,
        *,
        email: str | None = None,
        role: str | None = None,
        expires_at: dt.datetime | None = None,
        permission_ids: tuple[str, ...] = (),
        rule: str | None = None,
        link_scope: str | None = None,
        group: str | None = None,
    ) -> None:
        self.steps.append(
            Step(
                0,
                action,
                path,
                reason,
                email,
                role,
                expires_at,
                permission_ids,
                rule,
                link_scope,
                group,
            )
        )

    def remove(
        self, action: Action, path: str, access: Access, reason: str, rule: str | None
    ) -> None:
        self.add(
            action,
            path,
            reason,
            email=access.email,
            permission_ids=(access.permission_id,),
            rule=rule,
            link_scope=access.link_scope,
            group=_group_name(access),
        )

    def numbered(self) -> tuple[Step, ...]:
        def key(step: Step) -> tuple[object, ...]:
            depth = step.path.count("/")
            place = self._folder_rank.get(step.path.casefold(), -1)
            return (_ORDER[step.action], depth, place, step.email or "", step.permission_ids)

        ordered = sorted(self.steps, key=key)
        return tuple(replace(step, number=n) for n, step in enumerate(ordered, start=1))


def _matches(access: Access, want: DesiredGrant) -> bool:
    if set(access.roles) != {want.role}:
        return False
    # A tenant that keeps no expiry on grants is not "wrong" every run: offboarding ends them.
    return access.expires_at is None or abs(access.expires_at - want.expires_at) <= EXPIRY_TOLERANCE


def _describe(roles: Iterable[str]) -> str:
    return "/".join(sorted(roles)) or "no role"


def make_plan(
    desired: DesiredState,
    actual: ActualState,
    request: Request,
    *,
    plan_id: str,
    as_of: dt.datetime,
    managed: frozenset[str] = frozenset(),
) -> Plan:
    """The plan for ``request``. ``managed``: emails spcheck has granted on this inspection."""
    base = {
        "plan_id": plan_id,
        "inspection_id": desired.inspection_id,
        "mode": request.mode,
        "as_of": as_of,
        "root_path": desired.root_path,
        "access_from": desired.access_from,
        "access_until": desired.access_until,
        "remove_drift": request.remove_drift,
    }
    refused = refusals(desired, request)
    if refused:
        return Plan(refused=refused, notes=desired.notes, **base)  # type: ignore[arg-type]
    build = _Builder(desired, actual, request)
    _folders(build)
    held: dict[tuple[str, str], list[Access]] = defaultdict(list)
    for folder in (actual.folder(path) for path in desired.folder_paths()):
        if folder is None:
            continue
        for access in folder.direct:
            if access.expired(as_of):
                continue
            if access.kind == "link":
                _link(build, folder.path, access)
            elif access.kind == "person" and access.email is not None:
                _person(build, folder.path, access, managed, held)
            elif access.kind == "group":
                _group(build, folder.path, access)
    _contacts(build, held)
    _mode_notes(build, held, as_of)
    return Plan(
        steps=build.numbered(),
        drift=tuple(build.drift),
        notes=tuple(dict.fromkeys(build.notes)),
        **base,  # type: ignore[arg-type]
    )


def _folders(build: _Builder) -> None:
    desired, request = build.desired, build.request
    if request.mode in (Mode.REVOKE, Mode.OFFBOARD):
        return
    needed: list[str]
    if request.mode is Mode.PROVISION:
        needed = [*desired.ancestors, *desired.folder_paths()]
    else:
        paths = {g.path for g in desired.grants if g.email in request.emails}
        if not paths:
            return
        needed = [*desired.ancestors, desired.root_path]
        needed += [f.path for f in desired.folders[1:] if f.path in paths]
    for path in needed:
        if build.actual.item_id(path) is None:
            build.add(Action.CREATE_FOLDER, path, "missing")


def _link(build: _Builder, path: str, access: Access) -> None:
    desired, request = build.desired, build.request
    scope = access.link_scope or "unknown"
    if scope not in desired.refused_link_scopes:
        return
    rule = "permission.anonymous_link" if scope == "anonymous" else "permission.organization_link"
    why = f"{scope} links are refused by the policy"
    build.drift.append(
        Drift(
            path=path,
            permission_id=access.permission_id,
            what=f"{scope} {access.link_type or ''} link ({_describe(access.roles)})".replace(
                "  ", " "
            ),
            why=why,
            rule=rule,
            link_scope=scope,
        )
    )
    if request.remove_drift and request.mode in (Mode.PROVISION, Mode.OFFBOARD):
        build.remove(Action.REMOVE_LINK, path, access, why, rule)


def _group(build: _Builder, path: str, access: Access) -> None:
    # Who is in a group is not visible here and changes without notice, so a group's
    # direct access is never wanted: the rules report it as permission.not_nominated.
    why = "access goes to nominated contacts by name, never to groups"
    removable = build.request.mode in (Mode.PROVISION, Mode.OFFBOARD)
    _drift(build, path, access, "permission.not_nominated", why, removable=removable)


def _drift(
    build: _Builder, path: str, access: Access, rule: str, why: str, *, removable: bool
) -> None:
    """Direct access to a person or group the policy does not allow: listed, and removed
    only when ``--remove-drift`` asks and the request may remove it."""
    build.drift.append(
        Drift(
            path=path,
            permission_id=access.permission_id,
            what=f"direct {_describe(access.roles)} access",
            why=why,
            rule=rule,
            email=access.email,
            group=_group_name(access),
        )
    )
    if removable and build.request.remove_drift:
        build.remove(Action.REMOVE_DRIFT, path, access, why, rule)


def _group_name(access: Access) -> str | None:
    return (access.name or "(unnamed)") if access.kind == "group" else None


def _person(
    build: _Builder,
    path: str,
    access: Access,
    managed: frozenset[str],
    held: dict[tuple[str, str], list[Access]],
) -> None:
    desired, request = build.desired, build.request
    email = access.email
    assert email is not None
    named = desired.contact(email) is not None or desired.member(email) is not None
    if request.mode is Mode.REVOKE:
        if email in request.emails:
            build.remove(Action.REVOKE, path, access, "access removed on request", None)
        elif not (desired.is_staff(email) or named or email in managed):
            _drift_person(build, path, access, removable=False)
        return
    if desired.is_staff(email):
        return
    if named:
        held[(path.casefold(), email)].append(access)
        return
    if email in managed:
        if request.mode in (Mode.PROVISION, Mode.OFFBOARD):
            reason = "no longer a nominated contact or a member of the team"
            if request.mode is Mode.OFFBOARD:
                reason = "the inspection's access ends (former contact or team member)"
            build.remove(Action.REVOKE, path, access, reason, "permission.not_nominated")
        return
    if request.mode is Mode.OFFBOARD and desired.is_partnership(email):
        build.remove(
            Action.REVOKE,
            path,
            access,
            "partnership access ends (not a nominated contact)",
            "permission.not_nominated",
        )
        return
    _drift_person(build, path, access, removable=request.mode is not Mode.GRANT)


def _drift_person(build: _Builder, path: str, access: Access, *, removable: bool) -> None:
    desired = build.desired
    email = access.email
    assert email is not None
    if not desired.is_partnership(email):
        rule = "permission.external_domain"
        why = "the address is outside the inspection's allowed domains"
    else:
        rule = "permission.not_nominated"
        why = f"not a nominated contact of {desired.inspection_id}"
    _drift(build, path, access, rule, why, removable=removable)


def _contacts(build: _Builder, held: dict[tuple[str, str], list[Access]]) -> None:
    """Contacts' access against their grants (scoped to the named emails for ``grant``)."""
    desired, request = build.desired, build.request
    if request.mode is Mode.REVOKE:
        return
    # Offboarding ends all partnership access: nothing is wanted, whatever the window says.
    grants = () if request.mode is Mode.OFFBOARD else desired.grants
    wanted = {(g.path.casefold(), g.email): g for g in grants}
    scoped = request.mode is Mode.GRANT
    for (path_key, email), accesses in held.items():
        if scoped and email not in request.emails:
            continue
        path = next(a for a in desired.folder_paths() if a.casefold() == path_key)
        want = wanted.get((path_key, email))
        if want is None:
            if scoped:
                continue  # a grant request never takes access away
            reason, rule = _why_not(build, path, email)
            for access in accesses:
                build.remove(Action.REVOKE, path, access, reason, rule)
            continue
        good = [a for a in accesses if _matches(a, want)]
        if good:
            if not scoped:
                for extra in accesses:
                    if extra is not good[0]:
                        build.remove(
                            Action.REVOKE, path, extra, "a second grant to the same person", None
                        )
            continue
        have = ", ".join(_describe(a.roles) for a in accesses)
        higher = any(
            max((ROLE_RANK.get(r, 3) for r in a.roles), default=0) > ROLE_RANK[want.role]
            for a in accesses
        )
        roles_right = all(set(a.roles) == {want.role} for a in accesses)
        window = "their window" if want.team else "the access window"
        reason = (
            f"expiry differs from the end of {window} ({_when(want.expires_at)})"
            if roles_right
            else f"has {have}; the definition gives {want.role}"
        )
        excess = "team.excess_role" if want.team else "permission.excess_role"
        build.add(
            Action.CHANGE_ROLE,
            path,
            reason,
            email=email,
            role=want.role,
            expires_at=want.expires_at,
            permission_ids=tuple(a.permission_id for a in accesses),
            rule=excess if higher else None,
        )
    for grant in grants:
        if scoped and grant.email not in request.emails:
            continue
        if (grant.path.casefold(), grant.email) not in held:
            build.add(
                Action.GRANT,
                grant.path,
                grant.why,
                email=grant.email,
                role=grant.role,
                expires_at=grant.expires_at,
                rule="team.missing" if grant.team else "permission.missing",
            )


def _why_not(build: _Builder, path: str, email: str) -> tuple[str, str]:
    desired = build.desired
    member = desired.member(email)
    if build.request.mode is Mode.OFFBOARD:
        if member is not None:
            return "the inspection's access ends", "team.outside_window"
        return "partnership access ends", "permission.outside_window"
    folder = next(f for f in desired.folders if f.path.casefold() == path.casefold())
    if member is not None:
        grant = member.grant(folder.key) if folder.key is not None else None
        if grant is None:
            return f"not a folder the {member.describe()} may use", "team.folder_not_allowed"
        return (
            f"outside their window ({_when(grant.opens)} to {_when(grant.until)})",
            "team.outside_window",
        )
    if folder.key is None:
        return "grants are per folder, never on the inspection folder", "permission.excess_role"
    if folder.access is FolderAccess.NONE:
        return "the partnership has no access to this folder", "permission.excess_role"
    if not desired.window_open and desired.entitled_for(email):
        return "outside the access window", "permission.outside_window"
    return "not one of the contact's folders", "permission.excess_role"


def _still_a_contact(desired: DesiredState, email: str, as_of: dt.datetime) -> str:
    """What keeping a revoked person in the definition means, as it stands at ``as_of``."""
    who = f"{show_email(email)}: still a contact in the definition"
    if desired.window_open:
        return f"{who}; `spcheck provision` would grant access again: remove them from contacts"
    if as_of < desired.access_from:
        return (
            f"{who}; `spcheck provision` would grant access when the access window opens "
            f"({_when(desired.access_from)}): remove them from contacts"
        )
    return (
        f"{who}; the access window ended {_when(desired.access_until)}, so "
        "`spcheck provision` grants nothing more"
    )


def _still_in_the_team(member: MemberAccess, as_of: dt.datetime) -> str:
    """What keeping a revoked member in the team means, as it stands at ``as_of``."""
    who = f"{show_email(member.email)}: still in the team in the definition"
    if member.open_grants(as_of):
        return f"{who}; `spcheck provision` would grant access again: remove them from team"
    later = [grant.opens for grant in member.grants if grant.opens > as_of]
    if later:
        return (
            f"{who}; `spcheck provision` would grant access when their window opens "
            f"({_when(min(later))}): remove them from team"
        )
    return f"{who}; their window has ended, so `spcheck provision` grants nothing more"


def _mode_notes(
    build: _Builder, held: dict[tuple[str, str], list[Access]], as_of: dt.datetime
) -> None:
    desired, request = build.desired, build.request
    if request.mode is Mode.GRANT:
        for email in request.emails:
            member = desired.member(email)
            if member is not None and member.staff:
                continue  # the desired state's note says the site gives their access
            if not any(s.email == email for s in build.steps):
                build.notes.append(
                    f"{show_email(email)}: already has the access the definition gives"
                )
    if request.mode is Mode.REVOKE:
        removed = {s.email for s in build.steps if s.action in REMOVALS}
        for email in request.emails:
            if email not in removed:
                build.notes.append(
                    f"{show_email(email)}: no direct access to the inspection's folders"
                )
            if desired.contact(email) is not None:
                build.notes.append(_still_a_contact(desired, email, as_of))
            member = desired.member(email)
            if member is not None and not member.staff:
                build.notes.append(_still_in_the_team(member, as_of))
    if request.mode is Mode.OFFBOARD:
        if desired.window_open:
            build.notes.append(
                f"the access window is open until {_when(desired.access_until)}: offboarding "
                "now ends partnership access early"
            )
        if desired.team:
            build.notes.append("the team's direct access ends with it")
        build.notes.append(
            "folders and their content are kept; records must be destroyed within the "
            "policy's retention period (runbooks/end-of-inspection.md)"
        )
    without_expiry = {
        email
        for (_, email), accesses in held.items()
        if any(a.expires_at is None for a in accesses)
    }
    if without_expiry and request.mode is not Mode.OFFBOARD:
        build.notes.append(
            f"{len(without_expiry)} contact(s) hold access with no expiry date; it ends only "
            "when `spcheck offboard` runs"
        )
