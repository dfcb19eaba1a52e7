"""Untrusted work in separate processes under a time limit and a memory limit.

A pool of worker processes (forkserver where the platform has it, spawn otherwise;
never fork, which would copy the parent's threads and locks). Each worker caps its own
address space (``RLIMIT_AS``) and arms a timer per task; the parent kills a worker that
overruns the time limit by a grace period (C code can ignore the timer) and replaces
any worker that dies. A failure costs only its own task: every other task still runs.

A task may ask for more time once it knows it needs it (``extend``: a file found to hold
scanned pages to read by OCR), and may tell the parent how far it has got (``report``),
which is how the progress bar counts pages rather than files.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

T = TypeVar("T")

DEFAULT_TIME_LIMIT = 30.0
DEFAULT_MEMORY_LIMIT = 3072 * 1024 * 1024  # the OCR engine on an A4 page peaks near 2 GiB
_GRACE = 5.0  # seconds the parent waits past the limit before killing a worker
# Modules the forkserver imports once, so that forked workers start warm (pdfplumber
# alone takes a third of a second to import).
PRELOAD = (
    "spcheck.content.pipeline",
    "spcheck.content.extract.docx",
    "spcheck.content.extract.xlsx",
    "spcheck.content.extract.pptx",
    "spcheck.content.extract.pdf",
    "spcheck.content.extract.text",
    "olefile",
)


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """A task's result, or why there is none: ``failure`` is a verb phrase safe to print
    ("took longer than the 30 s limit"), never the task's own error text."""

    value: T | None
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


class _Deadline(BaseException):
    """Raised in a worker when its timer fires; a BaseException so parsers that catch
    ``Exception`` cannot swallow it."""


def _on_alarm(signum: int, frame: object) -> None:
    raise _Deadline


# In a worker: the pipe to the parent, and the cores this worker may use.
_parent: Connection | None = None
_cores = 0


def report(value: object) -> None:
    """Tell the parent how far the current task has got (in a worker; else nothing)."""
    if _parent is not None:
        _parent.send(("report", value, False))


def extend(seconds: float) -> None:
    """Give the current task ``seconds`` more than its time limit (in a worker; else
    nothing). The parent moves its own deadline for the task by as much."""
    if _parent is None or seconds <= 0:
        return
    remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    if remaining > 0:
        signal.setitimer(signal.ITIMER_REAL, remaining + seconds)
    _parent.send(("extend", seconds, False))


def cores_per_worker() -> int:
    """The cores this process may keep busy: its share of the machine in a pool of
    workers, every core outside one."""
    return _cores or os.cpu_count() or 1


def _worker_main(
    conn: Connection, time_limit: float, memory_limit: int | None, cores: int = 1
) -> None:
    """A worker's loop: receive (function, args, time limit), run it under the limits,
    send the outcome."""
    import resource

    global _parent, _cores
    _parent, _cores = conn, cores

    if memory_limit:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Parsers warn about every oddity of a hostile file; the outcome says what matters.
    logging.disable(logging.CRITICAL)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when work stops
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        function, args = message
        retire = False
        try:
            signal.setitimer(signal.ITIMER_REAL, time_limit)
            try:
                reply: tuple[str, Any, bool] = ("ok", function(*args), False)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _Deadline:
            reply = ("failed", "took longer than its time limit", True)
            retire = True
        except MemoryError:
            limit = f" ({memory_limit // (1024 * 1024)} MiB)" if memory_limit else ""
            reply = ("failed", f"needed more memory than the limit{limit}", True)
            retire = True
        except Exception as error:
            reply = ("failed", f"failed with {type(error).__name__}", False)
        try:
            conn.send(reply)
        except Exception as error:  # an unpicklable result
            failure = f"returned a result that could not be sent ({type(error).__name__})"
            conn.send(("failed", failure, False))
        if retire:
            return


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(PRELOAD))
        return context
    return multiprocessing.get_context("spawn")


class _Worker:
    def __init__(
        self, context: Any, time_limit: float, memory_limit: int | None, cores: int
    ) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(
            target=_worker_main, args=(child, time_limit, memory_limit, cores), daemon=True
        )
        self.process.start()
        child.close()
        self.tasks = 0
        self.task: int | None = None
        self.deadline = 0.0
        self.limit = time_limit  # the current task's, with any extension

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


def _death(process: Any) -> str:
    process.join(timeout=2)  # the pipe can close before the exit status is there
    code = process.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"ended its worker process ({name})"
    return f"made its worker process exit (code {code})"


