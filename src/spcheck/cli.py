"""The `spcheck` command line (docs/commands.md). Thin: parse, call, render.

Heavy modules (msgraph, azure, pdf readers, the emulator) are imported inside
the commands that need them, so `spcheck --help` starts fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from spcheck import __version__
from spcheck.errors import InputError, SpcheckError, error_line

app = typer.Typer(
    name="spcheck",
    help="Provision and check the SharePoint side of a joint inspection of services for "
    "children at risk of harm.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
policy_app = typer.Typer(help="Policies and inspection definitions.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
state_app = typer.Typer(help="spcheck's own state (SPCHECK_STATE).", no_args_is_help=True)
app.add_typer(state_app, name="state")


class TableOrJson(StrEnum):
    TABLE = "table"
    JSON = "json"


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSON_V1 = "json-v1"
    HTML = "html"
    MD = "md"
    CSV = "csv"
    JUNIT = "junit"
    SARIF = "sarif"


class Role(StrEnum):
    WRITE = "write"
    READ = "read"


AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Replay this date (YYYY-MM-DD: 17:00 that day) or ISO time."),
]
Apply = Annotated[bool, typer.Option("--apply", help="Make the changes (default: show the plan).")]
RemoveDrift = Annotated[
    bool, typer.Option("--remove-drift", help="With --apply, also remove unexpected access.")
]
Fmt = Annotated[TableOrJson, typer.Option("--format", help="Output format.")]
AskedBy = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="NAME",
        help="Who asks for the change (audited beside the app); default SPCHECK_OPERATOR. "
        "Required with --apply.",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"spcheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """spcheck: SharePoint provisioning and compliance checks for joint inspections."""


def _as_of(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"--as-of: {value!r} is not a date (YYYY-MM-DD) or ISO date-time"
        ) from None
    return parsed


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Directory for the reports and the demo's state.")
    ] = Path("spcheck-demo"),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Play the story up to this date (YYYY-MM-DD).")
    ] = None,
) -> None:
    """The whole lifecycle on the built-in emulator: provision, uploads, check, report."""
    from spcheck.demo import parse_demo_date, run_demo

    raise typer.Exit(run_demo(out, parse_demo_date(as_of)))


@app.command()
def timeline(
    inspection_id: Annotated[
        str, typer.Argument(metavar="ID", help="Inspection id (or its .yaml).")
    ],
    fmt: Annotated[
        TableOrJson, typer.Option("--format", help="Output format.")
    ] = TableOrJson.TABLE,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Mark this date as today (YYYY-MM-DD).")
    ] = None,
) -> None:
    """The inspection's milestones with their computed dates."""
    from spcheck.commands.timeline import render_timeline
    from spcheck.loader import find_inspection, load_inspection, load_policies, policies_dir
    from spcheck.settings import load_settings

    settings = load_settings()
    policies = load_policies(policies_dir(settings.policies))
    loaded = load_inspection(find_inspection(settings.inspections, inspection_id), policies)
    today = _as_of(as_of) or dt.datetime.now(dt.UTC)
    render_timeline(loaded, today, fmt.value)


@policy_app.command("validate")
def policy_validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(metavar="[FILE]...", help="Policy or inspection files; default: all."),
    ] = None,
) -> None:
    """Validate policies and inspection definitions (and their sample lists)."""
    from spcheck.commands.validate import validate_paths
    from spcheck.loader import policies_dir
    from spcheck.settings import load_settings

    settings = load_settings()
    raise typer.Exit(
        validate_paths(files or [], policies_dir(settings.policies), settings.inspections)
    )


@state_app.command("check")
def state_check(fmt: Fmt = TableOrJson.TABLE) -> None:
    """Whether the state is spcheck's and whole (integrity check), what it holds, its backups."""
    from spcheck.commands.state import run_state_check

    raise typer.Exit(run_state_check(fmt=fmt.value))


@app.command()
def rules(
    rule_id: Annotated[
        str | None,
        typer.Argument(metavar="[RULE]", help="A rule id: show what to do about it."),
    ] = None,
) -> None:
    """List the rules (id, default severity, meaning, runbook), or show one rule's runbook."""
    from rich.console import Console

    from spcheck.commands.rules import run_rules

    raise typer.Exit(run_rules(rule_id, Console()))


