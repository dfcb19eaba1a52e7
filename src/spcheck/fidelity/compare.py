"""Comparing two sanitised JSON bodies by shape: property names, types, paging links.

Both sides are in the trace's sanitised form (the emulator's reply goes through the
same ``Sanitiser``), so strings compare by kind (``<datetime>``, ``<id>``, a Graph
keyword) and never by value. Arrays of entities are compared kind by kind (file,
folder, root, deleted item; grant, invitation, link), and because the emulator's
data is not the tenant's, a property counts as missing only when one side sends
it on every element of a kind and the other on none: a property Graph sends on
some files only (``shared``, say) is not a difference because the emulator's
files happened not to need it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from spcheck.fidelity.trace_file import strip_numbers

_PLACEHOLDER = re.compile(r"<([a-z-]+)(?:#\d+)?>")
_LINK = re.compile(r"<(link|path):(.*)>")


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the emulator's answer differs from Graph's."""

    kind: str  # status, property, type, paging, header
    where: str  # the JSON path, e.g. value[file].parentReference.path
    graph: str
    emulator: str


def value_type(value: Any) -> str:
    """``object``, ``array``, ``number``, ``boolean``, ``null``, or ``string`` with its kind."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    text = str(value)
    linked = _LINK.fullmatch(text)
    if linked is not None:
        return f"string({linked.group(1)})"
    found = _PLACEHOLDER.fullmatch(text)
    return f"string({found.group(1)})" if found is not None else "string"


def entity_kind(body: dict[str, Any]) -> str:
    """What an element of a collection is, by its facets."""
    if "deleted" in body:
        return "deleted item"
    if "root" in body:
        return "root"
    if "file" in body:
        return "file"
    if "folder" in body:
        return "folder"
    if "roles" in body:
        return "link" if "link" in body else "invitation" if "invitation" in body else "grant"
    if "error" in body:
        return "error"
    return "object"


def _joined(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def compare(graph: Any, emulator: Any, where: str = "") -> list[Difference]:
    """Every difference of shape between Graph's body and the emulator's."""
    return _compare_values([graph], [emulator], where, by_kind=False)


def _compare_values(
    graph: Sequence[Any], emulator: Sequence[Any], where: str, *, by_kind: bool
) -> list[Difference]:
    found: list[Difference] = []
    graph_types = {value_type(value) for value in graph} - {"null"}
    emulator_types = {value_type(value) for value in emulator} - {"null"}
    if graph_types and emulator_types and not graph_types & emulator_types:
        found.append(
            Difference(
                "type",
                where or "(body)",
                " or ".join(sorted(graph_types)),
                " or ".join(sorted(emulator_types)),
            )
        )
        return found
    graph_objects = [value for value in graph if isinstance(value, dict)]
    emulator_objects = [value for value in emulator if isinstance(value, dict)]
    if graph_objects and emulator_objects:
        kind_of: Callable[[dict[str, Any]], str] = entity_kind if by_kind else (lambda _: "")
        for kind in sorted(
            {kind_of(o) for o in graph_objects} & {kind_of(o) for o in emulator_objects}
        ):
            label = f"{where}[{kind}]" if kind else where
            found.extend(
                _compare_objects(
                    [o for o in graph_objects if kind_of(o) == kind],
                    [o for o in emulator_objects if kind_of(o) == kind],
                    label,
                )
            )
    graph_items = [item for value in graph if isinstance(value, list) for item in value]
    emulator_items = [item for value in emulator if isinstance(value, list) for item in value]
    if graph_items and emulator_items:
        found.extend(_compare_values(graph_items, emulator_items, f"{where}[]", by_kind=True))
    return found


def _compare_objects(
    graph: list[dict[str, Any]], emulator: list[dict[str, Any]], where: str
) -> list[Difference]:
    found: list[Difference] = []
    graph_any = {key for body in graph for key in body}
    emulator_any = {key for body in emulator for key in body}
    graph_always = set.intersection(*(set(body) for body in graph))
    emulator_always = set.intersection(*(set(body) for body in emulator))
    for key in sorted(graph_always - emulator_any):
        found.append(Difference("property", _joined(where, key), "sent", "missing"))
    for key in sorted(emulator_always - graph_any):
        found.append(Difference("property", _joined(where, key), "missing", "sent"))
    for key in sorted(graph_any & emulator_any):
        found.extend(
            _compare_values(
                [body[key] for body in graph if key in body],
                [body[key] for body in emulator if key in body],
                _joined(where, key),
                by_kind=False,
            )
        )
    return found


def _link_shape(value: Any) -> str | None:
    """A link's template with numbers and query values dropped: what paging depends on."""
    if not isinstance(value, str):
        return None
    linked = _LINK.fullmatch(value)
    if linked is None:
        return value_type(value)
    path, _, query = strip_numbers(linked.group(2)).partition("?")
    keys = sorted(part.partition("=")[0] for part in query.split("&") if part)
    return path + ("?" + "&".join(keys) if keys else "")


def compare_paging(graph: Any, emulator: Any) -> list[Difference]:
    """Differences in how a collection pages: which links come, their shape, page sizes."""
    if not (isinstance(graph, dict) and isinstance(emulator, dict)):
        return []
    if not (isinstance(graph.get("value"), list) and isinstance(emulator.get("value"), list)):
        return []
    found: list[Difference] = []
    for link in ("@odata.nextLink", "@odata.deltaLink"):
        graph_shape, emulator_shape = _link_shape(graph.get(link)), _link_shape(emulator.get(link))
        if graph_shape and emulator_shape and graph_shape != emulator_shape:
            found.append(Difference("paging", link, graph_shape, emulator_shape))
    graph_count, emulator_count = len(graph["value"]), len(emulator["value"])
    graph_next, emulator_next = "@odata.nextLink" in graph, "@odata.nextLink" in emulator
    if graph_next and not emulator_next and emulator_count >= graph_count:
        found.append(
            Difference(
                "paging",
                "@odata.nextLink",
                f"a next page after {graph_count} item(s)",
                f"{emulator_count} item(s) in one page",
            )
        )
    if emulator_next and not graph_next and graph_count >= emulator_count:
        found.append(
            Difference(
                "paging",
                "@odata.nextLink",
                f"{graph_count} item(s) in one page",
                f"a next page after {emulator_count} item(s)",
            )
        )
    if graph_next and emulator_next and graph_count != emulator_count:
        found.append(
            Difference("paging", "value", f"{graph_count} per page", f"{emulator_count} per page")
        )
    return found
