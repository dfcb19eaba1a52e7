"""The unmodified msgraph-sdk, typed models and all, performing each call spcheck needs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.drives.item.items.item.children.children_request_builder import (
    ChildrenRequestBuilder,
)
from msgraph.generated.drives.item.items.item.create_link.create_link_post_request_body import (
    CreateLinkPostRequestBody,
)
from msgraph.generated.drives.item.items.item.invite.invite_post_request_body import (
    InvitePostRequestBody,
)
from msgraph.generated.models.drive_item import DriveItem
from msgraph.generated.models.drive_recipient import DriveRecipient
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.folder import Folder
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.item_reference import ItemReference
from msgraph.generated.models.message import Message
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.users.item.send_mail.send_mail_post_request_body import (
    SendMailPostRequestBody,
)

from spcheck.emulator.hashing import quick_xor_hash
from spcheck.emulator.seeds import (
    DEMO_PARTNERSHIP_USERS,
    OUTSIDER_EMAIL,
    SERVICE_EMAIL,
    SITE,
    SITE_HOSTNAME,
)
from spcheck.emulator.state import EmulatorState

from .helpers import as_user, graph_client

UPLOADER = DEMO_PARTNERSHIP_USERS[0][0]
COLLEAGUE = DEMO_PARTNERSHIP_USERS[2][0]


def folder_body(name: str, conflict: str = "fail") -> DriveItem:
    return DriveItem(
        name=name, folder=Folder(), additional_data={"@microsoft.graph.conflictBehavior": conflict}
    )


def test_site_by_path_and_by_id_then_its_library(state: EmulatorState) -> None:
    async def scenario() -> None:
        client = graph_client(state)
        site = await client.sites.by_site_id(SITE).get()
        assert site is not None
        assert site.id is not None
        assert site.id.startswith(f"{SITE_HOSTNAME},")
        assert site.id.count(",") == 2
        assert site.web_url == f"https://{SITE_HOSTNAME}/sites/inspections"
        again = await client.sites.by_site_id(site.id).get()
        assert again is not None
        assert again.id == site.id
        drive = await client.sites.by_site_id(site.id).drive.get()
        assert drive is not None
        assert drive.id is not None
        assert drive.id.startswith("b!")
        assert drive.drive_type == "documentLibrary"
        root = await client.drives.by_drive_id(drive.id).root.get()
        assert root is not None
        assert root.root is not None
        assert root.folder is not None
        assert root.folder.child_count == 1

    asyncio.run(scenario())


def test_unknown_site_is_a_graph_404(state: EmulatorState) -> None:
    async def scenario() -> None:
        client = graph_client(state)
        with pytest.raises(ODataError) as raised:
            await client.sites.by_site_id(f"{SITE_HOSTNAME}:/sites/nowhere").get()
        assert raised.value.response_status_code == 404
        assert raised.value.error is not None
        assert raised.value.error.code == "itemNotFound"

    asyncio.run(scenario())


def test_items_by_id_and_by_encoded_path(state: EmulatorState, drive_id: str) -> None:
    planted = state.upload(
        drive_id,
        "Inspections/glenmorven-2026/01 Pre-inspection return",
        "PIR v1.xlsx",
        b"pir",
        user=UPLOADER,
    )

    async def scenario() -> None:
        client = graph_client(state)
        items = client.drives.by_drive_id(drive_id).items
        by_path = await items.by_drive_item_id(
            "root:/Inspections/glenmorven-2026/01 Pre-inspection return/PIR v1.xlsx:"
        ).get()
        assert by_path is not None
        assert by_path.id == planted.id
        by_id = await items.by_drive_item_id(planted.id).get()
        assert by_id is not None
        assert by_id.name == "PIR v1.xlsx"
        assert by_id.size == 3
        assert by_id.file is not None
        assert by_id.file.hashes is not None
        assert by_id.file.hashes.quick_xor_hash == quick_xor_hash(b"pir")
        assert by_id.created_by is not None
        assert by_id.created_by.user is not None
        assert by_id.created_by.user.display_name == DEMO_PARTNERSHIP_USERS[0][1]
        assert by_id.created_by.user.additional_data.get("email") == UPLOADER
        assert by_id.parent_reference is not None
        assert by_id.parent_reference.path == (
            f"/drives/{drive_id}/root:/Inspections/glenmorven-2026/01 Pre-inspection return"
        )
        assert by_id.created_date_time == state.now()
        relative = await items.by_drive_item_id(f"{by_id.parent_reference.id}:/PIR v1.xlsx:").get()
        assert relative is not None
        assert relative.id == planted.id

    asyncio.run(scenario())


def test_create_folder_with_each_conflict_behaviour(state: EmulatorState, drive_id: str) -> None:
    parent = state.item_by_path(drive_id, "Inspections")
    assert parent is not None

    async def scenario() -> None:
        children = (
            graph_client(state)
            .drives.by_drive_id(drive_id)
            .items.by_drive_item_id(parent.id)
            .children
        )
        made = await children.post(folder_body("glenmorven-2026"))
        assert made is not None
        assert made.folder is not None
        assert made.name == "glenmorven-2026"
        with pytest.raises(ODataError) as raised:
            await children.post(folder_body("GLENMORVEN-2026"))
        assert raised.value.response_status_code == 409
        assert raised.value.error is not None
        assert raised.value.error.code == "nameAlreadyExists"
        renamed = await children.post(folder_body("glenmorven-2026", "rename"))
        assert renamed is not None
        assert renamed.name == "glenmorven-2026 1"
        replaced = await children.post(folder_body("glenmorven-2026", "replace"))
        assert replaced is not None
        assert replaced.id not in (made.id, renamed.id)

    asyncio.run(scenario())
    names = sorted(item.name for item in state.children(drive_id, parent.id))
    assert names == ["glenmorven-2026", "glenmorven-2026 1"]


def test_upload_as_a_partnership_user_who_was_granted_write(
    state: EmulatorState, drive_id: str
) -> None:
    folder = state.create_folder(drive_id, "Inspections/glenmorven-2026", "03 Records")
    state.grant(drive_id, folder.id, UPLOADER, ["write"])

    async def scenario() -> None:
        items = graph_client(state).drives.by_drive_id(drive_id).items
        created = await items.by_drive_item_id(f"{folder.id}:/REC-0001.docx:").content.put(
            b"first", request_configuration=as_user(UPLOADER)
        )
        assert created is not None
        assert created.size == 5
        assert created.created_by is not None
        assert created.created_by.user is not None
        assert created.created_by.user.display_name == DEMO_PARTNERSHIP_USERS[0][1]
        again = await items.by_drive_item_id(f"{folder.id}:/REC-0001.docx:").content.put(
            b"second version", request_configuration=as_user(UPLOADER)
        )
        assert again is not None
        assert again.id == created.id
        assert again.size == 14
        assert created.id is not None
        content = await items.by_drive_item_id(created.id).content.get()
        assert content == b"second version"

    asyncio.run(scenario())


@pytest.mark.parametrize("who", [OUTSIDER_EMAIL, "nobody@unknown.example"])
def test_upload_without_access_or_as_unknown_user_is_refused(
    state: EmulatorState, drive_id: str, who: str
) -> None:
    folder = state.create_folder(drive_id, "Inspections/glenmorven-2026", "03 Records")

    async def scenario() -> None:
        items = graph_client(state).drives.by_drive_id(drive_id).items
        with pytest.raises(ODataError) as raised:
            await items.by_drive_item_id(f"{folder.id}:/REC-0001.docx:").content.put(
                b"data", request_configuration=as_user(who)
            )
        assert raised.value.response_status_code == 403
        assert raised.value.error is not None
        assert raised.value.error.code == "accessDenied"

    asyncio.run(scenario())
    assert state.children(drive_id, folder.id) == []


def test_rename_move_and_delete(state: EmulatorState, drive_id: str) -> None:
    file = state.upload(drive_id, "Inspections/a", "draft.docx", b"x", user=UPLOADER)
    target = state.create_folder(drive_id, "Inspections", "b")

    async def scenario() -> None:
        items = graph_client(state).drives.by_drive_id(drive_id).items
        renamed = await items.by_drive_item_id(file.id).patch(DriveItem(name="final.docx"))
        assert renamed is not None
        assert renamed.name == "final.docx"
        moved = await items.by_drive_item_id(file.id).patch(
            DriveItem(parent_reference=ItemReference(id=target.id))
        )
        assert moved is not None
        assert moved.parent_reference is not None
        assert moved.parent_reference.id == target.id
        await items.by_drive_item_id(file.id).delete()
        with pytest.raises(ODataError) as raised:
            await items.by_drive_item_id(file.id).get()
        assert raised.value.response_status_code == 404

    asyncio.run(scenario())
    assert state.item_by_path(drive_id, "Inspections/b/final.docx") is None


def test_permissions_invite_list_and_delete_round_trip(state: EmulatorState, drive_id: str) -> None:
    folder = state.create_folder(
        drive_id, "Inspections/glenmorven-2026", "01 Pre-inspection return"
    )
    expiry = datetime(2026, 12, 11, 23, 59, tzinfo=UTC)

    async def scenario() -> None:
        item = graph_client(state).drives.by_drive_id(drive_id).items.by_drive_item_id(folder.id)
        before = await item.permissions.get()
        assert before is not None
        assert before.value is not None
        inherited_ids = {p.id for p in before.value}
        invited = await item.invite.post(
            InvitePostRequestBody(
                recipients=[DriveRecipient(email=UPLOADER), DriveRecipient(email=COLLEAGUE)],
                roles=["write"],
                require_sign_in=True,
                send_invitation=False,
                retain_inherited_permissions=True,
                expiration_date_time=expiry.strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),  # a str in the SDK model
            )
        )
        assert invited is not None
        assert invited.value is not None
        assert len(invited.value) == 2
        grant = invited.value[0]
        assert grant.roles == ["write"]
        assert grant.granted_to_v2 is not None
        assert grant.granted_to_v2.user is not None
        assert grant.expiration_date_time == expiry
        listed = await item.permissions.get()
        assert listed is not None
        assert listed.value is not None
        ids = {p.id for p in listed.value}
        assert inherited_ids < ids
        assert {p.id for p in invited.value} <= ids
        assert grant.id is not None
        await item.permissions.by_permission_id(grant.id).delete()
        after = await item.permissions.get()
        assert after is not None
        assert after.value is not None
        assert grant.id not in {p.id for p in after.value}
        with pytest.raises(ODataError) as raised:
            await item.permissions.by_permission_id(grant.id).delete()
        assert raised.value.response_status_code == 404

    asyncio.run(scenario())


def test_invite_refuses_owner_role(state: EmulatorState, drive_id: str) -> None:
    folder = state.create_folder(drive_id, "Inspections", "x")

    async def scenario() -> None:
        item = graph_client(state).drives.by_drive_id(drive_id).items.by_drive_item_id(folder.id)
        with pytest.raises(ODataError) as raised:
            await item.invite.post(
                InvitePostRequestBody(
                    recipients=[DriveRecipient(email=UPLOADER)],
                    roles=["owner"],
                    require_sign_in=True,
                    send_invitation=False,
                )
            )
        assert raised.value.response_status_code == 400

    asyncio.run(scenario())
    assert folder.inherits


def test_create_link_plants_anonymous_and_organization_links(
    state: EmulatorState, drive_id: str
) -> None:
    folder = state.create_folder(drive_id, "Inspections/glenmorven-2026", "03 Records")

    async def scenario() -> None:
        item = graph_client(state).drives.by_drive_id(drive_id).items.by_drive_item_id(folder.id)
        anonymous = await item.create_link.post(
            CreateLinkPostRequestBody(type="view", scope="anonymous")
        )
        assert anonymous is not None
        assert anonymous.link is not None
        assert anonymous.link.scope == "anonymous"
        assert anonymous.link.type == "view"
        assert anonymous.roles == ["read"]
        organization = await item.create_link.post(
            CreateLinkPostRequestBody(type="edit", scope="organization")
        )
        assert organization is not None
        assert organization.roles == ["write"]
        same = await item.create_link.post(
            CreateLinkPostRequestBody(type="view", scope="anonymous")
        )
        assert same is not None
        assert same.id == anonymous.id
        listed = await item.permissions.get()
        assert listed is not None
        assert listed.value is not None
        scopes = sorted(str(p.link.scope) for p in listed.value if p.link is not None)
        assert scopes == ["anonymous", "organization"]

    asyncio.run(scenario())


def test_send_mail_is_recorded(state: EmulatorState) -> None:
    async def scenario() -> None:
        client = graph_client(state)
        await client.users.by_user_id(SERVICE_EMAIL).send_mail.post(
            SendMailPostRequestBody(
                message=Message(
                    subject="spcheck: 2 errors in glenmorven-2026",
                    body=ItemBody(content="See the attached report."),
                    to_recipients=[
                        Recipient(
                            email_address=EmailAddress(
                                address="sso.testperson@careinspectorate.example"
                            )
                        )
                    ],
                ),
                save_to_sent_items=False,
            )
        )
        with pytest.raises(ODataError) as raised:
            await client.users.by_user_id("nobody@careinspectorate.example").send_mail.post(
                SendMailPostRequestBody(
                    message=Message(
                        subject="x",
                        to_recipients=[
                            Recipient(email_address=EmailAddress(address="a@b.example"))
                        ],
                    )
                )
            )
        assert raised.value.response_status_code == 404

    asyncio.run(scenario())
    assert len(state.sent_mail) == 1
    sent = state.sent_mail[0]
    assert sent["from"] == SERVICE_EMAIL
    assert sent["message"]["subject"] == "spcheck: 2 errors in glenmorven-2026"
    assert sent["saveToSentItems"] is False


def test_children_select_and_typed_delta(state: EmulatorState, drive_id: str) -> None:
    for name in ("b.docx", "a.docx", "c.pdf"):
        state.upload(drive_id, "Inspections/k", name, name.encode(), user=UPLOADER)
    folder = state.item_by_path(drive_id, "Inspections/k")
    assert folder is not None

    async def scenario() -> None:
        client = graph_client(state)
        query = ChildrenRequestBuilder.ChildrenRequestBuilderGetQueryParameters(
            select=["id", "name"], top=2
        )
        page = (
            await client.drives.by_drive_id(drive_id)
            .items.by_drive_item_id(folder.id)
            .children.get(request_configuration=RequestConfiguration(query_parameters=query))
        )
        assert page is not None
        assert page.value is not None
        assert [item.name for item in page.value] == ["a.docx", "b.docx"]
        assert page.value[0].size is None
        assert page.odata_next_link is not None
        delta = await client.drives.by_drive_id(drive_id).items.by_drive_item_id("root").delta.get()
        assert delta is not None
        assert delta.value is not None
        names = [item.name for item in delta.value]
        assert names[0] == "root"
        assert set(names) >= {"Inspections", "k", "a.docx", "c.pdf"}
        assert all(
            item.parent_reference is None or item.parent_reference.path is None
            for item in delta.value
        )
        assert delta.odata_delta_link is not None
        assert delta.odata_next_link is None

    asyncio.run(scenario())


def test_created_timestamp_follows_the_state_clock(state: EmulatorState, drive_id: str) -> None:
    week3 = datetime(2026, 9, 24, 14, 30, tzinfo=UTC)
    planted = state.upload(drive_id, "Inspections/g/01", "PIR.xlsx", b"1", user=UPLOADER, at=week3)

    async def scenario() -> None:
        item = (
            await graph_client(state)
            .drives.by_drive_id(drive_id)
            .items.by_drive_item_id(planted.id)
            .get()
        )
        assert item is not None
        assert item.created_date_time == week3
        assert item.last_modified_date_time == week3

    asyncio.run(scenario())
    assert planted.created == week3
