"""A process that imports spcheck once and forks one child per command line.

Starting a fresh interpreter per run costs seconds (msgraph, azure-identity); a
test that kills many runs forks them instead, from this process, which holds no
threads and no event loop (so a fork is safe) and is itself started with spawn.
Each child runs the real entry point, ``spcheck.cli.main``, with its own
environment and working directory, its output going to files.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    env: dict[str, str]
    cwd: str
    stdout: str
    stderr: str


def _child(command: Command) -> None:
    code = 1
    try:
        os.environ.clear()
        os.environ.update(command.env)
        os.chdir(command.cwd)
        for fd, path in ((1, command.stdout), (2, command.stderr)):
            opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
        sys.argv = ["spcheck", *command.argv]
        from spcheck.cli import main

        try:
            main()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve(conn: Connection) -> None:
    """Fork a child per ``Command`` received; send back its pid, then its wait status."""
    import spcheck.cli
    import spcheck.commands.provision
    import spcheck.graph.client
    import spcheck.store.sqlite

    del spcheck
    # The first gateway built pays for msgraph's imports: pay it here, once.
    import msgraph.graph_service_client  # noqa: F401
    import msgraph_core  # noqa: F401

    while True:
        command = conn.recv()
        if command is None:
            return
        pid = os.fork()
        if pid == 0:
            conn.close()
            _child(command)
        conn.send(pid)
        _, status = os.waitpid(pid, 0)
        conn.send(status)


def output(path: str) -> str:
    return Path(path).read_text(encoding="utf-8") if Path(path).exists() else ""
