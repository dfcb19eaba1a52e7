"""Reading a trace file written by SPCHECK_TRACE: runs of sanitised exchanges."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spcheck.errors import InputError
from spcheck.graph.trace import TRACE_FORMAT, TRACE_VERSION


@dataclass(frozen=True, slots=True)
class Exchange:
    """One traced request and what came back, as written (sanitised)."""

    line: int
    seq: int
    method: str
    graph: bool
    path: str
    query: dict[str, str]
    request_headers: dict[str, str]
    request_body: Any
    request_bytes: int | None
    status: int | None
    response_headers: dict[str, str]
    response_body: Any
    error: str | None

    @property
    def label(self) -> str:
        """``GET /drives/{drive-id}/root/delta``: the template without its numbers."""
        query = "&".join(f"{key}={value}" for key, value in self.query.items())
        return strip_numbers(f"{self.method} {self.path}" + (f"?{query}" if query else ""))


@dataclass
class Run:
    """The exchanges of one gateway (one spcheck command), in order."""

    line: int
    spcheck: str
    exchanges: list[Exchange] = field(default_factory=list)


def strip_numbers(text: str) -> str:
    """A template or placeholder without its trace numbers: ``{item-id#4}`` -> ``{item-id}``."""
    import re

    return re.sub(r"#\d+([}>])", r"\1", text)


def _exchange(record: dict[str, Any], line: int) -> Exchange:
    request = record.get("request") or {}
    response = record.get("response") or {}
    status = record.get("status")
    return Exchange(
        line=line,
        seq=int(record.get("seq", 0)),
        method=str(record["method"]),
        graph=bool(record.get("graph", True)),
        path=str(record["path"]),
        query=dict(record.get("query") or {}),
        request_headers=dict(request.get("headers") or {}),
        request_body=request.get("body"),
        request_bytes=request.get("content_bytes"),
        status=int(status) if isinstance(status, int) else None,
        response_headers=dict(response.get("headers") or {}),
        response_body=response.get("body"),
        error=record.get("error"),
    )


def read_trace(path: Path) -> list[Run]:
    """The runs of a trace file; a line that is not a trace record is one InputError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read ({type(error).__name__})") from None
    runs: list[Run] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise ValueError("not an object")
            if "trace" in record:
                if record["trace"] != TRACE_FORMAT or record.get("version") != TRACE_VERSION:
                    raise ValueError(
                        f"format {record.get('trace')!r} version {record.get('version')!r}"
                    )
                runs.append(Run(line=number, spcheck=str(record.get("spcheck", "?"))))
                continue
            if not runs:
                raise ValueError("an exchange before the run header")
            runs[-1].exchanges.append(_exchange(record, number))
        except (ValueError, KeyError, TypeError) as error:
            raise InputError(
                f"{path}:{number}: not a spcheck trace record ({error}); expected the JSON "
                f"lines SPCHECK_TRACE writes ({TRACE_FORMAT} version {TRACE_VERSION})"
            ) from None
    if not runs:
        raise InputError(f"{path}: no trace in it (an empty file, or not SPCHECK_TRACE output)")
    return runs
