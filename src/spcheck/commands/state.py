"""`spcheck state check`: whether the state is spcheck's, whole, and what it holds.

For a SQLite file: read-only, SQLite's full ``integrity_check``, the counts of
what it holds, and the backups kept before migrations (runbooks/state.md says
how to restore one). For Azure Table Storage: whether the account answers and
its schema is one this build knows. Exit codes as everywhere: 0 whole (or no
state yet), 2 not spcheck's state at all, 3 damaged or unreachable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from spcheck.errors import InputError, SpcheckError, error_line
from spcheck.settings import Settings, load_settings
from spcheck.store.check import FileCheck, StateCheck, check_state, newer
from spcheck.store.factory import SQLITE_PREFIX, open_store, sqlite_path

SCHEMA = "spcheck.state-check/v1"
FORMATS = ("table", "json")


def _file_document(check: FileCheck) -> dict[str, Any]:
    return {
        "path": str(check.path),
        "verdict": check.verdict,
        "schema": check.schema,
        "problems": list(check.problems),
        "counts": dict(check.counts),
    }


def _code(check: FileCheck) -> int:
    if check.verdict in ("ok", "missing"):
        return 3 if newer(check) else 0
    return 2 if check.verdict == "foreign" else 3


def _advice(result: StateCheck) -> str:
    state = result.state
    if state.verdict == "missing":
        return (
            "no state file yet: the first `spcheck provision --apply` or `spcheck check` makes it"
        )
    if state.verdict == "foreign":
        return (
            "not spcheck's state file; it is left as it is: point SPCHECK_STATE at spcheck's "
            "state file or at a new path"
        )
    if state.verdict == "damaged":
        whole = [b for b in result.backups if b.whole]
        where = f"the newest whole backup is {whole[-1].path}" if whole else "no whole backup"
        return (
            f"the file is damaged: stop spcheck, keep this file aside and restore ({where}), "
            "as runbooks/state.md says"
        )
    if newer(state):
        return "written by a newer spcheck: upgrade spcheck"
    return "whole"


def _render(result: StateCheck, out: TextIO) -> None:
    state = result.state
    lines = [f"state file  {state.path}", f"verdict     {_advice(result)}"]
    if state.schema is not None:
        lines.append(f"schema      {state.schema}")
    for problem in state.problems:
        lines.append(f"problem     {problem}")
    if state.counts:
        held = ", ".join(f"{count:,} {label}" for label, count in state.counts.items())
        lines.append(f"holds       {held}")
    for backup in result.backups:
        what = "whole" if backup.whole else f"{backup.verdict}: {'; '.join(backup.problems)}"
        lines.append(f"backup      {backup.path} (schema {backup.schema}, {what})")
    if not result.backups and state.verdict != "missing":
        lines.append("backup      none yet (one is kept before each schema upgrade)")
    out.write("\n".join(lines) + "\n")


def _check_azure(settings: Settings, fmt: str, out: TextIO) -> int:
    with open_store(settings.state) as store:
        pending = len(store.open_intents())
        location = store.location
    if fmt == "json":
        document = {"schema": SCHEMA, "location": location, "verdict": "ok", "pending": pending}
        out.write(json.dumps(document, indent=2) + "\n")
    else:
        out.write(f"state       {location}\nverdict     reachable, schema known\n")
        out.write(f"holds       {pending} pending change(s)\n")
    return 0


def run_state_check(
    *,
    fmt: str = "table",
    settings: Settings | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    stream = out or sys.stdout
    try:
        if fmt not in FORMATS:
            raise InputError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
        settings = settings or load_settings()
        if not settings.state.startswith(SQLITE_PREFIX):
            return _check_azure(settings, fmt, stream)
        result = check_state(Path(sqlite_path(settings.state)))
    except SpcheckError as error:
        print(error_line(error), file=err or sys.stderr)
        return error.exit_code
    if fmt == "json":
        document = {
            "schema": SCHEMA,
            **_file_document(result.state),
            "advice": _advice(result),
            "backups": [_file_document(b) for b in result.backups],
        }
        stream.write(json.dumps(document, indent=2) + "\n")
    else:
        _render(result, stream)
    code = _code(result.state)
    if code:
        # The report says what was found; the verdict is also the one line a failure is.
        print(
            error_line(f"state store {result.state.path}: {_advice(result)}"),
            file=err or sys.stderr,
        )
    return code
