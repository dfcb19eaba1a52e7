"""`spcheck rules`: the registry documents itself; with a rule id, what to do about it.

The SSO who meets a finding at a terminal reads its runbook section there, from the
runbooks shipped with this build, without looking for the source tree.
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from spcheck.errors import InputError
from spcheck.report.runbooks import runbooks_dir, slug
from spcheck.rules.interface import RuleError
from spcheck.rules.registry import all_rules, get_rule

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def runbook_section(reference: str) -> str | None:
    """The Markdown under the heading ``reference`` (``runbooks/<file>.md#<anchor>``) names,
    down to the next heading as high, the heading left out; None when the file or the
    heading is not shipped."""
    page, _, anchor = reference.partition("#")
    path = runbooks_dir() / page.removeprefix("runbooks/")
    if not path.is_file():
        return None
    taken: list[str] = []
    level = 0
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if heading and level and len(heading[1]) <= level:
            break
        if heading and not level and slug(heading[2]) == anchor:
            level = len(heading[1])
            continue  # the heading itself: the caller names the rule
        if level:
            taken.append(line)
    return "\n".join(taken).strip() or None


def run_rules(rule_id: str | None, console: Console) -> int:
    if rule_id is None:
        table = Table("rule", "default severity", "meaning", "what to do")
        for spec in all_rules():
            table.add_row(spec.id, spec.severity.value, spec.description, spec.runbook)
        console.print(table)
        return 0
    try:
        spec = get_rule(rule_id)
    except RuleError:
        raise InputError(
            f"RULE: no rule {rule_id!r}; `spcheck rules` lists every rule id"
        ) from None
    console.print(f"[bold]{spec.id}[/bold] ({spec.severity.value} by default): {spec.description}")
    section = runbook_section(spec.runbook)
    if section is None:
        console.print(f"runbook: {spec.runbook} (not shipped with this build)")
    else:
        console.print(Markdown(section))
        console.print(f"\n[dim]from {spec.runbook}[/dim]")
    return 0
