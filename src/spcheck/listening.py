"""A socket bound before uvicorn starts, and uvicorn configured to say nothing about requests:
what ``spcheck emulator`` and ``spcheck serve`` both serve with.

Binding (and listening) first makes port 0 work (the real port is known before the
server runs) and turns a port in use into one ``InputError`` line. Access logs stay off: a
request line can carry a delta token or a function key.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from spcheck.errors import InputError


@dataclass(frozen=True, slots=True)
class Listener:
    socket: socket.socket
    port: int
    url_host: str  # the host as it goes in a URL (IPv6 in brackets)


def listen(host: str, port: int, what: str) -> Listener:
    """A socket bound to ``host:port``; ``what`` names the port in the error line."""
    bare = host.strip("[]")
    bind_host = "127.0.0.1" if bare == "localhost" else bare
    family = socket.AF_INET6 if ":" in bind_host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit it: uvicorn writes a response's head and body apart, and
    # with Nagle's algorithm the body waits for the client's delayed ACK (40 ms a request).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((bind_host, port))
    except OSError as error:
        sock.close()
        reason = error.strerror or str(error)
        raise InputError(f"{what} {port}: cannot listen on {bind_host} ({reason})") from None
    # Listening now, not when uvicorn starts, so a URL printed at once is true at once: a
    # client that reads it and connects straight away waits in the backlog, not refused.
    sock.listen(2048)
    url_host = f"[{bind_host}]" if family == socket.AF_INET6 else bind_host
    return Listener(sock, int(sock.getsockname()[1]), url_host)


def quiet_server(app: Any) -> Any:
    """A uvicorn server for ``app``: h11, no lifespan, warnings only, no access log."""
    import uvicorn

    config = uvicorn.Config(
        app,
        http="h11",
        lifespan="off",
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )
    return uvicorn.Server(config)
