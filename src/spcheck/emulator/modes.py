"""Tenant modes: the emulator set up as a real tenant goes wrong on the first day.

Faults (``faults``) are random and transient; modes are fixed for the emulator's
life and reproduce a misconfigured tenant, so ``spcheck doctor`` and the gateway
can be tested against the answers Graph gives then. They are entries of the same
spec (``spcheck emulator --faults grant:read``):

- ``grant:none|read|write|manage|fullcontrol``: the app's ``Sites.Selected`` grant on
  the site (default ``write``). ``none``: every site and drive request is 403
  ``accessDenied``; ``read``: every request that is not a GET is;
- ``site:missing``: the site does not exist: site and drive requests are 404
  ``itemNotFound`` ("Requested site could not be found");
- ``token:expired``: every Graph request is 401 ``InvalidAuthenticationToken``
  ("Lifetime validation failed, the token is expired."), with or without a token;
- ``secret:expired``: the token endpoint refuses the client secret (401
  ``invalid_client``, ``AADSTS7000222``);
- ``roles:Sites.Selected+Mail.Send``: the application permissions in the ``roles``
  claim of the tokens the emulator issues (``roles:none`` for none). A request
  carrying such a token without any ``Sites.*`` or ``Files.*`` role is 403
  ``accessDenied`` on sites and drives; ``sendMail`` without ``Mail.Send`` is 403
  ``ErrorAccessDenied``;
- ``graph:unreachable``: every Graph request fails to connect (``httpx.ConnectError``
  in process, a closed socket over HTTP); the token endpoint still answers;
- ``skew:10m`` (or ``-90s``): the ``Date`` header of every response is that far from
  the true time, as from a host whose clock has drifted;
- ``subscriptions:refused``: creating a change-notification subscription is 403
  ``ExtensionError`` ("Operation: Create; Exception: [Status Code: Forbidden; Reason:
  Access denied]"), the answer apps report from tenants that do not let them
  subscribe (everything else works). With ``grant:none`` creating one is refused too;
- ``sharing:disabled|existing-guests``: the organisation's external-sharing setting in
  SharePoint ("Only people in your organization", "Existing guests"): an invitation
  (``POST .../invite``) to someone it does not allow is 403 ``accessDenied`` and nothing
  is made (``access.check_external_sharing``); the default allows new and existing guests
  to a person acting (``X-Emulator-User``), and existing guests only to the app itself,
  which Graph never lets create a guest.

Grant, roles and expiry apply to the app: a request that names an acting user
(``X-Emulator-User``) is checked against that user's permissions instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from spcheck.emulator.interface import (
    AccessDenied,
    GraphError,
    GraphRequest,
    ItemNotFound,
)
from spcheck.emulator.routing import Route
from spcheck.emulator.tokens import TokenClaims

GRANTS = ("none", "read", "write", "manage", "fullcontrol")
DEFAULT_ROLES = ("Sites.Selected", "Mail.Send")
MODE_ENTRIES = (
    "grant",
    "site",
    "token",
    "secret",
    "roles",
    "graph",
    "skew",
    "subscriptions",
    "sharing",
)
SHARING = ("disabled", "existing-guests")
_ROLE = re.compile(r"[A-Za-z][A-Za-z0-9.]*")
_SKEW = re.compile(r"([+-]?)(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
# Entries that switch one thing on: the value they take and the field they set.
_SWITCHES = {
    "site": ("missing", "site_missing"),
    "graph": ("unreachable", "unreachable"),
    "token": ("expired", "token_expired"),
    "secret": ("expired", "secret_expired"),
    "subscriptions": ("refused", "subscriptions_refused"),
}
# Routes that reach a site or its drive (everything but mail, subscriptions and $batch).
_NOT_SITE = frozenset({"sendMail", "batch", "subscriptions", "subscription", "reauthorize"})


class InvalidAuthenticationToken(GraphError):
    status = 401
    code = "InvalidAuthenticationToken"


class MailAccessDenied(GraphError):
    status = 403
    code = "ErrorAccessDenied"


class SubscriptionRefused(GraphError):
    status = 403
    code = "ExtensionError"


@dataclass(frozen=True, slots=True)
class TenantModes:
    """How the emulated tenant is set up for the app; the defaults are a healthy tenant."""

    grant: str = "write"
    site_missing: bool = False
    token_expired: bool = False
    secret_expired: bool = False
    roles: tuple[str, ...] = DEFAULT_ROLES
    unreachable: bool = False
    clock_skew: float = 0.0
    subscriptions_refused: bool = False
    # The tenant's external-sharing setting when the spec sets one (it lives in the state).
    external_sharing: str | None = None

    def with_entry(self, name: str, value: str, bad: Callable[[str], Exception]) -> TenantModes:
        """This set of modes with one spec entry (``grant:read``) applied."""
        lowered = value.lower()
        if name == "grant":
            if lowered not in GRANTS:
                raise bad(f"grant '{value}' must be one of {', '.join(GRANTS)}")
            return replace(self, grant=lowered)
        if name in _SWITCHES:
            wanted, field = _SWITCHES[name]
            if lowered != wanted:
                raise bad(f"{name} '{value}' must be {wanted}")
            if field == "site_missing":
                return replace(self, site_missing=True)
            if field == "unreachable":
                return replace(self, unreachable=True)
            if field == "token_expired":
                return replace(self, token_expired=True)
            if field == "subscriptions_refused":
                return replace(self, subscriptions_refused=True)
            return replace(self, secret_expired=True)
        if name == "sharing":
            if lowered not in SHARING:
                raise bad(f"sharing '{value}' must be one of {', '.join(SHARING)}")
            return replace(self, external_sharing=lowered)
        if name == "roles":
            roles = () if lowered == "none" else tuple(value.split("+"))
            if any(not _ROLE.fullmatch(role) for role in roles):
                raise bad(f"roles '{value}' must be permission names joined by +, or none")
            return replace(self, roles=roles)
        if name == "skew":
            matched = _SKEW.fullmatch(value.strip())
            if matched is None:
                raise bad(f"skew '{value}' is not a duration such as 10m, -90s or 1h")
            sign = -1.0 if matched.group(1) == "-" else 1.0
            return replace(
                self, clock_skew=sign * float(matched.group(2)) * _UNITS[matched.group(3)]
            )
        raise bad(f"unknown fault '{name}'")

    def entries(self) -> list[str]:
        """The spec entries that give these modes (empty for a healthy tenant)."""
        found: list[str] = []
        if self.grant != "write":
            found.append(f"grant:{self.grant}")
        if self.site_missing:
            found.append("site:missing")
        if self.token_expired:
            found.append("token:expired")
        if self.secret_expired:
            found.append("secret:expired")
        if self.roles != DEFAULT_ROLES:
            found.append("roles:" + ("+".join(self.roles) if self.roles else "none"))
        if self.unreachable:
            found.append("graph:unreachable")
        if self.clock_skew:
            found.append(f"skew:{self.clock_skew:g}s")
        if self.subscriptions_refused:
            found.append("subscriptions:refused")
        if self.external_sharing is not None:
            found.append(f"sharing:{self.external_sharing}")
        return found

    def refusal(
        self,
        route: Route | None,
        request: GraphRequest,
        claims: TokenClaims | None,
        *,
        as_app: bool,
    ) -> GraphError | None:
        """The error Graph would answer this request with in these modes, or None.

        ``claims`` are those of an emulator-issued bearer token (None without one);
        ``as_app`` is False when the request acts as a named user.
        """
        if self.token_expired or (claims is not None and claims.expired):
            return InvalidAuthenticationToken("Lifetime validation failed, the token is expired.")
        if route is None or not as_app:
            return None
        if route.target == "sendMail":
            if claims is not None and "Mail.Send" not in claims.roles:
                return MailAccessDenied("Access is denied. Check credentials and try again.")
            return None
        if route.target == "subscriptions" and request.method == "POST":
            unprivileged = claims is not None and not any(
                role.startswith(("Sites.", "Files.")) for role in claims.roles
            )
            if self.subscriptions_refused or self.grant == "none" or unprivileged:
                return SubscriptionRefused(
                    "Operation: Create; Exception: [Status Code: Forbidden; Reason: Access denied]"
                )
            return None
        if route.target in _NOT_SITE:
            return None
        if claims is not None and not any(
            role.startswith(("Sites.", "Files.")) for role in claims.roles
        ):
            return AccessDenied("Access denied")
        if self.site_missing:
            return ItemNotFound("Requested site could not be found")
        if self.grant == "none" or (self.grant == "read" and request.method != "GET"):
            return AccessDenied("Access denied")
        return None
