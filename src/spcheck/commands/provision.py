"""`spcheck provision | grant | revoke | offboard | audit`: plan by default, --apply to execute.

Each command loads the settings and the inspection, builds one gateway and
runs everything on one event loop (``asyncio.run`` once), opens the state
store, shows the plan, and applies it only with ``apply=True``. A plan alone
changes nothing on SharePoint and writes nothing to the audit log of its own
(it does not even create the state file when there is none yet); like every
command that reaches the inspection, it first reads back any change an
interrupted run left unrecorded and audits it (``writeahead``), in one line.

They return the exit code: 0 done or nothing to do; 1 refused by policy;
2 bad input or configuration, or a step Graph refused (an invitation the tenant's
external-sharing setting forbids: the other steps are made, the refused one is
audited as failed); 3 Graph or the state store failed. Errors are
printed as one line on stderr, never with a secret or an unmasked address.

``clock`` (default: now) is the time the audit log gives each step: the demo plays
its story's weeks with it.

``--apply`` needs the person who asks for the change (``--by EMAIL`` or
``SPCHECK_OPERATOR``): the audit log records them beside the app the change is
made as, so it can say which SSO granted or revoked access.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TextIO

from rich.console import Console

from spcheck.errors import InputError, SpcheckError, error_line
from spcheck.graph.interface import Gateway
from spcheck.loader import LoadedInspection, find_inspection, load_inspection, load_policies
from spcheck.loader import policies_dir as resolve_policies
from spcheck.provision.audit_filter import audit_filter
from spcheck.provision.engine import Provisioner
from spcheck.provision.interface import Mode, NotVerified, PlanRefused, Request, StepsFailed
from spcheck.provision.render import render_audit, render_plan
from spcheck.settings import Settings, load_settings
from spcheck.store.factory import open_store, store_exists
from spcheck.store.records import Store
from spcheck.writeahead.reconcile import settle_open

GatewayFactory = Callable[[Settings], Gateway]
FORMATS = ("table", "json")
ROLES = ("read", "write")


def _default_gateway(settings: Settings) -> Gateway:
    from spcheck.graph.client import build_gateway

    return build_gateway(settings)


def actor_for(settings: Settings, gateway: Gateway) -> str:
    """The identity changes are made as: the app registration (client ids are not secret)."""
    if settings.client_id:
        return f"app:{settings.client_id}"
    return f"app:spcheck ({gateway.auth_mode})"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _console(out: TextIO | None) -> Console:
    return Console(file=out, soft_wrap=False, width=160) if out is not None else Console()


def _say(line: str | None, err: TextIO | None) -> None:
    if line:
        print(error_line(line), file=err or sys.stderr)


def _fail(error: SpcheckError, err: TextIO | None) -> int:
    print(error_line(error), file=err or sys.stderr)
    return error.exit_code


def _load(settings: Settings, inspection_id: str) -> LoadedInspection:
    policies = load_policies(resolve_policies(settings.policies))
    return load_inspection(find_inspection(settings.inspections, inspection_id), policies)


def _store(settings: Settings, apply: bool) -> AbstractContextManager[Store | None]:
    if apply or store_exists(settings.state):
        return open_store(settings.state)
    return nullcontext(None)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")


def requester(by: str | None, settings: Settings, *, apply: bool) -> str | None:
    """The person asking: ``--by``, else ``SPCHECK_OPERATOR``; required to apply."""
    from spcheck.commands.operator import one_line

    if by is not None:
        return one_line(by, "--by", 200)
    if apply and settings.operator is None:
        raise InputError(
            "--by: --apply needs the person asking for the change: pass --by NAME or set "
            "SPCHECK_OPERATOR (the audit log names them beside the app)"
        )
    return settings.operator


def _run(
    inspection_id: str,
    request: Request,
    *,
    apply: bool,
    fmt: str,
    as_of: dt.datetime | None,
    by: str | None,
    settings: Settings | None,
    gateway_factory: GatewayFactory | None,
    out: TextIO | None,
    err: TextIO | None,
    clock: Callable[[], dt.datetime] | None = None,
) -> int:
    console = _console(out)
    try:
        _check_format(fmt)
        settings = settings or load_settings()
        requested_by = requester(by, settings, apply=apply)
        loaded = _load(settings, inspection_id)
        moment = as_of or dt.datetime.now(dt.UTC)
        make_gateway = gateway_factory or _default_gateway
        with _store(settings, apply) as store:

            async def work() -> int:
                async with make_gateway(settings) as gateway:
                    if store is not None:
                        settled = await settle_open(store, gateway, [loaded.inspection.id])
                        _say(settled.line(), err)
                    provisioner = Provisioner(
                        gateway=gateway,
                        loaded=loaded,
                        root_folder=settings.root_folder,
                        as_of=moment,
                        audit=store,
                        actor=actor_for(settings, gateway),
                        requested_by=requested_by,
                        clock=clock or _utc_now,
                    )
                    first = await provisioner.plan(request)
                    plan = first[0]
                    if plan.is_refused or not apply:
                        render_plan(plan, None, fmt, console)
                        return 1 if plan.is_refused else 0
                    try:
                        report = await provisioner.apply(request, first)
                    except (NotVerified, StepsFailed) as unfinished:
                        render_plan(plan, unfinished.report, fmt, console)
                        raise
                    render_plan(plan, report, fmt, console)
                    return 0

            return asyncio.run(work())
    except PlanRefused as refused:
        render_plan(refused.plan, None, fmt, console)
        return refused.exit_code
    except SpcheckError as error:
        return _fail(error, err)


def parse_emails(emails: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))
    if not cleaned:
        raise InputError("EMAIL: name at least one email address")
    for email in cleaned:
        local, at, domain = email.rpartition("@")
        if not at or not local or "." not in domain:
            raise InputError("EMAIL: an argument is not an email address")
    return cleaned


def run_provision(
    inspection_id: str,
    *,
    apply: bool = False,
    remove_drift: bool = False,
    fmt: str = "table",
    as_of: dt.datetime | None = None,
    by: str | None = None,
    settings: Settings | None = None,
    gateway_factory: GatewayFactory | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> int:
    """`spcheck provision ID [--apply] [--remove-drift]`: folders and every contact's access."""
    return _run(
        inspection_id,
        Request(Mode.PROVISION, remove_drift=remove_drift),
        apply=apply,
        fmt=fmt,
        as_of=as_of,
        by=by,
        settings=settings,
        gateway_factory=gateway_factory,
        out=out,
        err=err,
        clock=clock,
    )


