"""Graph traffic with everything that could identify a person or the tenant taken out.

The rule is an allowlist: a value is written as it is only when it cannot name
anyone (numbers, booleans, null, Graph's own words such as ``documentLibrary``,
``anonymous``, ``itemNotFound``, request ids Microsoft support asks for); every
other string becomes a typed placeholder such as ``<email#3>``, ``<file-name#7>``,
``<datetime>`` or ``<hash>``, so the shape, the property names and the types stay.
The same value gets the same number throughout one trace (``<id#4>`` in a reply is
``{item-id#4}`` in a later path), which is what lets the fidelity check replay
it; the numbers say nothing about the values themselves, which never leave memory.

Paths become templates on the same principle: only Graph's own segment names stay
(``sites``, ``drives``, ``items``, ``children``, ``delta``...), and each other
segment becomes a placeholder named by what it is (``{drive-id#2}``,
``{item-path#5}``). The inspections root folder (SPCHECK_ROOT_FOLDER) is a
setting, not content, and is written ``{root-folder}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from spcheck.graph.paths import key_segments

# Segments of Graph paths that are Graph's own words (matched case-insensitively).
_LITERALS = frozenset(
    {
        "$batch",
        "$metadata",
        "$value",
        "activities",
        "analytics",
        "checkin",
        "checkout",
        "children",
        "columns",
        "content",
        "contenttypes",
        "copy",
        "createlink",
        "createuploadsession",
        "delta",
        "delta()",
        "drive",
        "drives",
        "fields",
        "follow",
        "grant",
        "invite",
        "items",
        "listitem",
        "lists",
        "mailboxsettings",
        "me",
        "permissions",
        "preview",
        "reauthorize",
        "restore",
        "root",
        "search",
        "sendmail",
        "sites",
        "subscriptions",
        "thumbnails",
        "users",
        "versions",
    }
)
# What the segment after a collection names.
_AFTER = {
    "sites": "site-id",
    "drives": "drive-id",
    "items": "item-id",
    "permissions": "permission-id",
    "users": "user",
    "lists": "list-id",
    "subscriptions": "subscription-id",
    "versions": "version-id",
    "thumbnails": "thumbnail-id",
}
_DELTA_TOKEN = re.compile(r"delta\(token=(?:'[^']*'|[^)]*)\)", re.IGNORECASE)
# Query options whose values are property names, counts or Graph keywords.
_KEPT_QUERY = frozenset({"$top", "top", "$select", "select", "$expand", "$orderby", "$count"})
_TOKEN_QUERY = frozenset({"token", "$skiptoken", "$deltatoken", "skiptoken", "deltatoken"})
_SAFE_WORD = re.compile(r"[A-Za-z0-9#._/+,;=$-]{0,80}")
_SAFE_KEY = re.compile(r"[@A-Za-z_$][A-Za-z0-9_.@$:-]{0,80}")

# Properties whose string values are Graph's vocabulary (enums, codes, media types).
_KEPT_VALUES = frozenset(
    {
        "@odata.type",
        "@microsoft.graph.conflictbehavior",
        "@microsoft.graph.sharedchanged",
        "code",
        "contenttype",
        "content-type",
        "conflictbehavior",
        "drivetype",
        "method",
        "mimetype",
        "roles",
        "scope",
        "state",
        "status",
        "type",
        "retry-after",
        "request-id",
        "client-request-id",
    }
)
_ID_KEYS = frozenset({"id", "oid", "tid", "appid", "uniqueid"})
_EMAIL_KEYS = frozenset({"email", "mail", "address", "userprincipalname"})
_NAME_KEYS = frozenset({"displayname", "givenname", "surname"})
_URL_KEYS = frozenset(
    {"weburl", "webdavurl", "url", "@microsoft.graph.downloadurl", "@odata.context", "location"}
)
_LINK_KEYS = frozenset({"@odata.nextlink", "@odata.deltalink"})
_HASH_KEYS = frozenset({"quickxorhash", "sha1hash", "sha256hash", "crc32hash"})
_ETAG_KEYS = frozenset({"etag", "ctag", "if-match", "if-none-match"})
_TEXT_KEYS = frozenset({"message", "description", "subject", "content", "body"})

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?")
_HTTP_DATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")
_NUMBER_TEXT = re.compile(r"-?\d+(\.\d+)?")

REQUEST_HEADERS = ("prefer", "if-match", "if-none-match", "content-type", "client-request-id")
RESPONSE_HEADERS = (
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "x-ms-resource-unit",
    "x-ms-throttle-limit-percentage",
    "x-ms-throttle-scope",
    "request-id",
    "client-request-id",
    "preference-applied",
    "content-type",
    "date",
    "location",
)


class Sanitiser:
    """Turns URLs, headers and JSON bodies into their sanitised form; one per trace."""

    def __init__(self, graph_base: str, root_folder: str = "") -> None:
        parts = urlsplit(graph_base.rstrip("/"))
        self._graph_origin = (parts.scheme, parts.netloc.lower())
        self._graph_path = parts.path.rstrip("/")
        self._root = root_folder.strip("/").casefold()
        self._numbers: dict[str, int] = {}

    # --- placeholders -----------------------------------------------------------------------

    def number(self, raw: str) -> int:
        """The trace-wide number of a value (the value itself is kept in memory only)."""
        if raw not in self._numbers:
            self._numbers[raw] = len(self._numbers) + 1
        return self._numbers[raw]

    def placeholder(self, kind: str, raw: str) -> str:
        return f"<{kind}#{self.number(raw)}>"

    def _item_path(self, raw: str) -> str:
        path = raw.strip("/")
        if not path:
            return ""
        folded = path.casefold()
        if self._root and folded == self._root:
            return "{root-folder}"
        if self._root and folded.startswith(self._root + "/"):
            rest = path[len(self._root) + 1 :]
            return "{root-folder}/{item-path#" + str(self.number(rest)) + "}"
        return "{item-path#" + str(self.number(path)) + "}"

    # --- paths and URLs ---------------------------------------------------------------------

    def is_graph(self, url: str) -> bool:
        parts = urlsplit(url)
        return (parts.scheme, parts.netloc.lower()) == self._graph_origin and (
            parts.path == self._graph_path or parts.path.startswith(self._graph_path + "/")
        )

    def below_version(self, url_path: str) -> str:
        """A Graph URL path with the base path (``/v1.0``) removed."""
        if self._graph_path and url_path.startswith(self._graph_path):
            return url_path[len(self._graph_path) :] or "/"
        return url_path

    def path(self, path: str) -> str:
        """The template of a path below the API version, e.g. ``/drives/{drive-id#2}/root``."""
        out: list[str] = []
        previous = ""
        for segment in key_segments(path, errors="replace"):
            lowered = segment.lower()
            if lowered in _LITERALS:
                out.append(segment)
            elif _DELTA_TOKEN.fullmatch(segment):
                token = segment[segment.index("=") + 1 : -1].strip("'")
                out.append("delta(token={token#" + str(self.number(token)) + "})")
            elif ":" in segment:
                out.append(self._colon_key(segment, previous))
            else:
                kind = _AFTER.get(previous, "segment")
                if kind == "user" and _EMAIL.fullmatch(segment):
                    kind = "email"
                out.append("{" + kind + "#" + str(self.number(segment)) + "}")
            previous = lowered
        return "/" + "/".join(out)

    def _colon_key(self, segment: str, previous: str) -> str:
        base, _, rest = segment.partition(":")
        inner = rest.removesuffix(":")
        if previous == "sites":
            host = "{hostname#" + str(self.number(base.lower())) + "}"
            site = inner.strip("/")
            head, _, name = site.partition("/")
            if head.lower() == "sites" and name:
                return f"{host}:/sites/{{site-path#{self.number(name)}}}" + (
                    ":" if rest.endswith(":") else ""
                )
            return f"{host}:/{{site-path#{self.number(site)}}}" + (
                ":" if rest.endswith(":") else ""
            )
        if base.lower() == "root":
            head = "root"
        else:
            head = "{" + _AFTER.get(previous, "segment") + "#" + str(self.number(base)) + "}"
        inside = self._item_path(inner)
        return f"{head}:/{inside}" + (":" if rest.endswith(":") else "")

    def query(self, query: str) -> dict[str, str]:
        """Query options with Graph's keywords kept and every other value a placeholder."""
        kept: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            name = key if _SAFE_KEY.fullmatch(key) else "{key#" + str(self.number(key)) + "}"
            lowered = key.lower()
            if lowered in _KEPT_QUERY and _SAFE_WORD.fullmatch(value):
                kept[name] = value
            elif lowered in _TOKEN_QUERY:
                kept[name] = (
                    value if value == "latest" else "{token#" + str(self.number(value)) + "}"
                )
            elif lowered == "@microsoft.graph.conflictbehavior" and _SAFE_WORD.fullmatch(value):
                kept[name] = value
            else:
                kept[name] = "{value#" + str(self.number(value)) + "}"
        return kept

    def link(self, url: str) -> str:
        """A Graph link as ``<link:/template?k=v>``; any other URL as ``<url#n>``."""
        if not self.is_graph(url):
            return self.placeholder("url", url)
        parts = urlsplit(url)
        template = self.path(self.below_version(parts.path))
        query = self.query(parts.query)
        if query:
            template += "?" + "&".join(f"{key}={value}" for key, value in query.items())
        return f"<link:{template}>"

    # --- headers ----------------------------------------------------------------------------

    def headers(self, headers: Iterable[tuple[str, str]], allowed: Iterable[str]) -> dict[str, str]:
        wanted = frozenset(allowed)
        kept: dict[str, str] = {}
        for name, value in headers:
            lowered = name.lower()
            if lowered not in wanted:
                continue
            if lowered in _ETAG_KEYS:
                kept[lowered] = self.placeholder("etag", value)
            elif lowered == "location":
                kept[lowered] = self.link(value)
            elif lowered in ("request-id", "client-request-id") and not _GUID.fullmatch(value):
                kept[lowered] = self.placeholder("id", value)
            else:
                kept[lowered] = value
        return kept

    # --- JSON -------------------------------------------------------------------------------

    def body(self, value: Any, key: str = "", siblings: Mapping[str, Any] | None = None) -> Any:
        """A JSON value with its strings replaced; ``key`` is the property it sits under."""
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, list):
            return [self.body(element, key, None) for element in value]
        if isinstance(value, dict):
            return {self._key(name): self.body(child, name, value) for name, child in value.items()}
        if isinstance(value, str):
            return self._string(value, key, siblings or {})
        return "<text>"

    def _key(self, name: str) -> str:
        return name if _SAFE_KEY.fullmatch(name) else self.placeholder("key", name)

    def _string(self, value: str, key: str, siblings: Mapping[str, Any]) -> str:
        if not value:
            return value
        lowered = key.lower()
        if lowered in _KEPT_VALUES and _SAFE_WORD.fullmatch(value):
            if lowered in ("request-id", "client-request-id") and not _GUID.fullmatch(value):
                return self.placeholder("id", value)
            return value
        if lowered in _LINK_KEYS:
            return self.link(value)
        if lowered in _URL_KEYS:
            return self.placeholder("url", value)
        if lowered in _ETAG_KEYS:
            return self.placeholder("etag", value)
        if lowered in _HASH_KEYS:
            return "<hash>"
        if lowered == "path" and value.startswith("/"):
            return f"<path:{self._drive_path(value)}>"
        if lowered == "name":
            if "file" in siblings:
                return self.placeholder("file-name", value)
            if "folder" in siblings or "root" in siblings:
                return self.placeholder("folder-name", value)
            return self.placeholder("name", value)
        if lowered in _NAME_KEYS:
            return self.placeholder("name", value)
        if lowered == "loginname":
            return self.placeholder("login", value)
        if lowered in _EMAIL_KEYS or _EMAIL.fullmatch(value):
            return self.placeholder("email", value)
        if lowered == "hostname":
            return self.placeholder("hostname", value.lower())
        if lowered in _ID_KEYS or lowered.endswith("id") or _GUID.fullmatch(value):
            return self.placeholder("id", value)
        if lowered.endswith("datetime") or lowered == "date" or _DATETIME.fullmatch(value):
            return "<datetime>"
        if _HTTP_DATE.fullmatch(value):
            return "<datetime>"
        if value.startswith(("http://", "https://")):
            return self.link(value)
        if lowered in _TEXT_KEYS:
            return "<text>"
        if _NUMBER_TEXT.fullmatch(value):
            return "<number-text>"
        return "<text>"

    def _drive_path(self, value: str) -> str:
        """``/drives/{id}/root:/A/B`` (a parentReference.path) as a template."""
        head, colon, rest = value.partition("root:")
        template = self.path(head + "root") if head else "/root"
        if not colon:
            return self.path(value)
        inside = self._item_path(rest)
        return template + ":" + ("/" + inside if inside else "")

    # --- $batch -----------------------------------------------------------------------------

    def batch_request(self, body: Any) -> Any:
        """A ``$batch`` request: each sub-request's URL templated, headers and body sanitised."""
        if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
            return self.body(body)
        requests = []
        for entry in body["requests"]:
            if not isinstance(entry, dict):
                requests.append(self.body(entry))
                continue
            sub: dict[str, Any] = {
                "id": self._batch_id(entry.get("id")),
                "method": str(entry.get("method", "")).upper()[:10],
                "url": self._sub_url(str(entry.get("url", ""))),
            }
            headers = entry.get("headers")
            if isinstance(headers, dict):
                sub["headers"] = self.headers(
                    ((str(k), str(v)) for k, v in headers.items()), REQUEST_HEADERS
                )
            if "body" in entry:
                sub["body"] = self.body(entry["body"])
            depends = entry.get("dependsOn")
            if isinstance(depends, list):
                sub["dependsOn"] = [self._batch_id(dep) for dep in depends]
            requests.append(sub)
        return {"requests": requests}

    def batch_response(self, body: Any) -> Any:
        """A ``$batch`` response: each sub-response's status, headers and sanitised body."""
        if not isinstance(body, dict) or not isinstance(body.get("responses"), list):
            return self.body(body)
        responses = []
        for entry in body["responses"]:
            if not isinstance(entry, dict):
                responses.append(self.body(entry))
                continue
            sub: dict[str, Any] = {
                "id": self._batch_id(entry.get("id")),
                "status": entry.get("status") if isinstance(entry.get("status"), int) else None,
            }
            headers = entry.get("headers")
            if isinstance(headers, dict):
                sub["headers"] = self.headers(
                    ((str(k), str(v)) for k, v in headers.items()), RESPONSE_HEADERS
                )
            if "body" in entry:
                inner = entry["body"]
                # A non-JSON body travels base64-encoded: only its size is kept.
                sub["body"] = (
                    {"content_chars": len(inner)} if isinstance(inner, str) else (self.body(inner))
                )
            responses.append(sub)
        return {"responses": responses}

    def _batch_id(self, value: Any) -> str:
        text = str(value)
        return text if re.fullmatch(r"\d{1,4}", text) else self.placeholder("id", text)

    def _sub_url(self, url: str) -> str:
        if url.startswith(("http://", "https://")):
            return self.link(url)
        path, _, query = url.partition("?")
        template = self.path(path)
        options = self.query(query)
        if options:
            template += "?" + "&".join(f"{key}={value}" for key, value in options.items())
        return template
