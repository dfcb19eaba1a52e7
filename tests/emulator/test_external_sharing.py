"""The tenant's external-sharing setting: invitations it forbids are refused as Graph refuses
them (403 accessDenied), with nothing made: no guest account, no permission, no mail."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from spcheck.emulator.faults import FaultSpec
from spcheck.emulator.seeds import DEMO_PARTNERSHIP_USERS, SSO_EMAIL
from spcheck.emulator.state import EmulatorState
from spcheck.errors import InputError

from .helpers import raw_client

GUEST = DEMO_PARTNERSHIP_USERS[0][0]  # in the directory already (a guest of the tenant)
NEWCOMER = "ailsa.newperson@scrutiny-partner.example"  # not in the directory: a new guest
COLLEAGUE = "fiona.colleague@careinspectorate.example"  # of the organisation


def invite(
    state: EmulatorState, drive_id: str, email: str, *, by: str | None = None, **app: Any
) -> Any:
    """The invitation as the app itself, or as the person ``by`` (``X-Emulator-User``)."""
    folder = state.item_by_path(drive_id, "Inspections/glenmorven-2026/03 Records sample")
    if folder is None:
        folder = state.create_folder(drive_id, "Inspections/glenmorven-2026", "03 Records sample")
    body = {"recipients": [{"email": email}], "roles": ["read"], "requireSignIn": True}
    headers = {"X-Emulator-User": by} if by else {}

    async def run() -> Any:
        async with raw_client(state, **app) as client:
            return await client.post(
                f"/drives/{drive_id}/items/{folder.id}/invite", json=body, headers=headers
            )

    return asyncio.run(run())


def nothing_made(state: EmulatorState, drive_id: str, email: str) -> bool:
    folder = state.item_by_path(drive_id, "Inspections/glenmorven-2026/03 Records sample")
    assert folder is not None
    named = [p for p in state.permissions(drive_id, folder.id) if email in str(p)]
    return not named and not state.invitations_sent


@pytest.mark.parametrize(
    ("setting", "email", "allowed"),
    [
        ("disabled", NEWCOMER, False),
        ("disabled", GUEST, False),
        ("disabled", SSO_EMAIL, True),
        ("existing-guests", NEWCOMER, False),
        ("existing-guests", GUEST, True),
        ("existing-guests", SSO_EMAIL, True),
    ],
)
def test_the_setting_decides_who_can_be_invited(
    state: EmulatorState, drive_id: str, setting: str, email: str, allowed: bool
) -> None:
    response = invite(state, drive_id, email, faults=f"sharing:{setting}")
    if allowed:
        assert response.status_code == 200
        return
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "accessDenied"
    assert set(error) == {"code", "message", "innerError"}
    assert nothing_made(state, drive_id, email)
    assert (state.user(email) is None) == (email == NEWCOMER)  # no guest account was made


def test_by_default_a_person_who_may_share_makes_a_new_guest_by_inviting(
    state: EmulatorState, drive_id: str
) -> None:
    response = invite(state, drive_id, NEWCOMER, by=SSO_EMAIL)  # an owner of the site
    assert response.status_code == 200
    user = state.user(NEWCOMER)
    assert user is not None
    assert user.invited


def test_the_app_never_makes_a_new_guest_whatever_the_setting(
    state: EmulatorState, drive_id: str
) -> None:
    # Graph lets an app signed in as itself invite existing guests only.
    response = invite(state, drive_id, NEWCOMER)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "accessDenied"
    assert nothing_made(state, drive_id, NEWCOMER)
    assert state.user(NEWCOMER) is None
    assert invite(state, drive_id, GUEST).status_code == 200
    assert invite(state, drive_id, COLLEAGUE).status_code == 200


def test_the_setting_is_the_states_and_python_planting_ignores_it(
    state: EmulatorState, drive_id: str
) -> None:
    state.set_external_sharing("disabled")
    assert invite(state, drive_id, GUEST).status_code == 403
    folder = state.item_by_path(drive_id, "Inspections/glenmorven-2026/03 Records sample")
    assert folder is not None
    state.grant(drive_id, folder.id, GUEST, ["read"])  # a test plants what it needs
    with pytest.raises(ValueError, match="external sharing must be one of"):
        state.set_external_sharing("anyone")


def test_the_spec_entry_round_trips_and_a_bad_value_is_one_line() -> None:
    assert FaultSpec.parse("sharing:existing-guests").modes.external_sharing == "existing-guests"
    assert str(FaultSpec.parse("sharing:DISABLED")) == "sharing:disabled"
    with pytest.raises(
        InputError, match="sharing 'anyone' must be one of disabled, existing-guests"
    ):
        FaultSpec.parse("sharing:anyone")


def test_the_demo_seed_holds_every_example_person_outside_the_tenant_as_a_guest() -> None:
    from spcheck.demo.world import people_to_add_as_guests
    from spcheck.emulator.seeds import seed_demo
    from tests.conftest import EXAMPLES, POLICIES

    seeded = seed_demo()
    outside = people_to_add_as_guests(EXAMPLES, POLICIES)
    assert outside
    assert [email for email, _ in outside if seeded.user(email) is None] == []
