"""Azurite, the Azure Storage emulator (npm package ``azurite``), for the Azure tests.

The test session starts its own instance (``tests/azure/conftest.py``): the pinned
version is installed from npm into a cache shared by every checkout on the machine
(``$XDG_CACHE_HOME/spcheck/azurite``, else ``~/.cache/spcheck/azurite``), under a lock
so that test runs starting together install it once; it listens on three free loopback
ports, keeps its data in a temporary directory, and is stopped when the session ends.

A long-lived instance that several runs share (``SPCHECK_TEST_AZURITE`` names it to the
tests) is started by hand with the same code:

    python3 tests/azurite.py start        install if needed, start on 127.0.0.1, wait
    python3 tests/azurite.py connection   print its connection string
    python3 tests/azurite.py stop         stop it

(``.ci/azurite.sh`` runs these). Such an instance uses ports 10000 to 10002 (or
``AZURITE_BLOB_PORT``, ``AZURITE_QUEUE_PORT``, ``AZURITE_TABLE_PORT``), three free ones when
a default port is taken, and keeps its PID, ports and data location in ``.ci/.cache``.

Only the standard library is used, so the script runs with any Python 3.11.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

VERSION = "3.37.0"
HOST = "127.0.0.1"
WAIT_SECONDS = 60
# The well-known development account of every Azure Storage emulator: not a secret.
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".ci" / ".cache"  # a long-lived instance's PID, ports and data location


class AzuriteUnavailable(Exception):
    """Azurite could not be installed or started; the message says why, in one line."""


def node() -> str | None:
    """The ``node`` executable, or None when Node.js is not installed."""
    return shutil.which("node")


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spcheck" / "azurite"


def _entry(prefix: Path) -> Path:
    return prefix / "node_modules" / "azurite" / "dist" / "src" / "azurite.js"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` held by this process, waited for when another holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def install(root: Path | None = None) -> Path:
    """The pinned Azurite's entry script, installed from npm into the cache if missing."""
    root = root or cache_root()
    prefix = root / VERSION
    done = prefix / ".installed"
    with _locked(root / f"{VERSION}.lock"):
        if done.is_file() and _entry(prefix).is_file():
            return _entry(prefix)
        npm = shutil.which("npm")
        if npm is None:
            raise AzuriteUnavailable("npm is not installed (it comes with Node.js 18+)")
        shutil.rmtree(prefix, ignore_errors=True)
        prefix.mkdir(parents=True)
        command = [npm, "install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error"]
        command += ["--prefix", str(prefix), f"azurite@{VERSION}"]
        env = {**os.environ, "npm_config_update_notifier": "false"}
        failure = ""
        for attempt in range(3):
            if attempt:
                time.sleep(5)
            run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if run.returncode == 0:
                break
            lines = (run.stderr or run.stdout).strip().splitlines()
            failure = lines[-1] if lines else f"exit code {run.returncode}"
        else:
            raise AzuriteUnavailable(f"npm install azurite@{VERSION} failed 3 times: {failure}")
        if not _entry(prefix).is_file():
            raise AzuriteUnavailable(f"azurite@{VERSION} installed without {_entry(prefix)}")
        done.write_text(VERSION + "\n")
        return _entry(prefix)


def answers(port: int) -> bool:
    """Whether something accepts a TCP connection on the loopback port."""
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def free_ports(count: int = 3) -> tuple[int, ...]:
    """Ports nothing listens on now (the system picks them; another program may still take
    one before Azurite does, which ``start`` survives by trying again)."""
    held = [socket.socket() for _ in range(count)]
    try:
        for sock in held:
            sock.bind((HOST, 0))
        return tuple(sock.getsockname()[1] for sock in held)
    finally:
        for sock in held:
            sock.close()


def connection_string(blob: int, queue: int, table: int) -> str:
    base = f"http://{HOST}"
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
        f"BlobEndpoint={base}:{blob}/{ACCOUNT};QueueEndpoint={base}:{queue}/{ACCOUNT};"
        f"TableEndpoint={base}:{table}/{ACCOUNT};"
    )


@dataclass
class Instance:
    """One running Azurite."""

    process: subprocess.Popen[bytes]
    ports: tuple[int, int, int]  # blob, queue, table
    location: Path  # its data and log, removed on stop

    @property
    def connection(self) -> str:
        return connection_string(*self.ports)

    def stop(self) -> None:
        _terminate(self.process.pid, self.process)
        shutil.rmtree(self.location, ignore_errors=True)


