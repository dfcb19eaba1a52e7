"""Typed errors that carry their exit code (docs/commands.md, exit codes).

The CLI prints ``str(error)`` as one line and exits with ``error.exit_code``;
nothing here may ever hold a secret or an unmasked identifier.
"""

from __future__ import annotations

from spcheck.outward import one_line


class SpcheckError(Exception):
    """Base of every error that ends a command with a message instead of a traceback."""

    exit_code = 2


class InputError(SpcheckError):
    """A user mistake: a bad file, field, argument or setting. Exit 2."""

    exit_code = 2


class ConfigError(InputError):
    """A missing or malformed SPCHECK_ setting. Exit 2."""


class PolicyRefusal(SpcheckError):
    """A requested change that the policy refuses (a plan that --apply would not make). Exit 1."""

    exit_code = 1


class ServiceUnavailable(SpcheckError):
    """Graph or the state store could not be reached after retries. Exit 3."""

    exit_code = 3


def error_line(error: BaseException | str) -> str:
    """How any command shows a failure: ``spcheck: <message>``, one line, nothing raw in it
    (a file name quoted in a message cannot start a terminal escape sequence)."""
    return f"spcheck: {one_line(error)}"
