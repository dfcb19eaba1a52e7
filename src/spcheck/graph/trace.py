"""SPCHECK_TRACE: every Graph request and response, sanitised, one JSON line each.

The trace sits at the transport seam, below the SDK's middleware, so it sees each
exchange as it goes on the wire: every retry, each hop of a redirect (a download's
302 and the GET that follows it), and the ``$batch`` envelopes with their
sub-requests. What it writes is decided by ``sanitise``: no header outside an
allowlist (so never ``Authorization``), no content bytes (uploads and downloads
are written as their size), and JSON bodies with every identifying value replaced
by a typed placeholder. The token request goes through azure-identity's own
transport and is never seen here. The format is described in docs/trace.md.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import httpx

from spcheck import __version__
from spcheck.errors import ConfigError
from spcheck.graph.sanitise import REQUEST_HEADERS, RESPONSE_HEADERS, Sanitiser

TRACE_FORMAT = "spcheck-trace"
TRACE_VERSION = 1
_KNOWN_GRAPH_HOSTS = frozenset(
    {
        "graph.microsoft.com",
        "graph.microsoft.us",
        "dod-graph.microsoft.us",
        "microsoftgraph.chinacloudapi.cn",
    }
)


class TraceWriter:
    """Appends sanitised records to a JSON Lines file; one run header per gateway."""

    def __init__(self, path: Path, graph_base: str, root_folder: str) -> None:
        self.path = path
        self.sanitiser = Sanitiser(graph_base, root_folder)
        self._lock = threading.Lock()
        self._seq = 0
        try:
            self._file: IO[str] | None = path.open("a", encoding="utf-8")
        except OSError as error:
            raise ConfigError(
                f"SPCHECK_TRACE: {path} cannot be written ({error.strerror or error})"
            ) from None
        parts = urlsplit(graph_base)
        host = (parts.hostname or "").lower()
        self._write(
            {
                "trace": TRACE_FORMAT,
                "version": TRACE_VERSION,
                "spcheck": __version__,
                "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "graph": host if host in _KNOWN_GRAPH_HOSTS else "<other-host>",
                "api": parts.path.strip("/") or "",
            }
        )

    def _write(self, record: dict[str, Any]) -> None:
        with self._lock:
            if self._file is None:
                return
            self._file.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            self._file.flush()

    def record(
        self,
        request: httpx.Request,
        content: bytes,
        response: httpx.Response | None,
        body: bytes,
        elapsed: float,
        error: str | None = None,
    ) -> None:
        """One exchange; ``content`` and ``body`` are the request and (decoded) response bytes."""
        clean = self.sanitiser
        url = str(request.url)
        graph = clean.is_graph(url)
        with self._lock:
            self._seq += 1
            seq = self._seq
        record: dict[str, Any] = {"seq": seq, "method": request.method, "graph": graph}
        if graph:
            path = clean.below_version(request.url.path)
            record["path"] = clean.path(path)
            query = clean.query(request.url.query.decode("ascii", "replace"))
            if query:
                record["query"] = query
        else:
            record["path"] = clean.placeholder("url", url)
        is_batch = graph and record["path"] == "/$batch"
        record["request"] = {
            "headers": clean.headers(request.headers.multi_items(), REQUEST_HEADERS),
            **self._body(request.headers.get("content-type"), content, batch_request=is_batch),
        }
        if response is None:
            record["status"] = None
            record["error"] = error
        else:
            record["status"] = response.status_code
            record["response"] = {
                "headers": clean.headers(response.headers.multi_items(), RESPONSE_HEADERS),
                **self._body(response.headers.get("content-type"), body, batch_response=is_batch),
            }
        record["elapsed_ms"] = round(elapsed * 1000, 1)
        self._write(record)

    def _body(
        self,
        content_type: str | None,
        content: bytes,
        *,
        batch_request: bool = False,
        batch_response: bool = False,
    ) -> dict[str, Any]:
        if not content:
            return {}
        if "json" not in (content_type or "").lower():
            return {"content_bytes": len(content)}
        try:
            parsed = json.loads(content)
        except (ValueError, UnicodeDecodeError):
            return {"content_bytes": len(content), "unparsed": True}
        if batch_request:
            return {"body": self.sanitiser.batch_request(parsed)}
        if batch_response:
            return {"body": self.sanitiser.batch_response(parsed)}
        return {"body": self.sanitiser.body(parsed)}

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


class TracingTransport(httpx.AsyncBaseTransport):
    """Passes each request to ``inner`` and writes the exchange to the trace."""

    def __init__(self, inner: httpx.AsyncBaseTransport, writer: TraceWriter) -> None:
        self._inner = inner
        self._writer = writer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            content = request.content
        except httpx.RequestNotRead:
            content = await request.aread()
        started = time.perf_counter()
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TransportError as error:
            self._writer.record(
                request, content, None, b"", time.perf_counter() - started, type(error).__name__
            )
            raise
        try:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        finally:
            await response.aclose()
        elapsed = time.perf_counter() - started
        # The trace needs the decoded body; the client gets the raw one and decodes it itself.
        decoded = httpx.Response(
            response.status_code, headers=response.headers, stream=httpx.ByteStream(raw)
        ).read()
        self._writer.record(request, content, response, decoded, elapsed)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(raw),
            request=request,
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()
        self._writer.close()


def install(client: httpx.AsyncClient, writer: TraceWriter) -> None:
    """Put the trace under ``client``'s transport and any mounted (proxy) transports,
    as msgraph-core puts its middleware, so no request goes round it."""
    client._transport = TracingTransport(client._transport, writer)
    client._mounts = {
        pattern: TracingTransport(transport, writer) if transport is not None else None
        for pattern, transport in client._mounts.items()
    }
