"""JSON ``$batch``: up to 20 sub-requests, each metered and answered on its own.

Sub-requests run in order, a request after the ones it depends on (``dependsOn``,
or the ``depends_on`` that msgraph-sdk 1.65 sends by mistake). A request whose
dependency failed gets 424. Each sub-request is charged, throttled and exposed to
injected status faults individually, so a 429 can sit inside a 200 envelope, which
is why SDK retry handlers never see it. Bodies: JSON values stay JSON; a string
body with a non-JSON ``Content-Type`` is base64, as Graph requires.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from spcheck.emulator.interface import GraphRequest, GraphResponse, InvalidRequest, RequestHandler

MAX_REQUESTS = 20
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
# Sub-requests are authorised with the envelope's token, as Graph does.
_INHERITED_HEADERS = ("authorization", "x-emulator-user", "user-agent", "client-request-id")


def _dependencies(entry: Mapping[str, Any]) -> list[str]:
    value = entry.get("dependsOn", entry.get("depends_on", []))
    if not isinstance(value, list) or not all(isinstance(dep, str) for dep in value):
        raise InvalidRequest("dependsOn must be a list of request ids")
    return value


def _validate(entries: Any) -> list[dict[str, Any]]:
    if not isinstance(entries, list) or not entries:
        raise InvalidRequest("A batch needs a non-empty 'requests' array")
    if len(entries) > MAX_REQUESTS:
        raise InvalidRequest(
            f"A batch may hold at most {MAX_REQUESTS} requests, got {len(entries)}"
        )
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            raise InvalidRequest("Each batch request must be an object")
        for field in ("id", "method", "url"):
            if not isinstance(entry.get(field), str) or not entry[field]:
                raise InvalidRequest(f"Each batch request needs a string '{field}'")
        if entry["id"] in seen:
            raise InvalidRequest(f"Duplicate batch request id '{entry['id']}'")
        seen.add(entry["id"])
        if entry["method"].upper() not in _METHODS:
            raise InvalidRequest(f"Method '{entry['method']}' is not allowed in a batch")
        unknown = [dep for dep in _dependencies(entry) if dep not in {e.get("id") for e in entries}]
        if unknown:
            raise InvalidRequest(
                f"Request '{entry['id']}' depends on unknown id(s) {', '.join(unknown)}"
            )
    return entries


def _order(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries in document order, each after its dependencies; a cycle is refused."""
    by_id = {entry["id"]: entry for entry in entries}
    done: set[str] = set()
    visiting: set[str] = set()
    ordered: list[dict[str, Any]] = []

    def visit(entry_id: str) -> None:
        if entry_id in done:
            return
        if entry_id in visiting:
            raise InvalidRequest("The batch's dependsOn references form a cycle")
        visiting.add(entry_id)
        for dep in _dependencies(by_id[entry_id]):
            visit(dep)
        visiting.discard(entry_id)
        done.add(entry_id)
        ordered.append(by_id[entry_id])

    for entry in entries:
        visit(entry["id"])
    return ordered


def _sub_request(entry: Mapping[str, Any], envelope: GraphRequest, base_path: str) -> GraphRequest:
    raw_headers = entry.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise InvalidRequest("headers must be an object")
    headers = {str(key).lower(): str(value) for key, value in raw_headers.items()}
    for name in _INHERITED_HEADERS:
        inherited = envelope.header(name)
        if inherited is not None:
            headers.setdefault(name, inherited)
    url = urlsplit(entry["url"])
    path = url.path
    if url.scheme:
        if not path.startswith(base_path):
            raise InvalidRequest("A batch request url must be relative to the API version")
        path = path[len(base_path) :]
    body = b""
    if "body" in entry and entry["body"] is not None:
        content_type = headers.get("content-type")
        if content_type is None:
            raise InvalidRequest("A Content-Type header is required with a body")
        value = entry["body"]
        if isinstance(value, str) and "json" not in content_type.lower():
            try:
                body = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidRequest("A non-JSON body must be base64-encoded") from None
        else:
            body = json.dumps(value).encode()
    return GraphRequest(
        method=entry["method"].upper(),
        path="/" + path.lstrip("/"),
        query=dict(parse_qsl(url.query, keep_blank_values=True)),
        headers=headers,
        body=body,
        in_batch=True,
    )


def _response_entry(entry_id: str, response: GraphResponse) -> dict[str, Any]:
    content, headers = response.encoded()
    out: dict[str, Any] = {"id": entry_id, "status": response.status, "headers": headers}
    if response.content is not None:
        out["body"] = base64.b64encode(response.content).decode("ascii")
    elif content:
        out["body"] = json.loads(content)
    return out


def run_batch(handler: RequestHandler, request: GraphRequest, base_path: str) -> GraphResponse:
    """Execute a ``$batch`` envelope through ``handler`` (the metered emulator)."""
    entries = _validate(request.json_object().get("requests"))
    statuses: dict[str, int] = {}
    answers: dict[str, dict[str, Any]] = {}
    for entry in _order(entries):
        failed = [dep for dep in _dependencies(entry) if statuses[dep] >= 400]
        if failed:
            statuses[entry["id"]] = 424
            answers[entry["id"]] = {
                "id": entry["id"],
                "status": 424,
                "headers": {"Content-Type": "application/json"},
                "body": {
                    "error": {
                        "code": "FailedDependency",
                        "message": f"Depends on failed request(s) {', '.join(failed)}",
                    }
                },
            }
            continue
        try:
            sub = _sub_request(entry, request, base_path)
        except InvalidRequest as error:
            response = GraphResponse(
                400, body={"error": {"code": error.code, "message": error.message}}
            )
        else:
            response = handler.handle(sub)
        statuses[entry["id"]] = response.status
        answers[entry["id"]] = _response_entry(entry["id"], response)
    return GraphResponse(200, body={"responses": [answers[entry["id"]] for entry in entries]})
