"""Endpoints for an item's permissions: list, get and remove them, invite people,
and create sharing links.

Reading an item's permissions needs read access to it; removing one, inviting
and creating links need owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from spcheck.emulator.endpoints import Endpoints, json_response
from spcheck.emulator.interface import GraphRequest, GraphResponse, InvalidRequest, ItemNotFound
from spcheck.emulator.model import DriveItem
from spcheck.emulator.names import is_email
from spcheck.emulator.query import QueryOptions
from spcheck.emulator.render import select
from spcheck.emulator.routing import Route
from spcheck.emulator.sharing import effective_permissions


def parse_datetime(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidRequest(f"{field} must be an ISO 8601 date and time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"{field} must be an ISO 8601 date and time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _flag(body: Mapping[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise InvalidRequest(f"{key} must be true or false")
    return value


class SharingEndpoints(Endpoints):
    """Graph's permissions, invite and createLink endpoints."""

    def _permissions_context(self, item: DriveItem) -> str:
        return self.render.context(
            f"drives('{quote(item.drive_id, safe='')}')/items('{item.id}')/permissions"
        )

    def _list_permissions(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        self.state.require(self._actor(request)[1], item, "read")
        values = [
            select(self.render.permission(p), options.select)
            for p in effective_permissions(self.state.items, item)
        ]
        return json_response(
            200, {"@odata.context": self._permissions_context(item), "value": values}
        )

    def _get_permission(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        self.state.require(self._actor(request)[1], item, "read")
        found = next(
            (
                p
                for p in effective_permissions(self.state.items, item)
                if p.id == route.permission_id
            ),
            None,
        )
        if found is None:
            raise ItemNotFound(f"The permission '{route.permission_id}' was not found on this item")
        body = select(self.render.permission(found), options.select)
        return json_response(
            200, {"@odata.context": self._permissions_context(item) + "/$entity", **body}
        )

    def _delete_permission(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        self.state.require(self._actor(request)[1], item, "owner")
        assert route.permission_id is not None
        self.state.revoke(item, route.permission_id)
        return GraphResponse(204)

    def _invite(self, route: Route, request: GraphRequest, options: QueryOptions) -> GraphResponse:
        item = self._item(route)
        actor, user = self._actor(request)
        body = request.json_object()
        recipients = body.get("recipients")
        if not isinstance(recipients, list) or not recipients:
            raise InvalidRequest("recipients must list at least one recipient")
        emails = [r.get("email") if isinstance(r, dict) else None for r in recipients]
        if not all(isinstance(email, str) and email for email in emails):
            raise InvalidRequest(
                "each recipient needs an email (objectId and alias are not emulated)"
            )
        roles = body.get("roles")
        if (
            not isinstance(roles, list)
            or not roles
            or any(role not in ("read", "write") for role in roles)
        ):
            raise InvalidRequest('roles must be ["read"] or ["write"]')
        bad = [str(email) for email in emails if not is_email(str(email))]
        if bad:
            raise InvalidRequest(f"'{bad[0]}' is not a valid email address")
        expires = body.get("expirationDateTime")
        message = body.get("message")
        terms: dict[str, Any] = {
            "expires": parse_datetime(expires, "expirationDateTime")
            if expires is not None
            else None,
            "require_sign_in": _flag(body, "requireSignIn", False),
            "retain_inherited": _flag(body, "retainInheritedPermissions", True),
            "send_invitation": _flag(body, "sendInvitation", False),
            "message": message if isinstance(message, str) else None,
        }
        self.state.require(user, item, "owner")
        self.state.check_external_sharing(
            (str(email) for email in emails), app_only=user is None
        )
        granted = [
            self.state.share_with(item, str(email), list(roles), invited_by=actor, **terms)
            for email in emails
        ]
        values = [self.render.permission(permission) for permission in granted]
        return json_response(
            200, {"@odata.context": self.render.context("Collection(permission)"), "value": values}
        )

    def _create_link(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        item = self._item(route)
        _, user = self._actor(request)
        body = request.json_object()
        link_type = body.get("type")
        if not isinstance(link_type, str):
            raise InvalidRequest("type is required (view, edit or embed)")
        if body.get("password"):
            raise InvalidRequest("Password-protected links are not emulated")
        scope = body.get("scope", "organization")
        expires = body.get("expirationDateTime")
        self.state.require(user, item, "owner")
        permission, created = self.state.add_link(
            item,
            link_type,
            str(scope),
            expires=parse_datetime(expires, "expirationDateTime") if expires is not None else None,
            retain_inherited=_flag(body, "retainInheritedPermissions", True),
        )
        body_out = {
            "@odata.context": self.render.context("permission"),
            **self.render.permission(permission),
        }
        return json_response(201 if created else 200, body_out)