@app.command()
def check(
    inspection: Annotated[
        list[str] | None, typer.Option("--inspection", help="Only this inspection (repeatable).")
    ] = None,
    as_of: AsOf = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="Report format.")] = (
        ReportFormat.TABLE
    ),
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the report to this file.")
    ] = None,
) -> None:
    """One check cycle: sync changes, evaluate every rule, render the report."""
    from spcheck.commands.check import run_check

    raise typer.Exit(run_check(inspection or [], as_of=as_of, fmt=fmt.value, out=out))


InspectionId = Annotated[str, typer.Argument(metavar="ID", help="Inspection id.")]
By = Annotated[
    str | None, typer.Option("--by", help="Who is deciding (default: SPCHECK_OPERATOR).")
]
FindingPath = Annotated[
    str | None, typer.Option("--path", help="Only the finding at this path, as the report shows.")
]
FindingLocation = Annotated[
    str | None,
    typer.Option("--location", help="Only the finding at this location (e.g. 'record GM-1234')."),
]


@app.command()
def accept(
    inspection_id: InspectionId,
    rule: Annotated[str, typer.Argument(metavar="RULE", help="The finding's rule id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is accepted (required).")],
    path: FindingPath = None,
    location: FindingLocation = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="Until this date (YYYY-MM-DD, the whole day) or time; default: the "
            "milestone's next change of state, at most the policy's acceptance.max_days.",
        ),
    ] = None,
    by: By = None,
) -> None:
    """Accept findings open in the latest check: listed, but not counted, until they lapse."""
    from spcheck.commands.accept import run_accept

    code = run_accept(
        inspection_id, rule, path=path, location=location, reason=reason, until=until, by=by
    )
    raise typer.Exit(code)


@app.command()
def unaccept(
    inspection_id: InspectionId,
    rule: Annotated[str, typer.Argument(metavar="RULE", help="The finding's rule id.")],
    path: FindingPath = None,
    location: FindingLocation = None,
    by: By = None,
) -> None:
    """Withdraw acceptances: the findings count again."""
    from spcheck.commands.accept import run_unaccept

    raise typer.Exit(run_unaccept(inspection_id, rule, path=path, location=location, by=by))


@app.command()
def attest(
    inspection_id: InspectionId,
    milestone: Annotated[str, typer.Argument(metavar="MILESTONE", help="An attested milestone.")],
    value: Annotated[
        int | None, typer.Option("--value", min=0, help="The number it records, if any.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A short note.")] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="When it happened (YYYY-MM-DD or time; default now).")
    ] = None,
    by: By = None,
) -> None:
    """Record that a step of the schedule happened (PD1 held, the staff survey closed, ...)."""
    from spcheck.commands.attest import run_attest

    raise typer.Exit(run_attest(inspection_id, milestone, value=value, note=note, on=on, by=by))


@app.command()
def unattest(
    inspection_id: InspectionId,
    milestone: Annotated[str, typer.Argument(metavar="MILESTONE", help="An attested milestone.")],
    by: By = None,
) -> None:
    """Withdraw a milestone's attestation: it is open again."""
    from spcheck.commands.attest import run_unattest

    raise typer.Exit(run_unattest(inspection_id, milestone, by=by))


@app.command()
def watch(
    interval: Annotated[float, typer.Option("--interval", help="Seconds between cycles.")] = 1800.0,
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and stop.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Keep the latest HTML report in this file.")
    ] = None,
) -> None:
    """Poll Graph delta and check what changed, one summary line per cycle."""
    from spcheck.commands.check import run_watch

    raise typer.Exit(run_watch(interval=interval, once=once, out=out))


@app.command()
def subscribe(
    recreate: Annotated[
        bool, typer.Option("--recreate", help="Replace the subscription even if it is live.")
    ] = False,
    remove: Annotated[
        bool, typer.Option("--remove", help="Delete the subscriptions; check on the schedule.")
    ] = False,
) -> None:
    """Create or renew the change-notification subscription on the site's drive."""
    from spcheck.commands.notify import run_subscribe

    raise typer.Exit(run_subscribe(recreate=recreate, remove=remove))


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8080,
    out: Annotated[
        Path | None, typer.Option("--out", help="Keep the latest HTML report in this file.")
    ] = None,
    no_subscribe: Annotated[
        bool, typer.Option("--no-subscribe", help="Receive only; leave subscriptions alone.")
    ] = False,
) -> None:
    """Receive Graph change notifications and check each change within a minute."""
    from spcheck.commands.notify import run_serve

    raise typer.Exit(run_serve(host=host, port=port, out=out, subscribe=not no_subscribe))


