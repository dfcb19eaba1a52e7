"""Team rules (``team.*``): the direct access of the people the definition names in its
team, against what their role gives them (domain/team.py).

A team member is not an outsider: the permission rules leave their access to these.
Each direct grant to a member is judged once: on a folder their role does not give them
(or one no policy may give them, or the inspection folder itself, which reaches every
folder), with more than their role's read or write (owner never), or outside their
role's window (or expiring after it ends). A member at a staff domain reaches the
folders through the site, so only what no policy may give them is judged. A grant whose
own expiry has passed is no access; inherited entries are judged where they are made;
in a replay, access that may not have existed is reported as ``check.unverifiable``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from spcheck.domain.findings import Finding, mask
from spcheck.domain.snapshot import Access, Principal
from spcheck.domain.team import ROLE_RANK, MemberAccess, TeamGrant, refusal, team_access
from spcheck.rules.deadlines import when
from spcheck.rules.derive import derived
from spcheck.rules.interface import RuleContext
from spcheck.rules.permissions import RANK_NAME, _held, _place, _rank
from spcheck.rules.privacy import mask_email
from spcheck.rules.registry import rule

UNVERIFIABLE = "check.unverifiable"


def members(ctx: RuleContext) -> Mapping[str, MemberAccess]:
    """The definition's team with what each may use, by email (computed once per context)."""

    def compute() -> Mapping[str, MemberAccess]:
        found = team_access(ctx.inspection, ctx.policy, ctx.timeline)
        return {member.email: member for member in found}

    return derived(ctx).memo("team", compute)


def _who(member: MemberAccess) -> str:
    return f"{member.title.lower()} {mask_email(member.email)} of the inspection team"


class _Judge:
    def __init__(self, ctx: RuleContext, team: Mapping[str, MemberAccess]) -> None:
        self.ctx = ctx
        self.team = team
        self.found: list[Finding] = []

    def add(self, rule_id: str, entry: Access, member: MemberAccess, message: str) -> None:
        self.found.append(
            self.ctx.finding(
                rule_id,
                message,
                path=entry.path or None,
                location=f"permission {mask(entry.permission_id)}",
                masked=mask_email(member.email),
            )
        )

    def entry(self, entry: Access) -> None:
        member = self.team.get(entry.email or "")
        if member is None or entry.inherited or entry.principal is Principal.APPLICATION:
            return
        if entry.link_scope not in (None, "users"):
            return  # links are the permission rules' (anonymous, organization)
        if entry.expires_at is not None and entry.expires_at <= self.ctx.as_of:
            return
        if entry.doubt is not None:
            self.doubtful(entry)
            return
        self.judge(entry, member)

    def doubtful(self, entry: Access) -> None:
        probe = _Judge(self.ctx, self.team)
        probe.entry(replace(entry, doubt=None))
        zone = self.ctx.timeline.zone
        for found in probe.found:
            self.found.append(
                replace(
                    found,
                    rule=UNVERIFIABLE,
                    severity=self.ctx.policy.severity(UNVERIFIABLE),
                    message=f"whether this access existed on {when(self.ctx.as_of, zone)} is "
                    f"not known ({entry.doubt}); if it did: {found.message}",
                )
            )

    def judge(self, entry: Access, member: MemberAccess) -> None:
        ctx = self.ctx
        place = _place(ctx, entry.path)
        roles = "/".join(entry.roles) or "no role"
        folder = place.folder
        if folder is None:
            if not member.staff:
                self.add(
                    "team.folder_not_allowed",
                    entry,
                    member,
                    f"the {_who(member)} has {roles} on {place.label}, which reaches every "
                    "folder: grants are per folder",
                )
            return
        refused = refusal(
            member.member,
            folder,
            staff=member.staff,
            staff_domains=ctx.policy.sharing.staff_domains,
        )
        if refused is not None:
            self.add(
                "team.folder_not_allowed",
                entry,
                member,
                f"the {_who(member)} has {roles}: {refused}",
            )
            return
        if member.staff:
            return  # the site gives staff their access; direct grants are theirs to make
        grant = member.grant(folder.key)
        if grant is None:
            self.add(
                "team.folder_not_allowed",
                entry,
                member,
                f"the {_who(member)} has {roles} on {folder.name}, which their role does "
                "not give them",
            )
            return
        granted = _rank(entry.roles)
        if granted is None:
            self.add(
                UNVERIFIABLE,
                entry,
                member,
                f"the {_who(member)} has a role spcheck does not know ({roles}) on {folder.name}",
            )
            return
        if granted > ROLE_RANK[grant.role]:
            self.add(
                "team.excess_role",
                entry,
                member,
                f"the {_who(member)} has {RANK_NAME[granted]} on {folder.name}, where their "
                f"role gives {grant.role}",
            )
        zone = ctx.timeline.zone
        span = f"{when(grant.opens, zone)} to {when(grant.until, zone)}"
        if not grant.open_at(ctx.as_of):
            self.add(
                "team.outside_window",
                entry,
                member,
                f"the {_who(member)} has {roles} on {folder.name} outside their window "
                f"({span}): revoke it",
            )
        elif entry.expires_at is not None and entry.expires_at > grant.until:
            self.add(
                "team.outside_window",
                entry,
                member,
                f"the {_who(member)} has access on {folder.name} that expires after their "
                f"window ends ({span}): `spcheck provision` shortens it",
            )