def _terminate(pid: int, process: subprocess.Popen[bytes] | None = None) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process is not None:
            if process.poll() is not None:
                return
        elif not _alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if process is not None:
        process.wait(timeout=10)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _launch(entry: Path, ports: tuple[int, int, int], *, detach: bool) -> Instance:
    executable = node()
    if executable is None:
        raise AzuriteUnavailable("Node.js is not installed")
    location = Path(tempfile.mkdtemp(prefix="spcheck-azurite."))
    blob, queue, table = ports
    command = [executable, str(entry)]
    command += ["--blobHost", HOST, "--blobPort", str(blob)]
    command += ["--queueHost", HOST, "--queuePort", str(queue)]
    command += ["--tableHost", HOST, "--tablePort", str(table)]
    command += ["--location", str(location / "data")]
    command += ["--disableTelemetry", "--skipApiVersionCheck", "--silent"]
    with (location / "azurite.log").open("wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "AZURITE_DISABLE_TELEMETRY": "true"},
            start_new_session=detach,
        )
    return Instance(process, ports, location)


def _ready(instance: Instance, wait_seconds: float) -> str | None:
    """None once every port answers; else why it is not running."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            log = (instance.location / "azurite.log").read_text(errors="replace").strip()
            last = log.splitlines()[-1] if log else "no output"
            return f"it exited with code {instance.process.returncode}: {last}"
        if all(answers(port) for port in instance.ports):
            return None
        time.sleep(0.2)
    return f"not ready after {wait_seconds:.0f} s"


def start(
    ports: tuple[int, int, int] | None = None,
    *,
    detach: bool = False,
    wait_seconds: float = WAIT_SECONDS,
) -> Instance:
    """Install if needed and start Azurite on ``ports`` (else three free ones), waiting until
    it answers. Free ports can be taken by another program in between: then it is tried
    again on new ones, three times in all."""
    entry = install()
    reason = ""
    for _ in range(1 if ports else 3):
        chosen = ports or free_ports()
        instance = _launch(entry, (chosen[0], chosen[1], chosen[2]), detach=detach)
        failure = _ready(instance, wait_seconds)
        if failure is None:
            return instance
        instance.stop()
        reason = failure
    raise AzuriteUnavailable(f"Azurite {VERSION} did not start: {reason}")


# -- a long-lived instance, started by hand ----------------------------------------------------


def _state_files() -> tuple[Path, Path, Path]:
    return STATE / "azurite.pid", STATE / "azurite.ports", STATE / "azurite.location"


def _running_pid() -> int | None:
    pid_file, _, _ = _state_files()
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _configured_ports() -> tuple[tuple[int, int, int], bool]:
    names = ("AZURITE_BLOB_PORT", "AZURITE_QUEUE_PORT", "AZURITE_TABLE_PORT")
    chosen = any(os.environ.get(name) for name in names)
    blob, queue, table = (int(os.environ.get(name) or 10000 + i) for i, name in enumerate(names))
    return (blob, queue, table), chosen


def _saved_ports() -> tuple[int, int, int]:
    _, ports_file, _ = _state_files()
    if ports_file.is_file():
        blob, queue, table = (int(p) for p in ports_file.read_text().split())
        return blob, queue, table
    return _configured_ports()[0]


def _say(message: str) -> None:
    print(f"azurite: {message}", file=sys.stderr)


def _start_shared() -> int:
    pid = _running_pid()
    if pid is not None:
        _say(f"already running (pid {pid})")
        return 0
    pid_file, ports_file, location_file = _state_files()
    STATE.mkdir(parents=True, exist_ok=True)
    if not (STATE / ".gitignore").is_file():
        (STATE / ".gitignore").write_text("*\n")
    ports, chosen = _configured_ports()
    ports_file.unlink(missing_ok=True)
    taken = next((port for port in ports if answers(port)), None)
    if taken is not None:
        if chosen:
            _say(f"port {HOST}:{taken} is already in use by another program; set AZURITE_*_PORT")
            return 1
        blob, queue, table = free_ports()
        ports = (blob, queue, table)
        ports_file.write_text(f"{blob} {queue} {table}\n")
        _say(f"port {HOST}:{taken} is taken by another program; using free ports instead")
    try:
        instance = start(ports, detach=True)
    except AzuriteUnavailable as error:
        _say(str(error))
        ports_file.unlink(missing_ok=True)
        return 1
    pid_file.write_text(f"{instance.process.pid}\n")
    location_file.write_text(f"{instance.location}\n")
    blob, queue, table = ports
    _say(f"ready on {HOST} (blob {blob}, queue {queue}, table {table}), pid {instance.process.pid}")
    return 0


def _stop_shared() -> int:
    pid_file, ports_file, location_file = _state_files()
    pid = _running_pid()
    if pid is not None:
        _terminate(pid)
        _say(f"stopped (pid {pid})")
    if location_file.is_file():
        location = Path(location_file.read_text().strip())
        if location.name.startswith("spcheck-azurite."):
            shutil.rmtree(location, ignore_errors=True)
    for path in (pid_file, ports_file, location_file):
        path.unlink(missing_ok=True)
    return 0


def main(argv: list[str]) -> int:
    if argv == ["start"]:
        return _start_shared()
    if argv == ["stop"]:
        return _stop_shared()
    if argv == ["connection"]:
        print(connection_string(*_saved_ports()))
        return 0
    print("usage: azurite.py start|stop|connection", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
