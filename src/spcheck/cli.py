"""The `spcheck` command line (DESIGN.md section 5). Thin: parse, call, render.

Heavy modules (msgraph, azure, pdf readers, the emulator) are imported inside
the commands that need them, so `spcheck --help` starts fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from spcheck import __version__
from spcheck.errors import InputError, SpcheckError

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


class TableOrJson(StrEnum):
    TABLE = "table"
    JSON = "json"


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


@app.command()
def rules() -> None:
    """List the rule ids, their default severity and what they mean."""
    from rich.console import Console
    from rich.table import Table

    from spcheck.domain.catalogue import RULE_IDS

    table = Table("rule", "default severity", "meaning")
    for rule_id, (severity, meaning) in RULE_IDS.items():
        table.add_row(rule_id, severity.value, meaning)
    Console().print(table)


@app.command()
def scan(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Files to check.")],
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
) -> None:
    """Content checks on local files, so a partnership can pre-check before uploading."""
    from spcheck.content.cli import run_scan
    from spcheck.loader import scan_rules
    from spcheck.settings import load_settings

    settings = load_settings()
    content, file_rules = scan_rules(settings.policies, programme, policy_folder)
    raise typer.Exit(run_scan(files, content, file_rules, fmt.value, folder_key=policy_folder))


@app.command()
def emulator(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port on loopback.")] = 8765,
    seed: Annotated[str, typer.Option("--seed", help="demo or empty.")] = "demo",
    faults: Annotated[
        str | None, typer.Option("--faults", help="e.g. 429:0.2,503:0.05,reset:0.01,latency:20ms")
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Loopback address to bind.")] = "127.0.0.1",
) -> None:
    """Serve the Graph emulator on 127.0.0.1."""
    from spcheck.emulator.server import serve

    raise typer.Exit(serve(host=host, port=port, seed=seed, faults=faults))


def _fail(error: SpcheckError) -> NoReturn:
    print(f"spcheck: {error}", file=sys.stderr)
    raise SystemExit(error.exit_code)


def main() -> None:
    try:
        app()
    except SpcheckError as error:
        _fail(error)
    except KeyboardInterrupt:
        print("spcheck: interrupted", file=sys.stderr)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
