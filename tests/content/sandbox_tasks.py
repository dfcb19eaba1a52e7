"""Module-level tasks for the sandbox tests (workers import them by name)."""

from __future__ import annotations

import os
import signal
import time


def echo(value: object) -> object:
    return value


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def sleep_ignoring_timer(seconds: float) -> float:
    """Blocks the worker's own timer, as C code busy in a parser would."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(seconds)
    return seconds


def allocate(size: int) -> int:
    return len(bytearray(size))


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def fail(message: str) -> None:
    raise ValueError(message)
