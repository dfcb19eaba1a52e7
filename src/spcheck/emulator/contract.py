"""The emulator's answers held to Microsoft's schema, through the msgraph-sdk's typed models.

The SDK's models are generated from Microsoft Graph's published metadata, so parsing
a body with the model for its type checks the emulator against Graph's own names
and types rather than against this project's reading of them. A body fails when:

- a property lands in the model's ``additional_data``: a name Graph does not have.
  OData annotations (``@odata.*``, ``@microsoft.graph.*``) are legitimate there, and
  so are the few properties SharePoint sends that the metadata lacks (``EXTRAS``);
- a value cannot be parsed: the parser raises, or drops it (a number sent as text,
  an unknown enum value), which the round trip through the SDK's serialiser shows;
- a property a real response always carries is missing (``REQUIRED``, per type;
  not checked when the request asked for ``$select``).

``ResponseContract`` is an emulator observer (``observe``): the test suite registers
one for the whole session, so every body any test provokes is checked, and reports
the endpoints and entity types it covered. Identical shapes are checked once.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from spcheck.emulator.interface import GraphRequest, GraphResponse

ANNOTATION_PREFIXES = ("@odata.", "@microsoft.graph.")
COLLECTION_KEYS = frozenset(
    {"value", "@odata.context", "@odata.nextLink", "@odata.deltaLink", "@odata.count"}
)
# Properties SharePoint sends that Graph's metadata does not declare, per model.
EXTRAS: Mapping[str, frozenset[str]] = {
    # driveItem.createdBy.user and permission.grantedToV2.user carry the person's email.
    "Identity": frozenset({"email"}),
    "SharePointIdentity": frozenset({"email"}),
}
# What a real response always carries, per entity (dotted paths for nested ones).
REQUIRED: Mapping[str, tuple[str, ...]] = {
    "site": ("id", "name", "displayName", "webUrl", "createdDateTime", "lastModifiedDateTime"),
    "drive": (
        "id",
        "name",
        "driveType",
        "webUrl",
        "createdDateTime",
        "lastModifiedDateTime",
        "owner",
        "quota",
    ),
    "driveItem": (
        "id",
        "name",
        "eTag",
        "cTag",
        "createdDateTime",
        "lastModifiedDateTime",
        "webUrl",
        "size",
        "createdBy",
        "lastModifiedBy",
        "fileSystemInfo",
    ),
    "driveItem (below the root)": ("parentReference", "parentReference.driveId"),
    "driveItem (file)": ("file.mimeType", "file.hashes", "@microsoft.graph.downloadUrl"),
    "driveItem (folder)": ("folder.childCount",),
    "driveItem (deleted)": ("id", "deleted", "parentReference"),
    "permission": ("id", "roles"),
    "subscription": (
        "id",
        "resource",
        "changeType",
        "notificationUrl",
        "expirationDateTime",
        "applicationId",
        "creatorId",
    ),
    "permission (link)": ("link.type", "link.scope", "link.webUrl"),
    "error": ("error.code", "error.message", "error.innerError"),
    "collection": ("value", "@odata.context"),
}


def _models() -> dict[str, Any]:
    from msgraph.generated.models.drive import Drive
    from msgraph.generated.models.drive_item import DriveItem
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.generated.models.permission import Permission
    from msgraph.generated.models.site import Site
    from msgraph.generated.models.subscription import Subscription

    return {
        "site": Site,
        "drive": Drive,
        "driveItem": DriveItem,
        "permission": Permission,
        "subscription": Subscription,
        "error": ODataError,
    }


# The entity type of a successful answer, by route kind; "[x]" is a collection of x.
ANSWERS: Mapping[str, str] = {
    "GET site": "site",
    "GET siteDrives": "[drive]",
    "GET drive": "drive",
    "GET item": "driveItem",
    "PATCH item": "driveItem",
    "DELETE item": "",
    "GET children": "[driveItem]",
    "POST children": "driveItem",
    "GET content": "",
    "PUT content": "driveItem",
    "GET delta": "[driveItem]",
    "GET permissions": "[permission]",
    "GET permission": "permission",
    "DELETE permission": "",
    "POST invite": "[permission]",
    "POST createLink": "permission",
    "POST sendMail": "",
    "POST subscriptions": "subscription",
    "GET subscriptions": "[subscription]",
    "GET subscription": "subscription",
    "PATCH subscription": "subscription",
    "DELETE subscription": "",
    "POST reauthorize": "",
    "POST batch": "batch",
    "GET download": "content",
    "POST token": "token",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One way a body breaks Graph's schema."""

    kind: str  # the route kind, e.g. GET children
    entity: str
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.entity} {self.where}: {self.what}"