@app.command()
def provision(
    inspection_id: Annotated[str, typer.Argument(metavar="ID")],
    apply: Apply = False,
    remove_drift: RemoveDrift = False,
    fmt: Fmt = TableOrJson.TABLE,
    as_of: AsOf = None,
    by: AskedBy = None,
) -> None:
    """Plan (default) or apply the folder tree and contact permissions; idempotent."""
    from spcheck.commands.check import parse_as_of
    from spcheck.commands.provision import run_provision

    code = run_provision(
        inspection_id,
        apply=apply,
        remove_drift=remove_drift,
        fmt=fmt.value,
        as_of=parse_as_of(as_of),
        by=by,
    )
    raise typer.Exit(code)


@app.command()
def grant(
    inspection_id: Annotated[str, typer.Argument(metavar="ID")],
    emails: Annotated[list[str], typer.Argument(metavar="EMAIL...")],
    role: Annotated[Role | None, typer.Option("--role", help="Expected role.")] = None,
    apply: Apply = False,
    fmt: Fmt = TableOrJson.TABLE,
    as_of: AsOf = None,
    by: AskedBy = None,
) -> None:
    """Give nominated contacts or team members their access (plan unless --apply)."""
    from spcheck.commands.check import parse_as_of
    from spcheck.commands.provision import run_grant

    code = run_grant(
        inspection_id,
        emails,
        role=role.value if role else None,
        apply=apply,
        fmt=fmt.value,
        as_of=parse_as_of(as_of),
        by=by,
    )
    raise typer.Exit(code)


@app.command()
def revoke(
    inspection_id: Annotated[str, typer.Argument(metavar="ID")],
    emails: Annotated[list[str], typer.Argument(metavar="EMAIL...")],
    apply: Apply = False,
    fmt: Fmt = TableOrJson.TABLE,
    as_of: AsOf = None,
    by: AskedBy = None,
) -> None:
    """Remove people's direct access to the inspection's folders (plan unless --apply)."""
    from spcheck.commands.check import parse_as_of
    from spcheck.commands.provision import run_revoke

    code = run_revoke(
        inspection_id, emails, apply=apply, fmt=fmt.value, as_of=parse_as_of(as_of), by=by
    )
    raise typer.Exit(code)


@app.command()
def offboard(
    inspection_id: Annotated[str, typer.Argument(metavar="ID")],
    apply: Apply = False,
    remove_drift: RemoveDrift = False,
    fmt: Fmt = TableOrJson.TABLE,
    as_of: AsOf = None,
    by: AskedBy = None,
) -> None:
    """End all partnership access to an inspection (plan unless --apply); keeps content."""
    from spcheck.commands.check import parse_as_of
    from spcheck.commands.provision import run_offboard

    code = run_offboard(
        inspection_id,
        apply=apply,
        remove_drift=remove_drift,
        fmt=fmt.value,
        as_of=parse_as_of(as_of),
        by=by,
    )
    raise typer.Exit(code)


@app.command()
def audit(
    inspection_id: Annotated[str | None, typer.Argument(metavar="[ID]")] = None,
    fmt: Fmt = TableOrJson.TABLE,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Newest N entries.")] = None,
    who: Annotated[
        str | None, typer.Option("--who", metavar="EMAIL", help="Only entries naming this person.")
    ] = None,
    folder: Annotated[
        str | None,
        typer.Option(
            "--folder", metavar="KEY", help="Only entries about this policy folder (needs ID)."
        ),
    ] = None,
) -> None:
    """The audit log of folder and permission changes, newest first."""
    from spcheck.commands.provision import run_audit

    raise typer.Exit(run_audit(inspection_id, fmt=fmt.value, limit=limit, who=who, folder=folder))


