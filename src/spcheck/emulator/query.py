"""Graph's OData query options as the emulator accepts them, and the links that keep them.

Only ``$select``, ``$top`` and ``$skiptoken`` are emulated; any other ``$`` option
is refused with 400 rather than ignored. Options may arrive without their ``$``,
as Graph accepts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from spcheck.emulator.interface import InvalidRequest

CONFLICT_KEY = "@microsoft.graph.conflictBehavior"
MAX_TOP = 999
_SUPPORTED_OPTIONS = frozenset({"$select", "$top", "$skiptoken"})
_BARE_OPTIONS = frozenset(
    {"select", "top", "skiptoken", "expand", "filter", "orderby", "search", "count", "skip"}
)


@dataclass(frozen=True, slots=True)
class QueryOptions:
    select: list[str] | None = None
    top: int | None = None
    skiptoken: str | None = None
    token: str | None = None
    conflict: str | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> QueryOptions:
        options: dict[str, str] = {}
        for key, value in query.items():
            name = f"${key}" if key.lower() in _BARE_OPTIONS else key
            if name.startswith("$") and name.lower() not in _SUPPORTED_OPTIONS:
                raise InvalidRequest(f"The query option '{name}' is not emulated")
            options[name.lower()] = value
        top: int | None = None
        if "$top" in options:
            if not options["$top"].isdigit() or int(options["$top"]) < 1:
                raise InvalidRequest("$top must be a positive integer")
            top = min(int(options["$top"]), MAX_TOP)
        fields = options.get("$select")
        return cls(
            select=[field for field in fields.split(",") if field.strip()]
            if fields is not None
            else None,
            top=top,
            skiptoken=options.get("$skiptoken"),
            token=options.get("token"),
            conflict=options.get(CONFLICT_KEY.lower()),
        )

    def link_query(self, top: int | None = None, **extra: str) -> str:
        """Query string for next and delta links: the caller's $select and $top are kept."""
        pairs: list[tuple[str, str]] = []
        if self.select is not None:
            pairs.append(("$select", ",".join(self.select)))
        if top is not None:
            pairs.append(("$top", str(top)))
        pairs.extend(extra.items())
        return "&".join(f"{key}={quote(value, safe=',')}" for key, value in pairs)