def _present(body: Mapping[str, Any], dotted: str) -> bool:
    if dotted.startswith("@"):
        return dotted in body  # an annotation's name has dots of its own
    value: Any = body
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False
        value = value[part]
    return True


def _item_flavours(body: Mapping[str, Any]) -> list[str]:
    if "deleted" in body:
        return ["driveItem (deleted)"]
    flavours = ["driveItem"]
    if "root" not in body:
        flavours.append("driveItem (below the root)")
    if "file" in body:
        flavours.append("driveItem (file)")
    if "folder" in body:
        flavours.append("driveItem (folder)")
    return flavours


def required_for(entity: str, body: Mapping[str, Any]) -> list[str]:
    """The REQUIRED entries that apply to one body of ``entity``."""
    if entity == "driveItem":
        lists = _item_flavours(body)
    elif entity == "permission":
        lists = ["permission", *(["permission (link)"] if "link" in body else [])]
    else:
        lists = [entity]
    return [name for flavour in lists for name in REQUIRED.get(flavour, ())]


@cache
def _checking_node_class() -> Any:
    """A kiota JSON parse node that notes each property a model has no field for, by its
    JSON path (the SDK would put it in ``additional_data`` without a word)."""
    from kiota_serialization_json.json_parse_node import JsonParseNode

    class CheckingNode(JsonParseNode):
        def __init__(self, node: Any, found: list[tuple[str, str]], path: str = "") -> None:
            super().__init__(node)
            self.found = found
            self.path = path

        def _create_new_node(self, node: Any) -> JsonParseNode:
            return CheckingNode(node, self.found, f"{self.path}[]")  # a collection's element

        def _assign_field_values(self, item: Any) -> None:
            if not isinstance(self._json_node, dict):
                return
            fields = item.get_field_deserializers()
            allowed = EXTRAS.get(type(item).__name__, frozenset())
            extra = item.additional_data if item.additional_data is not None else {}
            for name, value in self._json_node.items():
                where = f"{self.path}.{name}".lstrip(".")
                if name in fields:
                    if value is not None:
                        fields[name](CheckingNode(value, self.found, where))
                    continue
                if not name.startswith(ANNOTATION_PREFIXES) and name not in allowed:
                    self.found.append((where, f"{type(item).__name__} has no {name!r}"))
                extra[name] = self.try_get_anything(value)

    return CheckingNode


def _dropped(sent: Any, kept: Any, where: str, found: list[tuple[str, str]]) -> None:
    """Values the SDK could not keep: present in the body, absent after the round trip."""
    if isinstance(sent, dict) and isinstance(kept, dict):
        for key, value in sent.items():
            if value is None:
                continue
            if key not in kept or kept[key] is None:
                found.append(
                    (f"{where}.{key}".lstrip("."), f"the value {value!r:.60} cannot be parsed")
                )
            else:
                _dropped(value, kept[key], f"{where}.{key}", found)
    elif isinstance(sent, list) and isinstance(kept, list):
        for index, (one, other) in enumerate(zip(sent, kept, strict=False)):
            _dropped(one, other, f"{where}[{index}]", found)


def check_entity(entity: str, body: Any, *, selected: bool = False) -> list[tuple[str, str]]:
    """(where, what) for each way ``body`` breaks the schema of ``entity``."""
    from kiota_serialization_json.json_serialization_writer import JsonSerializationWriter

    if not isinstance(body, dict):
        return [("", f"not a JSON object but {type(body).__name__}")]
    model_class = _models()[entity]
    found: list[tuple[str, str]] = []
    try:
        model = _checking_node_class()(body, found).get_object_value(model_class)
    except (ValueError, TypeError) as error:
        return [("", f"the SDK cannot parse it ({type(error).__name__}: {error})")]
    writer = JsonSerializationWriter()
    writer.write_object_value(None, model)
    _dropped(body, json.loads(writer.get_serialized_content()), "", found)
    if not selected:
        for name in required_for(entity, body):
            if not _present(body, name):
                found.append((name, "missing: a real response always carries it"))
    return found


