"""Graph's ``/subscriptions`` endpoints: create (with the validation handshake), list, get,
renew, delete and reauthorize.

Creating one checks the request first (resource, change type, expiry, clientState,
loopback URLs), then makes Graph's validation handshake with each URL through
``handshake`` (the notifier, ``notifier.Notifier.validate_blocking``), and only
then creates it: a URL that does not echo the token is a 400, as Graph answers.
The handshake waits on another task, so this endpoint runs outside the state's
lock and is refused inside ``$batch``. ``Prefer: includesecuritywebhooks`` asks
for notifications of permission changes too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from spcheck.emulator.endpoints import Endpoints, json_response
from spcheck.emulator.interface import GraphRequest, GraphResponse, InvalidRequest
from spcheck.emulator.model import Subscription
from spcheck.emulator.query import QueryOptions
from spcheck.emulator.render import Renderer
from spcheck.emulator.routing import Route
from spcheck.emulator.state import EmulatorState
from spcheck.settings import is_loopback_host

SECURITY_PREFERENCE = "includesecuritywebhooks"
Handshake = Callable[[str], None]


def _refuse_handshake(url: str) -> None:
    raise InvalidRequest("Subscription validation is not available outside the emulator app")


def loopback_url(value: Any, field: str) -> str:
    """A notification URL the emulator may call: http(s) on a loopback host."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"{field} is required")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not is_loopback_host(parts.hostname):
        raise InvalidRequest(
            f"{field}: the emulator sends notifications to loopback addresses only "
            "(http or https on 127.0.0.1, localhost or ::1)"
        )
    return value.strip()


def _moment(value: Any) -> datetime:
    if not isinstance(value, str):
        raise InvalidRequest("expirationDateTime is required")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"expirationDateTime '{value}' is not a date and time") from None
    if moment.tzinfo is None:
        raise InvalidRequest("expirationDateTime must carry a time zone (Z)")
    return moment


def _text(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidRequest(f"{name} is required")
    return value


class SubscriptionEndpoints(Endpoints):
    """Subscriptions to drive roots over HTTP."""

    def __init__(
        self, state: EmulatorState, renderer: Renderer, handshake: Handshake | None = None
    ) -> None:
        super().__init__(state, renderer)
        self.handshake: Handshake = handshake or _refuse_handshake

    def _subscription_body(self, subscription: Subscription) -> dict[str, Any]:
        context = self.render.context("subscriptions/$entity")
        return {"@odata.context": context, **self.render.subscription(subscription)}

    def _create_subscription(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        if request.in_batch:
            raise InvalidRequest("A subscription cannot be created inside $batch in the emulator")
        body = request.json_object()
        resource = _text(body, "resource") or ""
        change_type = _text(body, "changeType") or ""
        client_state = _text(body, "clientState", required=False)
        expires = _moment(body.get("expirationDateTime"))
        url = loopback_url(body.get("notificationUrl"), "notificationUrl")
        lifecycle = body.get("lifecycleNotificationUrl")
        lifecycle_url = (
            loopback_url(lifecycle, "lifecycleNotificationUrl") if lifecycle is not None else None
        )
        tls = _text(body, "latestSupportedTlsVersion", required=False) or "v1_2"
        self.state.check_subscription(
            resource=resource, change_type=change_type, expires=expires, client_state=client_state
        )
        # Outside the lock: the receiver may take seconds, and may call Graph itself.
        for target in dict.fromkeys(u for u in (url, lifecycle_url) if u is not None):
            self.handshake(target)
        prefer = (request.header("prefer") or "").lower()
        subscription = self.state.create_subscription(
            resource=resource,
            change_type=change_type,
            notification_url=url,
            expires=expires,
            client_state=client_state,
            lifecycle_url=lifecycle_url,
            security=SECURITY_PREFERENCE in prefer,
            tls_version=tls,
        )
        return json_response(201, self._subscription_body(subscription))

    def _list_subscriptions(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        self.state.tick()
        value = [self.render.subscription(s) for s in self.state.subscriptions.values()]
        return json_response(
            200, {"@odata.context": self.render.context("subscriptions"), "value": value}
        )

    def _get_subscription(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        assert route.subscription_id is not None
        found = self.state.subscription(route.subscription_id)
        return json_response(200, self._subscription_body(found))

    def _renew_subscription(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        assert route.subscription_id is not None
        body = request.json_object()
        unknown = sorted(set(body) - {"expirationDateTime"})
        if unknown:
            raise InvalidRequest(
                f"the emulator renews the expiry only; cannot update {', '.join(unknown)}"
            )
        renewed = self.state.renew_subscription(
            route.subscription_id, _moment(body.get("expirationDateTime"))
        )
        return json_response(200, self._subscription_body(renewed))

    def _delete_subscription(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        assert route.subscription_id is not None
        self.state.delete_subscription(route.subscription_id)
        return GraphResponse(204)

    def _reauthorize(
        self, route: Route, request: GraphRequest, options: QueryOptions
    ) -> GraphResponse:
        assert route.subscription_id is not None
        self.state.reauthorize_subscription(route.subscription_id)
        return GraphResponse(204)
