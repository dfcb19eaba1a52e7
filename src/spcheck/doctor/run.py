"""``spcheck doctor``: every check in order, each stopping those that depend on it.

Order: settings; token; permissions (the roles claim); site; drive; the inspections
root; the write test; a delta round trip; change notifications (a test subscription);
mail; the state store; the policy files; the clock. The Graph checks share one gateway
on one event loop, with a short retry policy so that an unreachable Graph is said
within seconds, not minutes. The exit code: 0 when nothing failed (warnings
included), 3 when a failure was Graph or the state store out of reach, else 2.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from spcheck.doctor.interface import CheckResult, Status, failed, section, skipped
from spcheck.doctor.local_checks import check_policy, check_state
from spcheck.doctor.render import render
from spcheck.doctor.settings_check import check_settings
from spcheck.errors import SpcheckError
from spcheck.graph.retry import RetryPolicy
from spcheck.settings import Settings

if TYPE_CHECKING:
    from spcheck.doctor.graph_checks import Found
    from spcheck.graph.gateway import GraphGateway

ORDER = (
    "settings",
    "token",
    "permissions",
    "site",
    "drive",
    "root",
    "write",
    "delta",
    "notify",
    "mail",
    "state",
    "policy",
    "clock",
)
SITE_CHAIN = ("site", "drive", "root", "write", "delta")
# Short: an unreachable Graph is said within seconds, not after the cycle's five minutes.
DOCTOR_POLICY = RetryPolicy(max_attempts=3, max_total_seconds=20.0, backoff_max=5.0)


def exit_code(results: list[CheckResult]) -> int:
    failures = [result for result in results if result.status is Status.FAIL]
    if not failures:
        return 0
    return 3 if any(result.exit_code == 3 for result in failures) else 2


async def _graph_checks(
    settings: Settings, gateway_options: Mapping[str, Any], results: list[CheckResult]
) -> None:
    from spcheck.doctor import graph_checks as g
    from spcheck.doctor.notify_check import check_notify
    from spcheck.graph.client import build_gateway
    options = {"policy": DOCTOR_POLICY, **gateway_options}
    try:
        gateway = build_gateway(settings, **options)
    except SpcheckError as error:
        results.append(
            failed("token", str(error), "correct that setting", section("configure-spcheck"))
        )
        for check in ("permissions", *SITE_CHAIN, "notify", "mail"):
            results.append(skipped(check, "needs the token check to pass"))
        results.append(check_state(settings))
        results.append(check_policy(settings))
        results.append(skipped("clock", "no Graph response to compare with"))
        return
    found = g.Found()
    async with gateway:
        token = await g.check_token(gateway, settings, found)
        results.append(token)
        if token.status is Status.FAIL:
            results.extend(
                skipped(check, "needs the token check to pass")
                for check in ("permissions", *SITE_CHAIN)
            )
        else:
            if found.claims is None:
                results.append(skipped("permissions", "SPCHECK_AUTH=none: no token to read"))
            else:
                results.append(g.check_permissions(found))
            await _site_checks(gateway, settings, found, results)
        results.append(await check_notify(gateway, settings, found))
        results.append(g.check_mail(settings, found, token))
        results.append(check_state(settings))
        results.append(check_policy(settings))
        results.append(g.check_clock(gateway))


async def _site_checks(
    gateway: GraphGateway, settings: Settings, found: Found, results: list[CheckResult]
) -> None:
    from spcheck.doctor import graph_checks as g

    if not g.can_reach_sites(found):
        results.extend(skipped(c, "needs a Sites permission in the token") for c in SITE_CHAIN)
        return
    site = await g.check_site(gateway, settings, found)
    results.append(site)
    if not site.ok:
        results.extend(skipped(c, "needs the site check to pass") for c in SITE_CHAIN[1:])
        return
    drive = await g.check_drive(gateway, found)
    results.append(drive)
    if not drive.ok:
        results.extend(skipped(c, "needs the drive check to pass") for c in SITE_CHAIN[2:])
        return
    root = await g.check_root(gateway, settings, found)
    results.append(root)
    if root.ok and found.parent is not None:
        results.append(await g.check_write(gateway, settings, found))
    else:
        results.append(skipped("write", "needs the root check to pass"))
    results.append(await g.check_delta(gateway, found))


def run_checks(
    *,
    settings: Settings | None = None,
    trace: Path | None = None,
    gateway_options: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[CheckResult]:
    """Every check's result, in ``ORDER``."""
    given = settings
    if given is not None and trace is not None:
        given = given.model_copy(update={"trace": trace})
    if given is None and trace is not None:
        from spcheck.settings import load_settings

        try:
            given = load_settings(trace=trace)
        except SpcheckError:
            given = None  # check_settings loads again and says what is wrong
    first, loaded = check_settings(environ, given)
    results = [first]
    if loaded is None:
        results.extend(skipped(check, "needs the settings check to pass") for check in ORDER[1:])
        return results
    asyncio.run(_graph_checks(loaded, gateway_options or {}, results))
    ranked = {check: index for index, check in enumerate(ORDER)}
    return sorted(results, key=lambda result: ranked[result.id])


def run_doctor(
    fmt: str = "table",
    *,
    trace: Path | None = None,
    settings: Settings | None = None,
    gateway_options: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Run the checks, print them, and return the exit code."""
    results = run_checks(
        settings=settings, trace=trace, gateway_options=gateway_options, environ=environ
    )
    code = exit_code(results)
    render(results, code, fmt, out)
    return code