def check_body(kind: str, status: int, body: Any, *, selected: bool = False) -> list[Problem]:
    """Every schema problem of one answer of route ``kind`` with ``status``."""
    if kind.endswith(" token"):
        return _check_token(kind, status, body)
    entity = "error" if status >= 400 else ANSWERS.get(kind)
    if entity is None or entity in ("", "content"):
        return []
    if entity == "batch":
        return _check_batch(kind, body)
    if entity.startswith("["):
        inner = entity.strip("[]")
        if not isinstance(body, dict):
            return [Problem(kind, "collection", "", "not a JSON object")]
        problems = [
            Problem(kind, "collection", key, "not a collection property")
            for key in body
            if key not in COLLECTION_KEYS
        ]
        problems += [
            Problem(kind, "collection", name, "missing: a real response always carries it")
            for name in REQUIRED["collection"]
            if name not in body
        ]
        shapes: set[Any] = set()
        for index, element in enumerate(body.get("value") or []):
            shape = signature(element)
            if shape in shapes:
                continue  # the same shape as an element already checked
            shapes.add(shape)
            problems += [
                Problem(kind, inner, f"value[{index}].{where}".rstrip("."), what)
                for where, what in check_entity(inner, element, selected=selected)
            ]
        return problems
    return [
        Problem(kind, entity, where, what)
        for where, what in check_entity(entity, body, selected=selected)
    ]


def _check_batch(kind: str, body: Any) -> list[Problem]:
    # Each sub-response is checked on its own as the emulator answers it; here the envelope.
    responses = body.get("responses") if isinstance(body, dict) else None
    if not isinstance(responses, list) or set(body) != {"responses"}:
        return [Problem(kind, "batch", "", 'a $batch answer is {"responses": [...]} only')]
    problems = []
    for index, entry in enumerate(responses):
        keys = set(entry) if isinstance(entry, dict) else set()
        if not {"id", "status"} <= keys or keys - {"id", "status", "headers", "body"}:
            problems.append(Problem(kind, "batch", f"responses[{index}]", f"keys {sorted(keys)}"))
    return problems


def _check_token(kind: str, status: int, body: Any) -> list[Problem]:
    # Not Graph but the identity platform's OAuth answer (RFC 6749 section 5).
    wanted = (
        ("token_type", "expires_in", "access_token")
        if status == 200
        else (
            "error",
            "error_description",
        )
    )
    keys = set(body) if isinstance(body, dict) else set()
    return [Problem(kind, "token", name, "missing") for name in wanted if name not in keys]


def signature(value: Any) -> Any:
    """The shape of a JSON value: keys and types, strings by whether they look like times."""
    if isinstance(value, dict):
        return tuple(sorted((key, signature(child)) for key, child in value.items()))
    if isinstance(value, list):
        return ("list", frozenset(signature(child) for child in value))
    if isinstance(value, str):
        return "time" if value[:4].isdigit() and value[4:5] == "-" else "str"
    return type(value).__name__


@dataclass
class ResponseContract:
    """An emulator observer that checks each answer's body once per shape."""

    problems: list[Problem] = field(default_factory=list)
    responses: Counter[str] = field(default_factory=Counter)
    entities: Counter[str] = field(default_factory=Counter)
    checked: int = 0
    _seen: set[Any] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: GraphRequest, kind: str, response: GraphResponse) -> None:
        with self._lock:
            self.responses[f"{kind} {response.status}"] += 1
            body = response.body
            if body is None:
                return
            selected = any(key.lower().lstrip("$") == "select" for key in request.query)
            key = (kind, response.status >= 400, selected, signature(body))
            if key in self._seen:
                return
            self._seen.add(key)
            self.checked += 1
            entity = ANSWERS.get(kind, "?")
            if kind.endswith(" token"):
                entity = "token"
            elif response.status >= 400:
                entity = "error"
            self.entities[entity.strip("[]") or "none"] += 1
            try:
                self.problems.extend(check_body(kind, response.status, body, selected=selected))
            except Exception as error:  # an observer must never break the emulator
                self.problems.append(Problem(kind, entity, "", f"the check failed: {error!r}"))

    def coverage(self) -> str:
        kinds = sorted({key.rsplit(" ", 1)[0] for key in self.responses})
        return (
            f"{sum(self.responses.values())} answers, {self.checked} distinct shapes checked; "
            f"endpoints: {', '.join(kinds)}; entity types: "
            + ", ".join(f"{name} ({count})" for name, count in sorted(self.entities.items()))
        )