def run_grant(
    inspection_id: str,
    emails: Sequence[str],
    *,
    role: str | None = None,
    apply: bool = False,
    fmt: str = "table",
    as_of: dt.datetime | None = None,
    by: str | None = None,
    settings: Settings | None = None,
    gateway_factory: GatewayFactory | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> int:
    """`spcheck grant ID EMAIL... [--role write|read] [--apply]`: access for nominated
    contacts or team members."""
    try:
        if role is not None and role not in ROLES:
            raise InputError(f"--role: {role!r} is not one of {', '.join(ROLES)}")
        request = Request(Mode.GRANT, emails=parse_emails(emails), role=role)
    except SpcheckError as error:
        return _fail(error, err)
    return _run(
        inspection_id,
        request,
        apply=apply,
        fmt=fmt,
        as_of=as_of,
        by=by,
        settings=settings,
        gateway_factory=gateway_factory,
        out=out,
        err=err,
        clock=clock,
    )


def run_revoke(
    inspection_id: str,
    emails: Sequence[str],
    *,
    apply: bool = False,
    fmt: str = "table",
    as_of: dt.datetime | None = None,
    by: str | None = None,
    settings: Settings | None = None,
    gateway_factory: GatewayFactory | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> int:
    """`spcheck revoke ID EMAIL... [--apply]`: remove these people's direct access."""
    try:
        request = Request(Mode.REVOKE, emails=parse_emails(emails))
    except SpcheckError as error:
        return _fail(error, err)
    return _run(
        inspection_id,
        request,
        apply=apply,
        fmt=fmt,
        as_of=as_of,
        by=by,
        settings=settings,
        gateway_factory=gateway_factory,
        out=out,
        err=err,
        clock=clock,
    )


def run_offboard(
    inspection_id: str,
    *,
    apply: bool = False,
    remove_drift: bool = False,
    fmt: str = "table",
    as_of: dt.datetime | None = None,
    by: str | None = None,
    settings: Settings | None = None,
    gateway_factory: GatewayFactory | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> int:
    """`spcheck offboard ID [--apply] [--remove-drift]`: end all partnership access."""
    return _run(
        inspection_id,
        Request(Mode.OFFBOARD, remove_drift=remove_drift),
        apply=apply,
        fmt=fmt,
        as_of=as_of,
        by=by,
        settings=settings,
        gateway_factory=gateway_factory,
        out=out,
        err=err,
        clock=clock,
    )


def run_audit(
    inspection_id: str | None = None,
    *,
    fmt: str = "table",
    limit: int | None = None,
    who: str | None = None,
    folder: str | None = None,
    settings: Settings | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`spcheck audit [ID] [--who EMAIL] [--folder KEY] [--format table|json]`: the audit log,
    newest first, narrowed to the entries naming a person and/or about a policy folder."""
    console = _console(out)
    try:
        _check_format(fmt)
        settings = settings or load_settings()
        policy = None
        if folder is not None and inspection_id is not None:
            policy = _load(settings, inspection_id).policy
        wanted = audit_filter(who, folder, inspection_id, policy)
        if not store_exists(settings.state):
            render_audit([], inspection_id, fmt, console)
            return 0
        with open_store(settings.state) as store:
            if wanted.active:
                entries = wanted.entries(store.entries(inspection_id), limit)
                pending = wanted.intents(store.open_intents(inspection_id))
            else:
                entries = store.entries(inspection_id, limit=limit)
                pending = store.open_intents(inspection_id)
        render_audit(entries, inspection_id, fmt, console, pending)
        return 0
    except SpcheckError as error:
        return _fail(error, err)