class Sandbox:
    """A pool of limited worker processes. Use as a context manager, or ``close()`` it."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        time_limit: float = DEFAULT_TIME_LIMIT,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
        tasks_per_worker: int = 50,
        grace: float = _GRACE,
    ) -> None:
        self.workers = max(1, workers or min(os.cpu_count() or 1, 4))
        self.time_limit = time_limit
        self.memory_limit = memory_limit if sys.platform != "darwin" else None
        self.tasks_per_worker = tasks_per_worker
        self.grace = grace
        self._context = _context()
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.stop()

    def run(
        self,
        function: Callable[..., T],
        tasks: Sequence[tuple[Any, ...]],
        *,
        progress: Callable[[int, int], None] | None = None,
        reports: Callable[[int, Any], None] | None = None,
    ) -> list[Outcome[T]]:
        """``function(*args)`` for each args tuple, in parallel; outcomes in task order.

        ``function`` must be importable by name (a module-level function).
        ``reports(task, value)`` receives what a task passes to ``report``.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the sandbox is closed")
            return self._run(function, tasks, progress, reports)

    def _run(
        self,
        function: Callable[..., T],
        tasks: Sequence[tuple[Any, ...]],
        progress: Callable[[int, int], None] | None,
        reports: Callable[[int, Any], None] | None,
    ) -> list[Outcome[T]]:
        outcomes: list[Outcome[T] | None] = [None] * len(tasks)
        pending = deque(range(len(tasks)))
        busy: list[_Worker] = []
        done = 0

        def finish(worker: _Worker, outcome: Outcome[T], reusable: bool) -> None:
            nonlocal done
            assert worker.task is not None
            outcomes[worker.task] = outcome
            worker.task = None
            busy.remove(worker)
            done += 1
            if progress is not None:
                progress(done, len(tasks))
            if reusable and worker.tasks < self.tasks_per_worker:
                self._idle.append(worker)
            elif reusable:
                worker.stop()
            else:
                worker.kill()

        try:
            while pending or busy:
                while pending and len(busy) < self.workers:
                    worker = self._idle.pop() if self._idle else self._start()
                    index = pending.popleft()
                    try:
                        worker.conn.send((function, tasks[index]))
                    except (OSError, EOFError):
                        worker.kill()  # a worker that died while idle: retry on a new one
                        pending.appendleft(index)
                        continue
                    worker.task = index
                    worker.tasks += 1
                    worker.deadline = time.monotonic() + self.time_limit + self.grace
                    worker.limit = self.time_limit
                    busy.append(worker)
                timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
                ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
                for worker in list(busy):
                    if worker.conn in ready:
                        try:
                            kind, value, retiring = worker.conn.recv()
                        except (EOFError, OSError):
                            finish(worker, Outcome(None, _death(worker.process)), False)
                            continue
                        if kind == "report":
                            if reports is not None and worker.task is not None:
                                reports(worker.task, value)
                            continue
                        if kind == "extend":
                            worker.deadline += float(value)
                            worker.limit += float(value)
                            continue
                        if kind == "ok":
                            finish(worker, Outcome(value), True)
                        elif value == "took longer than its time limit":
                            failure = f"took longer than the {worker.limit:g} s limit"
                            finish(worker, Outcome(None, failure), not retiring)
                        else:
                            finish(worker, Outcome(None, str(value)), not retiring)
                    elif worker.process.sentinel in ready:
                        finish(worker, Outcome(None, _death(worker.process)), False)
                    elif time.monotonic() >= worker.deadline:
                        finish(
                            worker,
                            Outcome(None, f"took longer than the {worker.limit:g} s limit"),
                            False,
                        )
        finally:
            for worker in busy:  # interrupted: no half-finished worker is reused
                worker.kill()
        return [o if o is not None else Outcome(None, "was not run") for o in outcomes]

    def _start(self) -> _Worker:
        cores = max(1, (os.cpu_count() or 1) // self.workers)
        return _Worker(self._context, self.time_limit, self.memory_limit, cores)


_shared: dict[tuple[int, float, int | None], Sandbox] = {}
_shared_lock = threading.Lock()


def shared_sandbox(
    workers: int | None = None,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
) -> Sandbox:
    """A process-wide sandbox for these settings, its workers kept warm between calls and
    closed at exit."""
    size = max(1, workers or min(os.cpu_count() or 1, 4))
    key = (size, time_limit, memory_limit)
    with _shared_lock:
        sandbox = _shared.get(key)
        if sandbox is None or sandbox._closed:
            sandbox = Sandbox(size, time_limit=time_limit, memory_limit=memory_limit)
            _shared[key] = sandbox
            atexit.register(sandbox.close)
        return sandbox
