"""An invitation the tenant's external-sharing setting forbids: a failed step, never done.

The emulator refuses it as Graph does (403 accessDenied, nothing made). The plan's
other steps are still made, the refused ones are audited as failed (their write-ahead
intents closed, none left pending), the output names the runbook, and the exit code
is 2: a setting to change before running again.
"""

from __future__ import annotations

import json

from spcheck.commands.provision import run_grant, run_provision
from spcheck.store.sqlite import SqliteStore

from .conftest import EILIDH, IAIN, INSPECTION, MORAG, World

RUNBOOK = "runbooks/provision-inspection.md#an-invitation-is-refused"
NEWCOMER = "ailsa.newcontact@glenmorven-council.example"


def people(world: World) -> set[str]:
    return {grant.email for grant in world.direct_grants()}


def test_new_guests_refused_by_the_tenant_fail_their_steps_and_the_rest_is_made(
    world: World,
) -> None:
    # Morag is a guest of the tenant already; Iain and Eilidh have never been guests.
    for email in (IAIN, EILIDH):
        del world.state.users[email]
    world.state.set_external_sharing("existing-guests")
    code, out, err = world.run(run_provision, INSPECTION, apply=True)
    assert code == 2
    assert err.count("\n") == 1
    assert "step(s) failed, refused by Graph" in err
    assert RUNBOOK in err
    assert "failed" in out
    assert RUNBOOK in out
    assert "verified: a fresh read" not in out
    assert people(world) == {MORAG}
    assert world.state.user(IAIN) is None  # no guest account was made either
    for email in (IAIN, MORAG, EILIDH):
        assert email not in out + err

    audit = world.audit()
    failed = [e for e in audit if e.result.value == "failed"]
    assert {e.email for e in failed} == {IAIN, EILIDH}
    assert all(e.action == "grant" for e in failed)
    assert all("HTTP 403 accessDenied" in e.detail and RUNBOOK in e.detail for e in failed)
    assert {e.email for e in audit if e.result.value == "ok" and e.action == "grant"} == {MORAG}
    with SqliteStore(world.state_file) as store:
        assert store.open_intents(INSPECTION) == []  # each intent resolved, as failed

    # Nothing is taken for done: the next plan still has the refused grants to make.
    code, plan_out, _ = world.run(run_provision, INSPECTION, fmt="json")
    assert code == 0
    steps = json.loads(plan_out)["steps"]
    assert {s["email"][:2] for s in steps} == {"ia", "ei"}
    assert all(s["action"] == "grant" for s in steps)


def test_the_json_report_says_failed_and_not_verified(world: World) -> None:
    world.state.set_external_sharing("disabled")
    code, out, _ = world.run(run_grant, INSPECTION, [MORAG], apply=True, fmt="json")
    assert code == 2
    applied = json.loads(out)["applied"]
    assert applied["verified"] is False
    grants = [o for o in applied["outcomes"] if o["action"] == "grant"]
    assert grants
    assert {o["result"] for o in grants} == {"failed"}
    assert applied["failed"] == len(grants)
    assert {o["result"] for o in applied["outcomes"] if o["action"] == "create_folder"} == {"ok"}
    assert applied["remaining"]  # the grants are still to be made
    assert people(world) == set()


def test_a_refused_invitation_does_not_stop_a_revocation(world: World) -> None:
    assert world.run(run_provision, INSPECTION, apply=True)[0] == 0
    assert EILIDH in people(world)
    world.state.set_external_sharing("existing-guests")
    contacts = [c for c in world.definition()["contacts"] if c["email"] != EILIDH]
    contacts.append({"name": "Ailsa Newcontact", "email": NEWCOMER, "role": "viewer"})
    world.set_contacts(contacts)
    code, _, err = world.run(run_provision, INSPECTION, apply=True)
    assert code == 2
    assert RUNBOOK in err
    assert EILIDH not in people(world)  # her access ended although the invitation failed
    assert NEWCOMER not in people(world)
    assert {IAIN, MORAG} <= people(world)


def test_an_app_never_makes_a_new_guest_even_where_the_tenant_allows_new_guests(
    world: World,
) -> None:
    # The tenant's default setting allows new guests, but Graph lets an app signed in as
    # itself invite existing guests only: Iain, never a guest, must be added by a person.
    del world.state.users[IAIN]
    code, _, err = world.run(run_provision, INSPECTION, apply=True)
    assert code == 2
    assert "refused by Graph" in err
    assert world.state.user(IAIN) is None
    failed = [e for e in world.audit() if e.result.value == "failed"]
    assert {e.email for e in failed} == {IAIN}
    assert MORAG in people(world)
