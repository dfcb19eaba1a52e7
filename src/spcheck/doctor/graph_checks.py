"""The doctor's checks against Microsoft Graph, in the order they depend on each other:
the token and its roles, the site, its drive, the inspections root, a write test, a
delta round trip, the alert sender's Mail.Send, and the clock against Graph's."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spcheck.doctor.interface import (
    CheckResult,
    Status,
    failed,
    passed,
    section,
    skipped,
    warned,
)
from spcheck.domain.findings import mask
from spcheck.graph.diagnostics import Probe, ProbeRefused
from spcheck.graph.gateway import GraphGateway
from spcheck.graph.interface import (
    GraphAuthError,
    GraphError,
    GraphNotFound,
    GraphUnavailable,
)
from spcheck.graph.views import Drive, DriveItem, Site
from spcheck.settings import Settings

OUTAGES = "runbooks/throttling-and-outages.md#what-to-do"
ROTATE = "runbooks/rotate-credentials.md#app-registration-certificate-cli"
# Application permissions that reach further than the one site spcheck needs.
BROADER = (
    "Sites.Read.All",
    "Sites.ReadWrite.All",
    "Sites.Manage.All",
    "Sites.FullControl.All",
    "Files.Read.All",
    "Files.ReadWrite.All",
)
SKEW_LIMIT_SECONDS = 300.0
SKEW_WARN_SECONDS = 60.0
_AADSTS = re.compile(r"AADSTS(\d+)")
# What the common sign-in refusals mean for the person fixing them.
_SIGN_IN = {
    "7000222": ("the client secret has expired", "make a new secret and set SPCHECK_CLIENT_SECRET"),
    "7000215": (
        "the client secret is wrong",
        "set SPCHECK_CLIENT_SECRET to the secret's value (not its id)",
    ),
    "700016": (
        "no app with this client id in the tenant",
        "check SPCHECK_CLIENT_ID and SPCHECK_TENANT_ID",
    ),
    "90002": ("the tenant was not found", "check SPCHECK_TENANT_ID"),
    "900023": ("the tenant id is not valid", "check SPCHECK_TENANT_ID"),
    "700027": (
        "the certificate is not the one registered on the app",
        "upload the certificate's public part to the app registration",
    ),
    "7000112": ("the app is disabled", "enable the app's service principal in Entra ID"),
}


@dataclass
class Found:
    """What the checks learn that later checks need."""

    claims: Mapping[str, Any] | None = None
    site: Site | None = None
    drive: Drive | None = None
    parent: DriveItem | None = None


def graph_failure(check: str, error: GraphError, what: str) -> CheckResult:
    """A failed Graph call as a check line with the fix that status usually needs."""
    if isinstance(error, GraphUnavailable):
        return failed(
            check,
            str(error),
            "check the network, any proxy and SPCHECK_GRAPH_URL, then run doctor again",
            OUTAGES,
            exit_code=3,
        )
    code = f" {error.code}" if error.code else ""
    if isinstance(error, GraphAuthError) and error.status == 401:
        return failed(
            check,
            f"{what}: Graph refused the token (HTTP 401{code})",
            "an expired secret or certificate, or a clock more than 5 minutes out: "
            "see the token and clock lines; rotate the credential if it has expired",
            ROTATE,
        )
    if isinstance(error, GraphAuthError) and error.status == 403:
        return failed(
            check,
            f"{what}: access denied (HTTP 403{code})",
            "grant the app write on the inspection site (Sites.Selected), as the runbook shows",
            section("grant-the-site"),
        )
    return failed(
        check,
        str(error),
        "run doctor with --trace FILE and send the trace with the report",
        section("when-something-differs-from-the-emulator"),
    )


async def check_token(gateway: GraphGateway, settings: Settings, found: Found) -> CheckResult:
    try:
        claims = await gateway.token_claims()
    except GraphUnavailable as error:
        return failed(
            "token",
            str(error),
            "check the network and any proxy to login.microsoftonline.com",
            OUTAGES,
            exit_code=3,
        )
    except GraphAuthError as error:
        code = _AADSTS.search(str(error))
        meaning = _SIGN_IN.get(code.group(1)) if code is not None else None
        if meaning is not None:
            return failed("token", f"{error} ({meaning[0]})", meaning[1], section("doctor-token"))
        return failed(
            "token",
            str(error),
            "check the credential settings against the app registration",
            section("register-the-app"),
        )
    if claims is None:
        return skipped("token", "SPCHECK_AUTH=none: the emulator takes no token")
    found.claims = claims
    app = str(claims.get("appid") or claims.get("azp") or "")
    whom = f" for app {mask(app)}" if app else ""
    if settings.client_id and app and app.lower() != settings.client_id.lower():
        return warned(
            "token",
            f"token from the {gateway.auth_mode} credential{whom}, not SPCHECK_CLIENT_ID "
            f"({mask(settings.client_id)})",
            "the credential belongs to another app: check SPCHECK_CLIENT_ID and the identity",
            section("doctor-token"),
        )
    return passed("token", f"token from the {gateway.auth_mode} credential{whom}")


def check_permissions(found: Found) -> CheckResult:
    claims = found.claims or {}
    roles = [str(role) for role in claims.get("roles") or []]
    here = section("register-the-app")
    if not roles and claims.get("scp"):
        return warned(
            "permissions",
            "a delegated token (a person's sign-in, e.g. the Azure CLI): spcheck acts as "
            "that person, so Sites.Selected does not apply",
            "use a certificate, a secret or a managed identity for the service",
            here,
        )
    broader = [role for role in roles if role in BROADER]
    if "Sites.Selected" not in roles:
        has = f"; it has {', '.join(roles)}" if roles else "; it has no application permission"
        return failed(
            "permissions",
            f"Sites.Selected is not in the token's roles{has}",
            "give the app the Microsoft Graph application permission Sites.Selected, "
            "with admin consent",
            here,
        )
    if broader:
        return warned(
            "permissions",
            f"Sites.Selected granted, and also {', '.join(broader)}, which reach every site "
            "in the tenant",
            f"remove {', '.join(broader)} from the app: spcheck needs Sites.Selected alone",
            here,
        )
    return passed("permissions", "Sites.Selected granted, nothing broader")


def can_reach_sites(found: Found) -> bool:
    """Whether the token (if any) carries a permission that can reach a site at all."""
    if found.claims is None:
        return True
    roles = [str(role) for role in found.claims.get("roles") or []]
    return bool(found.claims.get("scp")) or any(
        role.startswith(("Sites.", "Files.")) for role in roles
    )


async def check_site(gateway: GraphGateway, settings: Settings, found: Found) -> CheckResult:
    try:
        found.site = await gateway.site_record()
    except GraphNotFound as error:
        return failed(
            "site",
            str(error),
            "check the host name and path in SPCHECK_SITE",
            section("configure-spcheck"),
        )
    except GraphError as error:
        return graph_failure("site", error, f"SPCHECK_SITE {settings.site}")
    return passed("site", f"{settings.site} resolves (site id {mask(found.site.id)})")


async def check_drive(gateway: GraphGateway, found: Found) -> CheckResult:
    assert found.site is not None
    try:
        found.drive = await gateway.drive_record(found.site.id)
    except GraphError as error:
        return graph_failure("drive", error, "the site's document library")
    kind = found.drive.drive_type or "unknown type"
    if kind != "documentLibrary":
        return warned(
            "drive",
            f"the site's default drive is a {kind}, not a documentLibrary",
            "point SPCHECK_SITE at the inspection site itself",
            section("configure-spcheck"),
        )
    return passed("drive", f"document library {found.drive.name or ''} ({kind})".replace("  ", " "))


async def check_root(gateway: GraphGateway, settings: Settings, found: Found) -> CheckResult:
    assert found.drive is not None
    folder = settings.root_folder
    try:
        root = await gateway.item_by_path(found.drive.id, folder)
        if root is None:
            library = await gateway.item_by_path(found.drive.id, "")
            found.parent = library
            count = len(await gateway.children(found.drive.id, library.id)) if library else 0
            return warned(
                "root",
                f"SPCHECK_ROOT_FOLDER {folder!r} is not in the library yet ({count} item(s) at "
                "its top); the first provision --apply creates it",
                f"nothing, if {folder!r} is the name you want; else correct SPCHECK_ROOT_FOLDER",
                section("configure-spcheck"),
            )
        if not root.is_folder:
            return failed(
                "root",
                f"SPCHECK_ROOT_FOLDER {folder!r} is a file, not a folder",
                "point SPCHECK_ROOT_FOLDER at a folder (or at a name not yet used)",
                section("configure-spcheck"),
            )
        children = await gateway.children(found.drive.id, root.id)
    except GraphError as error:
        return graph_failure("root", error, f"reading {folder!r}")
    found.parent = root
    return passed("root", f"read {folder!r}: {len(children)} item(s)")


async def check_write(gateway: GraphGateway, settings: Settings, found: Found) -> CheckResult:
    assert found.drive is not None
    assert found.parent is not None
    where = settings.root_folder if found.parent.root is None else "the library's top folder"
    probe: Probe | None = None
    try:
        probe = await gateway.create_probe(found.drive.id, found.parent.id)
        probe = await gateway.rename_probe(probe)
        await gateway.delete_probe(probe)
    except (ProbeRefused, GraphError) as error:
        left = (
            f"; spcheck's probe folder {probe.name!r} is left in {where}: delete it by hand"
            if probe is not None
            else ""
        )
        if isinstance(error, ProbeRefused):
            return failed(
                "write",
                f"{error}{left}",
                "someone changed the probe folder while doctor ran; run doctor again",
                section("doctor-write"),
            )
        result = graph_failure("write", error, f"creating a folder in {where}")
        if isinstance(error, GraphAuthError) and error.status == 403 and probe is None:
            code = f" {error.code}" if error.code else ""
            return failed(
                "write",
                f"the app can read but not write in {where} (HTTP 403{code})",
                "the site grant is read: change it to write, as the runbook shows",
                section("grant-the-site"),
            )
        return failed(
            "write",
            result.summary + left,
            result.fix or "",
            result.runbook or section("doctor-write"),
            exit_code=result.exit_code,
        )
    return passed(
        "write", f"created, renamed and deleted a probe folder of spcheck's own in {where}"
    )


async def check_delta(gateway: GraphGateway, found: Found) -> CheckResult:
    assert found.drive is not None
    try:
        done = await gateway.delta_round_trip(found.drive.id)
    except GraphError as error:
        return graph_failure("delta", error, "the delta round trip")
    return passed(
        "delta",
        f"delta from token=latest and back: {done.pages} page(s), {done.changes} change(s)",
    )


def check_mail(settings: Settings, found: Found, token: CheckResult) -> CheckResult:
    if not (settings.alert_to and settings.alert_from):
        return skipped("mail", "alerts are not configured (SPCHECK_ALERT_TO, SPCHECK_ALERT_FROM)")
    if token.status is Status.SKIP:
        return skipped("mail", "SPCHECK_AUTH=none: no token to read Mail.Send from")
    if found.claims is None:
        return skipped("mail", "needs the token check to pass")
    roles = [str(role) for role in found.claims.get("roles") or []]
    sender = mask(settings.alert_from)
    here = section("doctor-mail")
    if "Mail.Send" not in roles:
        return warned(
            "mail",
            f"Mail.Send is not in the token's roles: alerts from {sender} will be refused, "
            "unless Exchange grants it (RBAC for Applications, which the token does not show)",
            "give the app Mail.Send (application) with admin consent, or an Exchange "
            "RBAC for Applications role on the sender",
            here,
        )
    return passed(
        "mail",
        f"Mail.Send granted; not proven without sending: that {sender} is a mailbox and "
        "that no Exchange scope keeps the app from sending as it",
    )


def check_clock(gateway: GraphGateway) -> CheckResult:
    seen = gateway.server_clock()
    if seen is None:
        return skipped("clock", "no Graph response carried a Date to compare with")
    skew = seen.skew_seconds
    way = "behind" if skew > 0 else "ahead of"
    said = f"this machine's clock is {abs(skew):.0f} s {way} Graph's"
    if abs(skew) > SKEW_LIMIT_SECONDS:
        return failed(
            "clock",
            f"{said}: beyond 5 minutes, tokens are refused",
            "turn on time synchronisation (NTP) on this machine",
            section("doctor-clock"),
        )
    if abs(skew) > SKEW_WARN_SECONDS:
        return warned(
            "clock",
            said,
            "turn on time synchronisation (NTP) before the drift reaches 5 minutes",
            section("doctor-clock"),
        )
    return passed("clock", f"within {abs(skew):.0f} s of Graph's")
