"""Permission rules (``permission.*``, runbooks/permissions.md): who can reach the inspection
folder, against the nominated contacts, the policy's folder access and the access window.

Each direct permission entry is judged once (``_judged``, cached per context) and each
rule reports its own share. A permission whose own expiry has passed at ``as_of`` is not
access and is not judged. In a replay, a permission that may not have existed at
``as_of`` (``Access.doubt``) is judged as if it had, and what that finds is reported as
``check.unverifiable`` with the reason: never as a pass, never as a finding about access
that may not have been there. Inherited entries repeat a grant made higher up, so they are
judged where the grant was made; the exception is a nominated contact's inherited
reach beyond what a folder allows (a grant on the inspection folder reaching the SSO
folder, or a records uploader's reaching the PIR), which only shows there. The
application's own grants are not the partnership's and are skipped. People the
definition names in its team are not outsiders: the team rules (``team.*``) judge them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from spcheck.domain.findings import Finding, mask
from spcheck.domain.inspection import Contact, ContactRole, domain_allowed
from spcheck.domain.policy import Access as FolderAccess
from spcheck.domain.policy import Folder
from spcheck.domain.snapshot import Access, Principal
from spcheck.rules.deadlines import when
from spcheck.rules.derive import derived
from spcheck.rules.interface import RuleContext
from spcheck.rules.privacy import mask_email
from spcheck.rules.registry import rule

ROLE_RANK = {"read": 1, "write": 2, "owner": 3}
RANK_NAME = {0: "no access", 1: "read", 2: "write", 3: "owner"}
ROOT = "the inspection folder"


@dataclass(frozen=True, slots=True)
class Place:
    """Where an entry applies: a policy folder, or the inspection folder (and anything
    outside the policy's folders, which inherits from it)."""

    folder: Folder | None
    label: str


def _place(ctx: RuleContext, path: str) -> Place:
    first = path.split("/", 1)[0]
    for folder in ctx.policy.folders:
        if first and folder.name.casefold() == first.casefold():
            return Place(folder, folder.name)
    return Place(None, path or ROOT)


def _rank(roles: Iterable[str]) -> int | None:
    """The highest role granted; None when a role is one spcheck does not know."""
    ranks = [ROLE_RANK.get(role.lower()) for role in roles]
    if not ranks or any(r is None for r in ranks):
        return None
    return max(r for r in ranks if r is not None)


def _cap(ctx: RuleContext) -> int:
    return max((ROLE_RANK[r] for r in ctx.policy.sharing.partnership_roles), default=0)


def folder_rank(ctx: RuleContext, contact: Contact, folder: Folder) -> int:
    """The access a contact needs (and may have) on one policy folder."""
    if folder.partnership_access is FolderAccess.NONE:
        return 0
    if contact.folders is not None and folder.key not in contact.folders:
        return 0
    base = 1 if contact.role is ContactRole.VIEWER else ROLE_RANK[folder.partnership_access.value]
    return min(base, _cap(ctx))


def allowed_rank(ctx: RuleContext, contact: Contact, place: Place) -> int:
    if place.folder is not None:
        return folder_rank(ctx, contact, place.folder)
    # Access on the inspection folder reaches every folder under it; folders closed to
    # the partnership must stop inheriting, which the inherited check below watches.
    return max((folder_rank(ctx, contact, f) for f in ctx.policy.folders), default=0)


def _who(contact: Contact | None, email: str) -> str:
    role = f"nominated {contact.role.value}" if contact else "person"
    return f"a {role} ({mask_email(email)})"


def _roles(entry: Access) -> str:
    return "/".join(entry.roles) or "no role"


class _Judge:
    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.found: list[Finding] = []

    def add(self, rule_id: str, entry: Access, message: str, email: str | None = None) -> None:
        self.found.append(
            self.ctx.finding(
                rule_id,
                message,
                path=entry.path or None,
                # SharePoint's permission ids are base64 of the sign-in name: masked, as
                # the provisioning plan shows them.
                location=f"permission {mask(entry.permission_id)}",
                masked=mask_email(email) if email else None,
            )
        )

    def entry(self, entry: Access) -> None:
        if entry.principal is Principal.APPLICATION or _expired(entry, self.ctx):
            return
        if entry.doubt is not None:
            self.doubtful(entry)
            return
        if entry.inherited:
            self.inherited(entry)
            return
        if entry.principal is Principal.LINK or entry.link_scope is not None:
            self.link(entry)
        elif entry.principal is Principal.USER:
            self.user(entry)
        elif entry.principal in (Principal.GROUP, Principal.SITE_GROUP):
            self.group(entry)
        else:
            self.add(
                "check.unverifiable",
                entry,
                f"a grant ({_roles(entry)}) to someone spcheck could not identify",
            )

    def doubtful(self, entry: Access) -> None:
        """Access that may not have existed at ``as_of``: what it would be, as not checked."""
        probe = _Judge(self.ctx)
        probe.entry(replace(entry, doubt=None))
        for found in probe.found:
            self.found.append(
                self.ctx.finding(
                    "check.unverifiable",
                    f"whether this access existed on {when(self.ctx.as_of, self.ctx.timeline.zone)}"
                    f" is not known ({entry.doubt}); if it did: {found.message}",
                    path=found.path,
                    location=found.location,
                    masked=found.masked,
                )
            )

    def inherited(self, entry: Access) -> None:
        """A grant made higher up, seen where it reaches more than the folder allows."""
        place = _place(self.ctx, entry.path)
        contact = self.ctx.inspection.contact(entry.email) if entry.email else None
        granted = _rank(entry.roles)
        if contact is None or place.folder is None or granted is None:
            return
        allowed = folder_rank(self.ctx, contact, place.folder)
        if granted <= allowed:
            return
        closed = place.folder.partnership_access is FolderAccess.NONE
        where = f"{place.label}, which is closed to the partnership," if closed else place.label
        self.add(
            "permission.excess_role",
            entry,
            f"{_who(contact, contact.email)} has {RANK_NAME[granted]} on {where} through "
            f"access given higher up, where the policy allows {RANK_NAME[allowed]}: stop the "
            "folder inheriting permissions or narrow the grant above it",
            contact.email,
        )

    def link(self, entry: Access) -> None:
        scope = entry.link_scope
        refused = self.ctx.policy.sharing.refused_link_scopes
        if scope in refused:
            rule_id = (
                "permission.anonymous_link"
                if scope == "anonymous"
                else ("permission.organization_link")
            )
            self.add(
                rule_id,
                entry,
                f"a sharing link ({entry.link_type or 'unknown'} link, scope {scope}) on "
                f"{_place(self.ctx, entry.path).label}: remove it",
            )
        elif scope == "existingAccess":
            return
        elif entry.email:
            self.user(entry)
        else:
            self.add(
                "check.unverifiable",
                entry,
                f"a sharing link (scope {scope or 'unknown'}) whose recipients were not read",
            )

    def group(self, entry: Access) -> None:
        staff = self.ctx.policy.sharing.staff_domains
        if entry.email and domain_allowed(entry.email.rpartition("@")[2], staff):
            return
        self.add(
            "permission.not_nominated",
            entry,
            f"a group is given {_roles(entry)} on {_place(self.ctx, entry.path).label}: "
            "access goes to nominated contacts by name, never to groups",
        )

    def user(self, entry: Access) -> None:
        email = entry.email
        if not email:
            self.add(
                "check.unverifiable",
                entry,
                f"a user grant ({_roles(entry)}) whose address was not read",
            )
            return
        ctx = self.ctx
        domain = email.rpartition("@")[2]
        if domain_allowed(domain, ctx.policy.sharing.staff_domains):
            return
        if ctx.inspection.member(email) is not None:
            return  # a member of the inspection team: the team rules judge their access
        place = _place(ctx, entry.path)
        if not domain_allowed(domain, ctx.inspection.allowed_domains):
            self.add(
                "permission.external_domain",
                entry,
                f"{_who(None, email)} outside the partnership's domains has {_roles(entry)} "
                f"on {place.label}",
                email,
            )
            return
        contact = ctx.inspection.contact(email)
        if contact is None:
            self.add(
                "permission.not_nominated",
                entry,
                f"{_who(None, email)} who is not a nominated contact has {_roles(entry)} "
                f"on {place.label}",
                email,
            )
            return
        self.contact(entry, contact, place)

    def contact(self, entry: Access, contact: Contact, place: Place) -> None:
        ctx, email = self.ctx, contact.email
        granted = _rank(entry.roles)
        allowed = allowed_rank(ctx, contact, place)
        if granted is None:
            self.add(
                "check.unverifiable",
                entry,
                f"{_who(contact, email)} has a role spcheck does not know ({_roles(entry)}) "
                f"on {place.label}",
                email,
            )
        elif granted > allowed:
            self.add(
                "permission.excess_role",
                entry,
                f"{_who(contact, email)} has {RANK_NAME[granted]} on {place.label}, where "
                f"the policy allows {RANK_NAME[allowed]}",
                email,
            )
        timeline = ctx.timeline
        if not timeline.access_open(ctx.as_of):
            self.add(
                "permission.outside_window",
                entry,
                f"{_who(contact, email)} has {_roles(entry)} on {place.label} outside the "
                "access window: revoke it",
                email,
            )
        elif entry.expires_at is not None and entry.expires_at > timeline.access_until:
            self.add(
                "permission.outside_window",
                entry,
                f"{_who(contact, email)} has access on {place.label} that expires after the "
                "access window closes: shorten it",
                email,
            )


def _judged(ctx: RuleContext) -> tuple[Finding, ...]:
    def judge() -> tuple[Finding, ...]:
        if ctx.snapshot.access is None:
            return ()  # unverifiable.py says the permissions were not read
        judge = _Judge(ctx)
        for entry in ctx.snapshot.access:
            judge.entry(entry)
        judge.found.extend(_missing(ctx))
        return tuple(judge.found)

    return derived(ctx).memo("permissions", judge)


def _expired(entry: Access, ctx: RuleContext) -> bool:
    """A grant whose own expiry has passed is no access (Graph keeps listing it a while)."""
    return entry.expires_at is not None and entry.expires_at <= ctx.as_of


def _held(ctx: RuleContext, email: str, *, doubtful: bool) -> dict[str, int]:
    """The highest role a person holds per path (with ``doubtful``: counting access that
    may not have existed at ``as_of`` too). Of versions of one permission changed between
    two reads (``one_of``) one existed: the least of them is held for certain."""
    held: dict[str, int] = {}
    versions: dict[tuple[str, str], list[int]] = {}
    for entry in ctx.snapshot.access or ():
        rank = _rank(entry.roles)
        if entry.email != email or rank is None:
            continue
        if entry.link_scope is not None and entry.link_scope != "users":
            continue
        usable = 0 if _expired(entry, ctx) else rank
        if entry.doubt is not None and not doubtful:
            if entry.one_of is not None:
                versions.setdefault((entry.path, entry.one_of), []).append(usable)
            continue
        held[entry.path] = max(held.get(entry.path, 0), usable)
    for (path, _), ranks in versions.items():
        if len(ranks) > 1:
            held[path] = max(held.get(path, 0), min(ranks))
    return held


def _lacking(ctx: RuleContext, contact: Contact, held: dict[str, int]) -> list[str]:
    return [
        f"{RANK_NAME[need]} on {folder.name}"
        for folder in ctx.policy.folders
        if (need := folder_rank(ctx, contact, folder))
        and max(held.get(folder.name, 0), held.get("", 0)) < need
    ]


def _missing(ctx: RuleContext) -> Iterator[Finding]:
    """Nominated contacts without the access their role and folders need (in the window)."""
    if ctx.snapshot.access is None or not ctx.timeline.access_open(ctx.as_of):
        return
    for contact in ctx.inspection.contacts:
        lacking = _lacking(ctx, contact, _held(ctx, contact.email, doubtful=False))
        if not lacking:
            continue
        who = _who(contact, contact.email)
        if not _lacking(ctx, contact, _held(ctx, contact.email, doubtful=True)):
            yield ctx.finding(
                "check.unverifiable",
                f"whether {who} had the access they need on "
                f"{when(ctx.as_of, ctx.timeline.zone)} is not known: it rests on access that "
                "may not have existed then (" + "; ".join(lacking) + ")",
                location=f"contact {mask_email(contact.email)}",
                masked=mask_email(contact.email),
            )
            continue
        yield ctx.finding(
            "permission.missing",
            f"{who} lacks " + "; ".join(lacking),
            # Names the contact (masked), so each contact's gap is a finding of its own.
            location=f"contact {mask_email(contact.email)}",
            masked=mask_email(contact.email),
        )


def _of(ctx: RuleContext, rule_id: str) -> Iterator[Finding]:
    return (f for f in _judged(ctx) if f.rule == rule_id)


@rule("permission.not_nominated", runbook="runbooks/permissions.md#permissionnot_nominated")
def not_nominated(ctx: RuleContext) -> Iterator[Finding]:
    # Entries no rule could judge are reported once, here, as check.unverifiable.
    return (f for f in _judged(ctx) if f.rule in ("permission.not_nominated", "check.unverifiable"))


@rule("permission.external_domain", runbook="runbooks/permissions.md#permissionexternal_domain")
def external_domain(ctx: RuleContext) -> Iterator[Finding]:
    return _of(ctx, "permission.external_domain")


@rule("permission.excess_role", runbook="runbooks/permissions.md#permissionexcess_role")
def excess_role(ctx: RuleContext) -> Iterator[Finding]:
    return _of(ctx, "permission.excess_role")


@rule("permission.anonymous_link", runbook="runbooks/permissions.md#permissionanonymous_link")
def anonymous_link(ctx: RuleContext) -> Iterator[Finding]:
    return _of(ctx, "permission.anonymous_link")


@rule(
    "permission.organization_link",
    runbook="runbooks/permissions.md#permissionorganization_link",
)
def organization_link(ctx: RuleContext) -> Iterator[Finding]:
    return _of(ctx, "permission.organization_link")


@rule("permission.outside_window", runbook="runbooks/permissions.md#permissionoutside_window")
def outside_window(ctx: RuleContext) -> Iterator[Finding]:
    return _of(ctx, "permission.outside_window")


@rule("permission.missing", runbook="runbooks/permissions.md#permissionmissing")
def missing(ctx: RuleContext) -> Iterator[Finding]:
    return _of(ctx, "permission.missing")