def _lacking(wanted: tuple[TeamGrant, ...], held: dict[str, int]) -> list[str]:
    return [
        f"{grant.role} on {grant.folder_name}"
        for grant in wanted
        if max(held.get(grant.folder_name, 0), held.get("", 0)) < ROLE_RANK[grant.role]
    ]


def _missing(ctx: RuleContext, team: Mapping[str, MemberAccess]) -> Iterator[Finding]:
    """Members outside the staff domains without what their role gives them now."""
    for member in team.values():
        # A grant ending at ``as_of`` has expired (no access), so it is no longer wanted.
        wanted = tuple(g for g in member.open_grants(ctx.as_of) if g.until > ctx.as_of)
        if member.staff or not wanted:
            continue
        certain = _lacking(wanted, _held(ctx, member.email, doubtful=False))
        if not certain:
            continue
        location = f"team member {mask_email(member.email)}"
        if not _lacking(wanted, _held(ctx, member.email, doubtful=True)):
            yield ctx.finding(
                UNVERIFIABLE,
                f"whether the {_who(member)} had the access their role gives on "
                f"{when(ctx.as_of, ctx.timeline.zone)} is not known: it rests on access that "
                "may not have existed then (" + "; ".join(certain) + ")",
                location=location,
                masked=mask_email(member.email),
            )
            continue
        yield ctx.finding(
            "team.missing",
            f"the {_who(member)} lacks " + "; ".join(certain),
            location=location,
            masked=mask_email(member.email),
        )


def _judged(ctx: RuleContext) -> tuple[Finding, ...]:
    def judge() -> tuple[Finding, ...]:
        team = members(ctx)
        if ctx.snapshot.access is None or not team:
            return ()  # unverifiable.py says the permissions were not read
        judge = _Judge(ctx, team)
        for entry in ctx.snapshot.access:
            judge.entry(entry)
        judge.found.extend(_missing(ctx, team))
        return tuple(judge.found)

    return derived(ctx).memo("team-judged", judge)


def _of(ctx: RuleContext, rule_id: str) -> Iterator[Finding]:
    return (f for f in _judged(ctx) if f.rule == rule_id)


@rule("team.folder_not_allowed", runbook="runbooks/team.md#teamfolder_not_allowed")
def folder_not_allowed(ctx: RuleContext) -> Iterator[Finding]:
    # What the team rules could not check is reported once, here.
    return (f for f in _judged(ctx) if f.rule in ("team.folder_not_allowed", UNVERIFIABLE))


@rule("team.excess_role", runbook="runbooks/team.md#teamexcess_role")
def excess_role(ctx: RuleContext) -> Iterator[Finding]:
    return _of(ctx, "team.excess_role")


@rule("team.outside_window", runbook="runbooks/team.md#teamoutside_window")
def outside_window(ctx: RuleContext) -> Iterator[Finding]:
    return _of(ctx, "team.outside_window")


@rule("team.missing", runbook="runbooks/team.md#teammissing")
def missing(ctx: RuleContext) -> Iterator[Finding]:
    return _of(ctx, "team.missing")