@app.command()
def scan(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE...", help="Files to check; a folder means every file in it."),
    ],
    policy_folder: Annotated[
        str | None,
        typer.Option("--policy-folder", help="Apply this folder's content rules (e.g. training)."),
    ] = None,
    programme: Annotated[
        str | None, typer.Option("--programme", help="Policy to use when there are several.")
    ] = None,
    fmt: Annotated[
        TableOrJson, typer.Option("--format", help="Output format.")
    ] = TableOrJson.TABLE,
    no_ocr: Annotated[
        bool,
        typer.Option(
            "--no-ocr", help="Quick look: do not read scanned pages and pictures (then listed)."
        ),
    ] = False,
) -> None:
    """Content checks on local files, so a partnership can pre-check before uploading."""
    from spcheck.content.cli import run_scan
    from spcheck.loader import scan_rules
    from spcheck.settings import load_settings

    settings = load_settings()
    content, file_rules = scan_rules(settings.policies, programme, policy_folder)
    if no_ocr:
        content = content.model_copy(update={"ocr": "off"})
    raise typer.Exit(run_scan(files, content, file_rules, fmt.value, folder_key=policy_folder))


@app.command()
def doctor(
    fmt: Fmt = TableOrJson.TABLE,
    trace: Annotated[
        Path | None,
        typer.Option("--trace", help="Write a sanitised trace of the Graph calls to this file."),
    ] = None,
) -> None:
    """Check settings, credential, site grant, write access, delta, mail, state and clock."""
    from spcheck.doctor.run import run_doctor

    raise typer.Exit(run_doctor(fmt.value, trace=trace))


@app.command("emulator-fidelity")
def emulator_fidelity(
    trace: Annotated[Path, typer.Argument(metavar="TRACE", help="A trace SPCHECK_TRACE wrote.")],
    fmt: Fmt = TableOrJson.TABLE,
) -> None:
    """Replay a trace against a fresh emulator and list every difference from Graph."""
    from spcheck.fidelity.run import run_fidelity

    raise typer.Exit(run_fidelity(trace, fmt.value))


@app.command()
def emulator(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port on loopback.")] = 8765,
    seed: Annotated[str, typer.Option("--seed", help="demo or empty.")] = "demo",
    faults: Annotated[
        str | None,
        typer.Option(
            "--faults",
            help="e.g. 429:0.2,503:0.05,reset:0.01,latency:20ms; tenant modes such as "
            "grant:read, site:missing, token:expired, graph:unreachable (docs/emulator.md)",
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Loopback address to bind.")] = "127.0.0.1",
) -> None:
    """Serve the Graph emulator on 127.0.0.1."""
    from spcheck.emulator.server import serve

    raise typer.Exit(serve(host=host, port=port, seed=seed, faults=faults))


def _fail(error: SpcheckError) -> NoReturn:
    print(error_line(error), file=sys.stderr)
    raise SystemExit(error.exit_code)


INTERRUPTED = 130


def _interrupted() -> NoReturn:
    print("spcheck: interrupted", file=sys.stderr)
    raise SystemExit(INTERRUPTED) from None


def main() -> None:
    """Every way a command can end is one of the exit codes, and a failure is one line.

    0 nothing wrong; 1 findings or a refused change; 2 usage, configuration or input;
    3 Graph or the state store unreachable (and an unexpected error, said as such);
    130 interrupted.
    """
    try:
        app()
    except SpcheckError as error:
        _fail(error)
    except KeyboardInterrupt:  # within a command typer already exits 130 itself
        _interrupted()
    except BrokenPipeError:
        # The reader went away (`spcheck audit | head`): nothing more can be said on stdout.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None
    except Exception as unexpected:  # a bug: still one line, and never a secret
        where = _innermost(unexpected)
        print(
            error_line(
                f"unexpected error ({type(unexpected).__name__}{where}); this is a fault in "
                "spcheck, not in the settings or files: please report it with the command"
            ),
            file=sys.stderr,
        )
        raise SystemExit(3) from None


def _innermost(error: BaseException) -> str:
    """`` in spcheck.x line 12``: the deepest frame of spcheck's own code, to report."""
    found = ""
    tb = error.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module == "spcheck" or module.startswith("spcheck."):
            found = f" in {module} line {tb.tb_lineno}"
        tb = tb.tb_next
    return found


if __name__ == "__main__":
    main()
