"""The few writes, built with the SDK's typed models and request builders.

Each function returns the absolute URL and the serialised JSON body; the
gateway sends them itself so that the one retry layer and the budget apply.
Two documented traps are avoided here: the conflict key is the literal
``@microsoft.graph.conflictBehavior``, and the invite's booleans are all set
explicitly (the model would otherwise send them as false, and
``retainInheritedPermissions: false`` would strip the SSO's inherited access).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from msgraph.graph_service_client import GraphServiceClient


@contextmanager
def _sdk_imports() -> Iterator[None]:
    # The generated builders warn about their own deprecated config classes on import.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _resolved(info: Any, base_url: str) -> tuple[str, bytes]:
    # The adapter fills "baseurl" only at send time; fill it now to get an absolute URL.
    info.path_parameters["baseurl"] = base_url
    content = info.content
    if not isinstance(content, bytes | bytearray):
        raise TypeError("the SDK produced no JSON body")
    return str(info.url), bytes(content)


def create_folder(
    sdk: GraphServiceClient, base_url: str, drive_id: str, parent_id: str, name: str
) -> tuple[str, bytes]:
    with _sdk_imports():
        from msgraph.generated.models.drive_item import DriveItem
        from msgraph.generated.models.folder import Folder

    body = DriveItem(
        name=name,
        folder=Folder(),
        additional_data={"@microsoft.graph.conflictBehavior": "fail"},
    )
    with _sdk_imports():
        builder = sdk.drives.by_drive_id(drive_id).items.by_drive_item_id(parent_id).children
        return _resolved(builder.to_post_request_information(body), base_url)


def invite(
    sdk: GraphServiceClient,
    base_url: str,
    drive_id: str,
    item_id: str,
    emails: Sequence[str],
    role: str,
    *,
    expires_at: datetime | None,
    send_invitation: bool,
    message: str | None,
) -> tuple[str, bytes]:
    with _sdk_imports():
        from msgraph.generated.drives.item.items.item.invite.invite_post_request_body import (
            InvitePostRequestBody,
        )
        from msgraph.generated.models.drive_recipient import DriveRecipient

    if expires_at is not None and expires_at.tzinfo is None:
        raise ValueError("expires_at must be an aware datetime")
    body = InvitePostRequestBody(
        recipients=[DriveRecipient(email=email) for email in emails],
        roles=[role],
        require_sign_in=True,
        send_invitation=send_invitation,
        retain_inherited_permissions=True,
        expiration_date_time=(
            expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if expires_at else None
        ),
        message=message,
    )
    with _sdk_imports():
        builder = sdk.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).invite
        return _resolved(builder.to_post_request_information(body), base_url)


def send_mail(
    sdk: GraphServiceClient,
    base_url: str,
    sender: str,
    to: Sequence[str],
    subject: str,
    body: str,
    *,
    html: bool,
) -> tuple[str, bytes]:
    with _sdk_imports():
        from msgraph.generated.models.body_type import BodyType
        from msgraph.generated.models.email_address import EmailAddress
        from msgraph.generated.models.item_body import ItemBody
        from msgraph.generated.models.message import Message
        from msgraph.generated.models.recipient import Recipient
        from msgraph.generated.users.item.send_mail.send_mail_post_request_body import (
            SendMailPostRequestBody,
        )

    request = SendMailPostRequestBody(
        message=Message(
            subject=subject,
            body=ItemBody(content_type=BodyType.Html if html else BodyType.Text, content=body),
            to_recipients=[Recipient(email_address=EmailAddress(address=a)) for a in to],
        ),
        save_to_sent_items=False,
    )
    with _sdk_imports():
        builder = sdk.users.by_user_id(sender).send_mail
        return _resolved(builder.to_post_request_information(request), base_url)


def create_subscription(
    sdk: GraphServiceClient,
    base_url: str,
    drive_id: str,
    notification_url: str,
    client_state: str,
    expires_at: datetime,
) -> tuple[str, bytes]:
    """A subscription to the drive root; the same URL takes the lifecycle notifications."""
    with _sdk_imports():
        from msgraph.generated.models.subscription import Subscription

    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be an aware datetime")
    body = Subscription(
        change_type="updated",
        notification_url=notification_url,
        lifecycle_notification_url=notification_url,
        resource=f"drives/{drive_id}/root",
        expiration_date_time=expires_at.astimezone(UTC),
        client_state=client_state,
    )
    with _sdk_imports():
        return _resolved(sdk.subscriptions.to_post_request_information(body), base_url)
