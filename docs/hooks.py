"""MkDocs hooks that build the pages spcheck can describe itself, so they never drift.

- ``reference/rules.md``: the rule catalogue, from the rule registry (``spcheck rules``);
- ``reference/cli.md``: every command, argument and option, from the typer app;
- ``runbooks/*.md``: the runbooks, read from runbooks/ where the HTML report and
  ``spcheck rules`` find them (they stay there; the site shows a copy), with their links
  into docs/ pointed at the site's pages; the Runbooks section of the navigation lists them.

Pages under docs/ link to runbooks as ``../runbooks/NAME.md`` (right in the repository);
in the site those pages sit beside ``runbooks/``, so the links are rewritten to match.
With ``mkdocs build --strict`` any link that points nowhere fails the build.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[1]
RUNBOOKS = ROOT / "runbooks"
_TITLE = re.compile(r"^#\s+(.+?)\s*$", re.MULTILINE)


def _title(text: str, fallback: str) -> str:
    found = _TITLE.search(text)
    return found[1] if found else fallback


def _runbooks() -> list[Path]:
    pages = sorted(RUNBOOKS.glob("*.md"))
    return sorted(pages, key=lambda path: path.name != "README.md")


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Fill the navigation's Runbooks section with every runbook, the index first."""
    entries: list[Any] = []
    for path in _runbooks():
        title = "Overview" if path.name == "README.md" else _title(path.read_text(), path.stem)
        entries.append({title: f"runbooks/{path.name}"})
    for section in config.nav or []:
        if isinstance(section, dict) and "Runbooks" in section:
            section["Runbooks"] = entries
    return config


def _runbook_page(text: str) -> str:
    # In the repository a runbook links to ../docs/X.md; in the site docs/ is the root.
    return text.replace("](../docs/", "](../")


def rules_page() -> str:
    from spcheck.rules.registry import all_rules

    lines = [
        "# Rule catalogue",
        "",
        "Every rule spcheck evaluates, generated from the rule registry when this site is",
        "built (`spcheck rules` prints the same at a terminal, and `spcheck rules RULE` the",
        "runbook section). A policy may change a rule's severity (its `rules` section) but",
        "never add an id. A finding of severity error makes `spcheck check` exit 1 unless",
        "it is accepted.",
        "",
        "| rule | default severity | meaning | what to do |",
        "| --- | --- | --- | --- |",
    ]
    for spec in all_rules():
        page, _, anchor = spec.runbook.partition("#")
        target = "../" + page + (f"#{anchor}" if anchor else "")
        description = spec.description.replace("|", "\\|")
        lines.append(
            f"| `{spec.id}` | {spec.severity.value} | {description} | [{page}]({target}) |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


# typer may carry its own copy of click, so commands and parameters are read by what they
# have (``list_commands``, ``param_type_name``), not by their classes.
def _option_row(param: Any, ctx: Any) -> str:
    record = param.get_help_record(ctx)
    names, meaning = record if record is not None else (" ".join(param.opts), "")
    return f"| `{_cell(names)}` | {_cell(meaning)} |"


def _command_section(command: Any, path: list[str], ctx: Any) -> list[str]:
    if hasattr(command, "list_commands"):
        out: list[str] = []
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                sub_ctx = type(ctx)(sub, parent=ctx, info_name=name)
                out += _command_section(sub, [*path, name], sub_ctx)
        return out
    usage = " ".join([*path, *command.collect_usage_pieces(ctx)])
    lines = [f"## `{' '.join(path)}`", "", _cell(command.help), ""]
    lines += ["```", usage, "```", ""]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    options = [p for p in command.params if p.param_type_name == "option" and not p.hidden]
    if arguments:
        lines += ["| argument | meaning |", "| --- | --- |"]
        lines += [
            f"| `{p.metavar or p.name.upper()}` | {_cell(getattr(p, 'help', None))} |"
            for p in arguments
        ]
        lines.append("")
    if options:
        lines += ["| option | meaning |", "| --- | --- |"]
        lines += [_option_row(p, ctx) for p in options]
        lines.append("")
    return lines


def cli_page() -> str:
    import typer

    from spcheck.cli import app

    group = typer.main.get_command(app)
    ctx = group.context_class(group, info_name="spcheck")
    lines = [
        "# Command reference",
        "",
        "Every command, argument and option, generated from the command line itself when",
        "this site is built (`spcheck COMMAND --help` says the same). Exit codes, output",
        "conventions and `--as-of` are in [Commands](../commands.md).",
        "",
    ]
    lines += _command_section(group, ["spcheck"], ctx)
    return "\n".join(lines) + "\n"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    files.append(File.generated(config, "reference/rules.md", content=rules_page()))
    files.append(File.generated(config, "reference/cli.md", content=cli_page()))
    for path in _runbooks():
        content = _runbook_page(path.read_text(encoding="utf-8"))
        files.append(File.generated(config, f"runbooks/{path.name}", content=content))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if page.file.src_uri.startswith(("runbooks/", "reference/")):
        return markdown
    depth = page.file.src_uri.count("/")
    return markdown.replace("](../runbooks/", "](" + "../" * depth + "runbooks/")
