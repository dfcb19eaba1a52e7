"""Serve the emulator over HTTP on a loopback address (``spcheck emulator``).

The socket is bound before uvicorn starts, so port 0 works and the printed base
URL is the real one. Any address that is not loopback is refused: the emulator
has no authentication and must never be reachable from another machine.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType
from typing import TextIO

from spcheck.emulator.app import create_app
from spcheck.emulator.faults import FAULT_ENV, FAULT_SEED_ENV, FaultSpec
from spcheck.emulator.seeds import ROOT_FOLDER, SITE, seed_by_name
from spcheck.emulator.state import EmulatorState
from spcheck.errors import InputError
from spcheck.listening import listen, quiet_server
from spcheck.settings import is_loopback_host

START_TIMEOUT_SECONDS = 10.0
NOTIFY_TICK_SECONDS = 1.0


class EmulatorServer:
    """uvicorn (h11) serving one ``EmulatorState`` on a loopback socket."""

    def __init__(
        self,
        state: EmulatorState,
        *,
        host: str = "127.0.0.1",
        port: int = 8765,
        faults: str | FaultSpec | None = None,
        fault_seed: int = 0,
        ru_per_minute: int | None = None,
    ) -> None:
        bare = host.strip("[]")
        if not is_loopback_host(bare):
            raise InputError(
                f"emulator host {host!r}: only loopback is allowed (127.0.0.1, localhost, ::1)"
            )
        listener = listen(host, port, "emulator port")
        self.socket = listener.socket
        self.port = listener.port
        self.base_url = f"http://{listener.url_host}:{self.port}/v1.0"
        self.state = state
        # A served emulator has no test to move it along: a ticker applies the clock
        # (subscription expiry, lifecycle events) and sends what is waiting.
        self.app = create_app(
            state,
            base_url=self.base_url,
            faults=faults,
            fault_seed=fault_seed,
            ru_per_minute=ru_per_minute,
            notify_tick=NOTIFY_TICK_SECONDS,
        )
        self.server = quiet_server(self.app)
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Serve until interrupted (Ctrl+C) or ``stop``."""
        self.server.run(sockets=[self.socket])

    def start(self) -> None:
        """Serve from a background thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=self.run, name="spcheck-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.server.started:
            raise RuntimeError("the emulator server did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(START_TIMEOUT_SECONDS)
        self.socket.close()

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _fault_seed(value: int | None) -> int:
    if value is not None:
        return value
    text = os.environ.get(FAULT_SEED_ENV, "0").strip() or "0"
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{FAULT_SEED_ENV}: {text!r} is not an integer") from None


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    seed: str = "demo",
    faults: str | None = None,
    fault_seed: int | None = None,
    ru_per_minute: int | None = None,
    out: TextIO | None = None,
) -> int:
    """Serve a seeded emulator until interrupted; print the URL and settings to use.

    ``faults`` falls back to ``SPCHECK_EMULATOR_FAULTS`` and ``fault_seed`` to
    ``SPCHECK_EMULATOR_FAULT_SEED``. Raises ``InputError`` for a non-loopback host,
    a bad fault spec, an unknown seed or a port that cannot be bound.
    """
    stream = out or sys.stdout
    spec_text = faults if faults is not None else os.environ.get(FAULT_ENV, "")
    spec = FaultSpec.parse(spec_text) if spec_text.strip() else None
    chosen_seed = _fault_seed(fault_seed)
    if not is_loopback_host(host.strip("[]")):
        raise InputError(
            f"emulator host {host!r}: only loopback is allowed (127.0.0.1, localhost, ::1)"
        )
    state = seed_by_name(seed)
    server = EmulatorServer(
        state,
        host=host,
        port=port,
        faults=spec,
        fault_seed=chosen_seed,
        ru_per_minute=ru_per_minute,
    )
    lines = [
        f"spcheck Graph emulator (seed {seed}) listening on {server.base_url}",
        *([f"faults: {spec} (seed {chosen_seed})"] if spec is not None else []),
        "settings for spcheck:",
        f"SPCHECK_GRAPH_URL={server.base_url}",
        f"SPCHECK_SITE={SITE}",
        "SPCHECK_AUTH=none",
        f"SPCHECK_ROOT_FOLDER={ROOT_FOLDER}",
        "acting users for uploads (header X-Emulator-User): "
        + (", ".join(user.email for user in state.users.values()) or "none"),
        "press Ctrl+C to stop",
    ]
    print("\n".join(lines), file=stream, flush=True)
    server.run()
    return 0
