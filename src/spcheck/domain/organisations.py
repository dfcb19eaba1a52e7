"""Whose organisation a person belongs to, from the inspection's definition. Pure.

The records section of a report says who can read the records and from which
organisation. The definition knows some people by name: a nominated contact is
the partnership's; anyone else the definition names with an organisation is
joined through ``affiliations`` (one place: an inspection team listed in the
definition is added there). Everyone else is known only by their email domain,
and the report says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from spcheck.domain.inspection import Inspection

Source = Literal["definition", "email domain"]


@dataclass(frozen=True, slots=True)
class Affiliation:
    """A person the definition names, and the organisation it gives them."""

    email: str  # lower case
    organisation: str


@dataclass(frozen=True, slots=True)
class Organisation:
    name: str
    source: Source


# Local record readers are the partnership's own staff, whatever their address.
_PARTNERSHIP_ROLES = frozenset({"local-record-reader"})


def affiliations(inspection: Inspection) -> tuple[Affiliation, ...]:
    """Everyone the definition names with their organisation: nominated contacts are the
    partnership's; a team member's is their ``organisation`` (a local record reader without
    one is the partnership's; other members without one are known by their domain)."""
    named = [
        Affiliation(contact.email.lower(), inspection.partnership)
        for contact in inspection.contacts
    ]
    for member in inspection.team:
        organisation = member.organisation
        if organisation is None and member.role in _PARTNERSHIP_ROLES:
            organisation = inspection.partnership
        if organisation is not None:
            named.append(Affiliation(member.email.lower(), organisation))
    return tuple(named)


def organisation_of(email: str, named: Iterable[Affiliation]) -> Organisation:
    """The organisation the definition gives ``email``, else its email domain."""
    address = email.strip().lower()
    for person in named:
        if person.email == address:
            return Organisation(person.organisation, "definition")
    return Organisation(address.rpartition("@")[2], "email domain")
