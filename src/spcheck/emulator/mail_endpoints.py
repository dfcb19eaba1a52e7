"""The ``sendMail`` endpoint: the message needs recipients with addresses; it is
recorded in ``state.sent_mail`` and nothing is delivered.
"""

from __future__ import annotations

from spcheck.emulator.endpoints import Endpoints
from spcheck.emulator.interface import (
    GraphRequest,
    GraphResponse,
    InvalidRecipients,
    InvalidRequest,
)
from spcheck.emulator.query import QueryOptions
from spcheck.emulator.routing import Route


class MailEndpoints(Endpoints):
    """Graph's ``/users/{id}/sendMail``."""

    def _send_mail(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        assert route.user is not None
        body = {key.lower(): value for key, value in request.json_object().items()}
        message = body.get("message")
        if not isinstance(message, dict):
            raise InvalidRequest("message is required")
        fields = {key.lower(): value for key, value in message.items()}
        recipients = fields.get("torecipients")
        if not isinstance(recipients, list) or not recipients:
            raise InvalidRecipients("At least one recipient is required")
        for recipient in recipients:
            address = (
                recipient.get("emailAddress", {}).get("address")
                if isinstance(recipient, dict)
                else None
            )
            if not isinstance(address, str) or "@" not in address:
                raise InvalidRecipients("Each recipient needs emailAddress.address")
        save = body.get("savetosentitems", True)
        self.state.record_mail(route.user, message, save_to_sent_items=bool(save))
        return GraphResponse(202)
