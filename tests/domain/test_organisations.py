"""Whose organisation a person is, from the definition, else the email domain."""

from __future__ import annotations

from spcheck.domain.organisations import Affiliation, Organisation, affiliations, organisation_of
from tests.rules.builders import COORDINATOR, RECORDS_UPLOADER, loaded


def test_a_nominated_contact_is_the_partnerships() -> None:
    inspection = loaded().inspection
    named = affiliations(inspection)
    assert {a.email for a in named} >= {COORDINATOR, RECORDS_UPLOADER}
    assert organisation_of(RECORDS_UPLOADER.upper(), named) == Organisation(
        inspection.partnership, "definition"
    )


def test_anyone_else_is_known_by_their_email_domain() -> None:
    named = affiliations(loaded().inspection)
    assert organisation_of("a.reader@scrutiny-body.example", named) == Organisation(
        "scrutiny-body.example", "email domain"
    )


def test_other_people_the_definition_names_are_joined_by_address() -> None:
    named = (Affiliation("ailsa.partner@scrutiny-body.example", "Scrutiny Body (example)"),)
    assert organisation_of(" Ailsa.Partner@scrutiny-body.example", named) == Organisation(
        "Scrutiny Body (example)", "definition"
    )


def test_a_team_member_s_organisation_comes_from_their_team_entry() -> None:
    from spcheck.domain.inspection import TeamMember

    base = loaded().inspection
    inspection = base.model_copy(
        update={
            "team": [
                TeamMember(
                    name="Alex Scrutineer",
                    email="alex.scrutineer@scrutiny-body.example",
                    role="scrutiny-partner",
                    organisation="Another Scrutiny Body",
                ),
                TeamMember(
                    name="Ruth Readwell",
                    email="ruth.readwell@glenmorven-council.example",
                    role="local-record-reader",
                ),
                TeamMember(
                    name="Jo Assessor",
                    email="jo.assessor@assessors.example",
                    role="associate-assessor",
                ),
            ]
        }
    )
    named = affiliations(inspection)
    assert organisation_of("alex.scrutineer@scrutiny-body.example", named) == Organisation(
        "Another Scrutiny Body", "definition"
    )
    assert organisation_of("ruth.readwell@glenmorven-council.example", named) == Organisation(
        inspection.partnership, "definition"
    )
    assert organisation_of("jo.assessor@assessors.example", named) == Organisation(
        "assessors.example", "email domain"
    )
