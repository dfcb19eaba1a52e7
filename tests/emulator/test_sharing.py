"""Permissions as SharePoint keeps them: inheritance, breaking it, invitations, links, expiry."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from spcheck.emulator.interface import AccessDenied
from spcheck.emulator.seeds import DEMO_PARTNERSHIP_USERS, OUTSIDER_EMAIL, SSO_EMAIL
from spcheck.emulator.state import EmulatorState

from .helpers import Clock, raw_client

UPLOADER = DEMO_PARTNERSHIP_USERS[0][0]
COLLEAGUE = DEMO_PARTNERSHIP_USERS[1][0]


def call(state: EmulatorState, method: str, url: str, **kwargs: Any) -> Any:
    async def run() -> Any:
        async with raw_client(state) as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(run())


def ids(permissions: list[dict[str, Any]]) -> set[str]:
    return {permission["id"] for permission in permissions}


def test_children_inherit_until_shared_and_keep_ids_when_copied(
    state: EmulatorState, drive_id: str
) -> None:
    parent = state.create_folder(drive_id, "Inspections", "glenmorven-2026")
    child = state.create_folder(drive_id, "Inspections/glenmorven-2026", "03 Records")
    base = f"/drives/{drive_id}/items"
    parent_before = call(state, "GET", f"{base}/{parent.id}/permissions").json()["value"]
    child_before = call(state, "GET", f"{base}/{child.id}/permissions").json()["value"]
    assert ids(parent_before) == ids(child_before)
    assert {p["grantedToV2"]["siteGroup"]["displayName"] for p in child_before} == {
        "Inspections Owners",
        "Inspections Members",
    }
    assert all("inheritedFrom" not in p for p in child_before)

    invited = call(
        state,
        "POST",
        f"{base}/{child.id}/invite",
        json={"recipients": [{"email": UPLOADER}], "roles": ["write"], "requireSignIn": True},
    )
    assert invited.status_code == 200
    grant = invited.json()["value"][0]
    assert grant["grantedToV2"]["user"]["email"] == UPLOADER
    assert grant["grantedToV2"]["siteUser"]["loginName"].endswith(UPLOADER)

    child_after = call(state, "GET", f"{base}/{child.id}/permissions").json()["value"]
    parent_after = call(state, "GET", f"{base}/{parent.id}/permissions").json()["value"]
    assert ids(child_after) == ids(parent_before) | {grant["id"]}
    assert ids(parent_after) == ids(parent_before)

    inherited = next(iter(ids(parent_before)))
    removed = call(state, "DELETE", f"{base}/{child.id}/permissions/{inherited}")
    assert removed.status_code == 204
    below = state.create_folder(drive_id, "Inspections/glenmorven-2026/03 Records", "sample")
    refused = call(state, "DELETE", f"{base}/{below.id}/permissions/{grant['id']}")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "accessDenied"


def test_retain_inherited_false_drops_inherited_entries(
    state: EmulatorState, drive_id: str
) -> None:
    folder = state.create_folder(drive_id, "Inspections", "g")
    body = {
        "recipients": [{"email": UPLOADER}],
        "roles": ["read"],
        "requireSignIn": True,
        "sendInvitation": False,
        "retainInheritedPermissions": False,
    }
    granted = call(state, "POST", f"/drives/{drive_id}/items/{folder.id}/invite", json=body)
    listed = call(state, "GET", f"/drives/{drive_id}/items/{folder.id}/permissions").json()["value"]
    assert ids(listed) == {granted.json()["value"][0]["id"]}


def test_invitation_for_someone_outside_the_directory(state: EmulatorState, drive_id: str) -> None:
    folder = state.create_folder(drive_id, "Inspections", "g")
    body = {
        "recipients": [{"email": "new.person@kinloch-council.example"}],
        "roles": ["write"],
        "requireSignIn": True,
        "sendInvitation": True,
        "message": "Please upload the PIR here.",
    }
    # A new guest is made by a person who may share (the site's owner), never by the app.
    response = call(
        state,
        "POST",
        f"/drives/{drive_id}/items/{folder.id}/invite",
        json=body,
        headers={"X-Emulator-User": SSO_EMAIL},
    )
    permission = response.json()["value"][0]
    assert permission["invitation"] == {
        "email": "new.person@kinloch-council.example",
        "signInRequired": True,
    }
    assert "grantedToV2" not in permission
    assert state.invitations_sent == [
        {
            "to": "new.person@kinloch-council.example",
            "item": "Inspections/g",
            "roles": ["write"],
            "message": "Please upload the PIR here.",
            "requireSignIn": True,
            "invitedBy": "Sandy Testperson (SSO)",
        }
    ]


def test_access_follows_grants_expiry_and_links(
    state: EmulatorState, drive_id: str, clock: Clock
) -> None:
    folder = state.create_folder(drive_id, "Inspections/g", "03 Records")
    items = state.items

    def can_write(email: str) -> bool:
        try:
            state.require(state.user(email), items[folder.id], "write")
        except AccessDenied:
            return False
        return True

    assert not can_write(UPLOADER)
    assert can_write(SSO_EMAIL)  # a member of the site's Owners group
    state.grant(drive_id, folder.id, UPLOADER, ["write"], expires=clock.now + timedelta(hours=1))
    state.grant(drive_id, folder.id, COLLEAGUE, ["read"])
    assert can_write(UPLOADER)
    assert not can_write(COLLEAGUE)
    clock.advance(hours=2)
    assert not can_write(UPLOADER)
    assert not can_write(OUTSIDER_EMAIL)
    state.create_link(drive_id, folder.id, "edit", "organization")
    assert not can_write(OUTSIDER_EMAIL)  # a guest is not in the organization
    state.create_link(drive_id, folder.id, "edit", "anonymous")
    assert can_write(OUTSIDER_EMAIL)


def test_sharing_needs_owner_rights_for_an_acting_user(state: EmulatorState, drive_id: str) -> None:
    folder = state.create_folder(drive_id, "Inspections", "g")
    state.grant(drive_id, folder.id, UPLOADER, ["write"])
    body = {"recipients": [{"email": OUTSIDER_EMAIL}], "roles": ["write"]}
    as_partner = call(
        state,
        "POST",
        f"/drives/{drive_id}/items/{folder.id}/invite",
        json=body,
        headers={"X-Emulator-User": UPLOADER},
    )
    assert as_partner.status_code == 403
    as_owner = call(
        state,
        "POST",
        f"/drives/{drive_id}/items/{folder.id}/createLink",
        json={"type": "view", "scope": "users"},
        headers={"X-Emulator-User": SSO_EMAIL},
    )
    assert as_owner.status_code == 201
    assert as_owner.json()["link"]["scope"] == "users"


def test_python_grant_can_plant_an_owner_role(state: EmulatorState, drive_id: str) -> None:
    folder = state.create_folder(drive_id, "Inspections", "g")
    planted = state.grant(drive_id, folder.id, UPLOADER, ["owner"])
    assert planted.roles == ("owner",)
    assert planted.id in {p.id for p in state.permissions(drive_id, folder.id)}


@pytest.mark.parametrize(
    "body",
    [
        {"recipients": [], "roles": ["read"]},
        {"recipients": [{"email": UPLOADER}], "roles": ["owner"]},
        {"recipients": [{"email": UPLOADER}], "roles": []},
        {"recipients": [{"email": "not-an-address"}], "roles": ["read"]},
        {
            "recipients": [{"email": UPLOADER}],
            "roles": ["read"],
            "expirationDateTime": "2001-01-01T00:00:00Z",
        },
        {"recipients": [{"email": UPLOADER}], "roles": ["read"], "requireSignIn": "yes"},
    ],
)
def test_bad_invitations_are_refused_and_change_nothing(
    state: EmulatorState, drive_id: str, body: dict[str, Any]
) -> None:
    folder = state.create_folder(drive_id, "Inspections", "g")
    response = call(state, "POST", f"/drives/{drive_id}/items/{folder.id}/invite", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalidRequest"
    assert folder.inherits
    assert folder.sharing_seq == 0


def test_an_invitation_makes_a_guest_who_acts_with_the_granted_role_until_it_ends(
    state: EmulatorState, drive_id: str, clock: Clock
) -> None:
    newcomer = "new.person@kinloch-council.example"
    folder = state.create_folder(drive_id, "Inspections/k", "01 Pre-inspection return")
    records = state.create_folder(drive_id, "Inspections/k", "03 Records sample")
    upload = f"/drives/{drive_id}/items/{folder.id}:/PIR.xlsx:/content"
    as_newcomer = {"X-Emulator-User": newcomer}

    before = call(state, "PUT", upload, content=b"pir", headers=as_newcomer)
    assert before.status_code == 403
    assert "not a user of this tenant" in before.json()["error"]["message"]

    invited = call(
        state,
        "POST",
        f"/drives/{drive_id}/items/{folder.id}/invite",
        json={
            "recipients": [{"email": newcomer}],
            "roles": ["write"],
            "requireSignIn": True,
            "expirationDateTime": (clock.now + timedelta(days=7)).isoformat(),
        },
        headers={"X-Emulator-User": SSO_EMAIL},  # a person makes a new guest, never the app
    )
    assert invited.status_code == 200
    assert invited.json()["value"][0]["invitation"]["email"] == newcomer
    guest = state.user(newcomer)
    assert guest is not None
    assert guest.guest
    assert guest.invited

    made = call(state, "PUT", upload, content=b"pir", headers=as_newcomer)
    assert made.status_code == 201
    assert made.json()["createdBy"]["user"]["email"] == newcomer
    # The role is the folder's only: nothing beside it.
    elsewhere = call(
        state,
        "PUT",
        f"/drives/{drive_id}/items/{records.id}:/GM-1001.txt:/content",
        content=b"x",
        headers=as_newcomer,
    )
    assert elsewhere.status_code == 403

    clock.advance(days=8)  # the grant has expired
    expired = call(state, "PUT", upload, content=b"pir v2", headers=as_newcomer)
    assert expired.status_code == 403
    assert expired.json()["error"]["code"] == "accessDenied"

    again = state.grant(drive_id, folder.id, newcomer, ["write"])
    assert call(state, "PUT", upload, content=b"pir v3", headers=as_newcomer).status_code == 200
    state.remove_permission(drive_id, folder.id, again.id)
    removed = call(state, "PUT", upload, content=b"pir v4", headers=as_newcomer)
    assert removed.status_code == 403


def test_a_contact_with_write_on_a_folder_can_upload_into_a_new_sub_folder(
    state: EmulatorState, drive_id: str
) -> None:
    records = state.create_folder(drive_id, "Inspections/g", "03 Records sample")
    state.grant(drive_id, records.id, UPLOADER, ["write"])
    as_uploader = {"X-Emulator-User": UPLOADER}
    by_id = f"/drives/{drive_id}/items/{records.id}:/GM-2999/chronology.pdf:/content"
    made = call(state, "PUT", by_id, content=b"%PDF", headers=as_uploader)
    assert made.status_code == 201
    assert state.item_by_path(drive_id, "Inspections/g/03 Records sample/GM-2999/chronology.pdf")
    by_path = (
        f"/drives/{drive_id}/root:/Inspections/g/03 Records sample/GM-3001/deep/plan.docx:/content"
    )
    assert call(state, "PUT", by_path, content=b"d", headers=as_uploader).status_code == 201
    folder = state.item_by_path(drive_id, "Inspections/g/03 Records sample/GM-3001/deep")
    assert folder is not None
    assert folder.is_folder
    assert folder.created_by.email == UPLOADER

    # Where the contact has no write, no folder is made and nothing is uploaded.
    outside = f"/drives/{drive_id}/root:/Inspections/g/99 SSO only/notes/x.txt:/content"
    refused = call(state, "PUT", outside, content=b"x", headers=as_uploader)
    assert refused.status_code == 403
    assert state.item_by_path(drive_id, "Inspections/g/99 SSO only") is None
