"""Replaying a sanitised trace against a fresh emulator, and noting where it answers otherwise.

The trace holds no ids, names or paths, only numbered placeholders, so a request
cannot be sent as it was. It is replayed against the emulator's *equivalent
objects* instead:

- the site, its drive and the inspections root (``{root-folder}``) are the
  emulator's own (``seeds``);
- every other placeholder is bound to an emulator value the first time the two
  answers can be lined up: an ``<id#4>`` in Graph's reply and the id at the same
  place in the emulator's reply (collections are lined up kind by kind: files with
  files, folders with folders) make ``{item-id#4}`` in a later path that emulator id;
  links bind their tokens the same way;
- a placeholder used before anything bound it gets a planted equivalent: a folder
  or a file of the kind Graph said it was, made under the inspections root; a
  path Graph answered 404 for gets a path that does not exist; a name in a request
  body gets a fresh name (or, when Graph answered 409, one that is already there);
- what cannot be bound is not replayed, and the reason is given: a next page the
  emulator never offered (its data is smaller), a download URL, a request that
  failed in transport. Transient answers (429, 503, 504) are not compared.

Each replayed answer is sanitised like the trace and compared by shape
(``compare``): status, property names, types, paging links, Preference-Applied.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import httpx

from spcheck.emulator.inprocess import transport
from spcheck.emulator.model import DriveItem
from spcheck.emulator.seeds import ROOT_FOLDER, SERVICE_EMAIL, SSO_EMAIL, seed_demo
from spcheck.emulator.state import EmulatorState
from spcheck.fidelity.compare import Difference, compare, compare_paging, entity_kind
from spcheck.fidelity.trace_file import Exchange, Run
from spcheck.graph.sanitise import Sanitiser

BASE_URL = "http://127.0.0.1/v1.0"
TRANSIENT = frozenset({429, 503, 504})
MAX_UPLOAD = 1 << 20
_TEMPLATE = re.compile(r"\{([a-z-]+)(?:#(\d+))?\}")
_BODY = re.compile(r"<([a-z-]+)#(\d+)>")
_LINK = re.compile(r"<(?:link|path):(.*)>")
_DELTA = re.compile(r"delta\(token=\{token#(\d+)\}\)")
_MISSING_ID = "01FIDELITYMISSING000000000000000000"


class Unresolvable(Exception):
    """A placeholder with no emulator equivalent: the exchange is not replayed."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What replaying one exchange found."""

    exchange: Exchange
    replayed: bool
    note: str | None = None
    emulator_status: int | None = None
    differences: tuple[Difference, ...] = ()


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _objects(child)
    elif isinstance(value, list):
        for child in value:
            yield from _objects(child)


def _number(placeholder: Any) -> int | None:
    if not isinstance(placeholder, str):
        return None
    found = _BODY.fullmatch(placeholder)
    return int(found.group(2)) if found is not None else None


@dataclass
class Replayer:
    """One run replayed against one fresh emulator."""

    state: EmulatorState
    client: httpx.AsyncClient
    values: dict[int, str] = field(default_factory=dict)
    kinds: dict[int, str] = field(default_factory=dict)
    planted: int = 0
    emails: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sanitiser = Sanitiser(BASE_URL, ROOT_FOLDER)
        site = next(iter(self.state.sites.values()))
        self.site = site
        self.drive_id = site.drive_id
        self.emails = [
            user.email for user in self.state.users.values() if user.email != SERVICE_EMAIL
        ]

    # --- what the trace says about its objects ----------------------------------------------

    def learn_kinds(self, run: Run) -> None:
        for exchange in run.exchanges:
            for body in _objects(exchange.response_body):
                number = _number(body.get("id"))
                kind = entity_kind(body)
                if number is not None and kind != "object":
                    self.kinds.setdefault(number, kind)

    # --- binding placeholders -----------------------------------------------------------------

    def _plant(self, kind: str, number: int) -> DriveItem:
        self.planted += 1
        name = f"fidelity-{number}"
        if kind == "file":
            return self.state.upload(
                self.drive_id, ROOT_FOLDER, f"{name}.txt", b"fidelity", user=SSO_EMAIL
            )
        return self.state.create_folder(self.drive_id, ROOT_FOLDER, name, conflict="replace")

    def _item_id(self, number: int, exchange: Exchange) -> str:
        if number in self.values:
            return self.values[number]
        kind = self.kinds.get(number, "folder")
        if exchange.status == 404 and exchange.method == "GET":
            chosen = _MISSING_ID
        elif kind == "root":
            chosen = self.state.root(self.drive_id).id
        else:
            chosen = self._plant(kind, number).id
        self.values[number] = chosen
        return chosen

    def _item_path(self, number: int, exchange: Exchange, under_root: bool) -> str:
        if number in self.values:
            return self.values[number]
        answered = (
            _number((exchange.response_body or {}).get("id"))
            if isinstance(exchange.response_body, dict)
            else None
        )
        if exchange.status is not None and 200 <= exchange.status < 300 and answered is not None:
            if answered in self.values:
                item = self.state.get_item(self.drive_id, self.values[answered])
                path = self.state.path_of(item)
            else:
                kind = entity_kind(exchange.response_body)
                item = self._plant(kind, answered)
                self.values[answered] = item.id
                path = self.state.path_of(item)
            prefix = ROOT_FOLDER + "/"
            chosen = path[len(prefix) :] if under_root and path.startswith(prefix) else path
        else:
            chosen = f"fidelity-missing-{number}"
        self.values[number] = chosen
        return chosen

    def resolve(self, template: str, exchange: Exchange) -> str:
        """A path template (with its query) as a URL below the emulator's API version."""
        path, _, query = template.partition("?")

        def one(found: re.Match[str]) -> str:
            kind, raw = found.group(1), found.group(2)
            if kind == "root-folder":
                return quote(ROOT_FOLDER)
            if raw is None:
                raise Unresolvable(f"the placeholder {{{kind}}} has no number")
            number = int(raw)
            if kind == "hostname":
                return self.site.hostname
            if kind == "site-path":
                return quote(self.site.name)
            if kind == "site-id":
                return quote(self.values.setdefault(number, self.site.id), safe="")
            if kind == "drive-id":
                return quote(self.values.setdefault(number, self.drive_id), safe="")
            if kind == "item-id":
                return quote(self._item_id(number, exchange), safe="")
            if kind == "item-path":
                under_root = "{root-folder}/" in path
                return "/".join(
                    quote(part, safe="")
                    for part in self._item_path(number, exchange, under_root).split("/")
                )
            if kind in ("email", "user"):
                return quote(self.values.setdefault(number, SERVICE_EMAIL), safe="@")
            if number in self.values:
                return quote(self.values[number], safe="")
            if kind == "token":
                raise Unresolvable("a page link the emulator never gave (its listing ended sooner)")
            raise Unresolvable(f"no emulator equivalent for {{{kind}}}")

        resolved = _TEMPLATE.sub(one, path)
        if query:
            pairs = []
            for part in query.split("&"):
                key, _, value = part.partition("=")
                pairs.append(f"{key}={_TEMPLATE.sub(one, value)}")
            resolved += "?" + "&".join(pairs)
        return resolved

    def synthesise(self, value: Any, exchange: Exchange) -> Any:
        """A request body with each placeholder replaced by an emulator equivalent."""
        if isinstance(value, dict):
            return {key: self.synthesise(child, exchange) for key, child in value.items()}
        if isinstance(value, list):
            return [self.synthesise(child, exchange) for child in value]
        if not isinstance(value, str):
            return value
        linked = _LINK.fullmatch(value)
        if linked is not None:
            return BASE_URL + self.resolve(linked.group(1), exchange)
        if value == "<datetime>":
            return (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        if value in ("<text>", "<hash>"):
            return "fidelity"
        if value == "<number-text>":
            return "1"
        found = _BODY.fullmatch(value)
        if found is None:
            return value
        kind, number = found.group(1), int(found.group(2))
        if number in self.values:
            return self.values[number]
        if kind == "email":
            chosen = self.emails[len(self.values) % len(self.emails)] if self.emails else SSO_EMAIL
        elif kind in ("name", "folder-name"):
            chosen = f"fidelity-{number}"
        elif kind == "file-name":
            chosen = f"fidelity-{number}.txt"
        elif kind == "url":
            chosen = f"https://{self.site.hostname}/fidelity-{number}"
        else:
            chosen = f"fidelity-{kind}-{number}"
        self.values[number] = chosen
        return chosen

    def headers(self, traced: dict[str, str]) -> dict[str, str]:
        sent: dict[str, str] = {}
        for name, value in traced.items():
            number = _number(value)
            if number is not None:
                if number in self.values:
                    sent[name] = self.values[number]
            elif name in ("prefer", "content-type", "client-request-id"):
                sent[name] = value
        return sent

    # --- learning from answers ----------------------------------------------------------------

    def learn(self, graph: Any, emulator: Any) -> None:
        """Bind the placeholders of Graph's answer to the values at the same places."""
        if isinstance(graph, str) and isinstance(emulator, str):
            number = _number(graph)
            if number is not None:
                self.values.setdefault(number, emulator)
                return
            linked = _LINK.fullmatch(graph)
            if linked is not None:
                self._learn_link(linked.group(1), emulator)
            return
        if isinstance(graph, dict) and isinstance(emulator, dict):
            for key in graph.keys() & emulator.keys():
                self.learn(graph[key], emulator[key])
            return
        if isinstance(graph, list) and isinstance(emulator, list):
            mine = [g for g in graph if isinstance(g, dict)]
            theirs = [e for e in emulator if isinstance(e, dict)]
            for kind in {entity_kind(g) for g in mine}:
                for g, e in zip(
                    (g for g in mine if entity_kind(g) == kind),
                    (e for e in theirs if entity_kind(e) == kind),
                    strict=False,
                ):
                    self.learn(g, e)

    def _learn_link(self, template: str, url: str) -> None:
        parts = urlsplit(url)
        path = parts.path
        base = urlsplit(BASE_URL).path
        if path.startswith(base):
            path = path[len(base) :]
        mine_path, _, mine_query = template.partition("?")
        mine = [part for part in mine_path.split("/") if part]
        theirs = [unquote(part) for part in path.split("/") if part]
        if len(mine) == len(theirs):
            for segment, value in zip(mine, theirs, strict=True):
                plain = _TEMPLATE.fullmatch(segment)
                if plain is not None and plain.group(2) is not None:
                    self.values.setdefault(int(plain.group(2)), value)
                delta = _DELTA.fullmatch(segment)
                inner = re.fullmatch(r"delta\(token='?([^')]*)'?\)", value)
                if delta is not None and inner is not None:
                    self.values.setdefault(int(delta.group(1)), inner.group(1))
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        for pair in mine_query.split("&"):
            key, _, value = pair.partition("=")
            plain = _TEMPLATE.fullmatch(value)
            if plain is not None and plain.group(2) is not None and key in query:
                self.values.setdefault(int(plain.group(2)), query[key])

    # --- one exchange ---------------------------------------------------------------------------

    def _prepare_conflict(self, url: str, body: Any) -> None:
        """Graph answered 409 to a folder creation: make that folder first, so it clashes here."""
        if not (isinstance(body, dict) and isinstance(body.get("name"), str)):
            return
        below = urlsplit(url).path
        segments = [unquote(part) for part in below.split("/") if part]
        if "items" in segments:
            parent = self.state.get_item(self.drive_id, segments[segments.index("items") + 1])
        else:
            parent = self.state.root(self.drive_id)
        self.state.add_folder(parent, body["name"], self.state.app_identity, conflict="replace")

    async def replay(self, exchange: Exchange) -> Outcome:
        if not exchange.graph:
            return Outcome(exchange, False, "a pre-authenticated download URL, not a Graph call")
        if exchange.status is None:
            return Outcome(exchange, False, f"the request failed in transport ({exchange.error})")
        if exchange.status in TRANSIENT:
            return Outcome(exchange, False, f"Graph answered {exchange.status} (transient)")
        query = "&".join(f"{key}={value}" for key, value in exchange.query.items())
        try:
            url = self.resolve(exchange.path + (f"?{query}" if query else ""), exchange)
            batch = exchange.path == "/$batch"
            body = (
                self._batch_body(exchange)
                if batch
                else self.synthesise(exchange.request_body, exchange)
            )
        except Unresolvable as why:
            return Outcome(exchange, False, str(why))
        headers = self.headers(exchange.request_headers)
        if exchange.status == 409 and exchange.method == "POST" and url.endswith("/children"):
            self._prepare_conflict(url, body)
        if exchange.request_bytes is not None:
            content = (b"fidelity" * (MAX_UPLOAD // 8 + 1))[
                : min(exchange.request_bytes, MAX_UPLOAD)
            ]
            reply = await self.client.request(
                exchange.method, url, content=content, headers=headers
            )
        elif body is not None:
            reply = await self.client.request(exchange.method, url, json=body, headers=headers)
        else:
            reply = await self.client.request(exchange.method, url, headers=headers)
        return Outcome(
            exchange,
            True,
            emulator_status=reply.status_code,
            differences=tuple(self._differences(exchange, reply, batch)),
        )

    def _batch_body(self, exchange: Exchange) -> Any:
        body = exchange.request_body
        if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
            raise Unresolvable("a $batch request without its requests")
        requests = []
        for entry in body["requests"]:
            sub = dict(entry)
            sub["url"] = self.resolve(str(entry.get("url", "")), exchange)
            if "body" in entry:
                sub["body"] = self.synthesise(entry["body"], exchange)
            sub["headers"] = self.headers(dict(entry.get("headers") or {}))
            if "body" in entry and "content-type" not in sub["headers"]:
                sub["headers"]["content-type"] = "application/json"
            requests.append(sub)
        return {"requests": requests}

    def _differences(
        self, exchange: Exchange, reply: httpx.Response, batch: bool
    ) -> list[Difference]:
        if reply.status_code != exchange.status:
            return [Difference("status", "", str(exchange.status), str(reply.status_code))]
        found: list[Difference] = []
        traced = exchange.response_headers.get("preference-applied")
        applied = reply.headers.get("preference-applied")
        if (traced is None) != (applied is None):
            found.append(
                Difference("header", "Preference-Applied", traced or "absent", applied or "absent")
            )
        if "location" in exchange.response_headers and "location" not in reply.headers:
            found.append(Difference("header", "Location", "sent", "absent"))
        if exchange.response_body is None or "json" not in reply.headers.get("content-type", ""):
            if exchange.response_body is not None:
                found.append(Difference("type", "(body)", "JSON", "no JSON body"))
            return found
        raw = reply.json()
        if batch:
            found.extend(self._batch_differences(exchange.response_body, raw))
            return found
        self.learn(exchange.response_body, raw)
        mine = self.sanitiser.body(raw)
        found.extend(compare(exchange.response_body, mine))
        found.extend(compare_paging(exchange.response_body, mine))
        return found

    def _batch_differences(self, graph: Any, raw: Any) -> list[Difference]:
        found: list[Difference] = []
        theirs = {str(e.get("id")): e for e in (raw.get("responses") or []) if isinstance(e, dict)}
        for entry in (graph or {}).get("responses") or []:
            sub_id = str(entry.get("id"))
            answer = theirs.get(sub_id)
            where = f"responses[{sub_id}]"
            if answer is None:
                found.append(Difference("status", where, str(entry.get("status")), "no answer"))
                continue
            if entry.get("status") in TRANSIENT:
                continue
            if answer.get("status") != entry.get("status"):
                found.append(
                    Difference("status", where, str(entry.get("status")), str(answer.get("status")))
                )
                continue
            if isinstance(entry.get("body"), dict) and isinstance(answer.get("body"), dict):
                self.learn(entry["body"], answer["body"])
                mine = self.sanitiser.body(answer["body"])
                found.extend(compare(entry["body"], mine, f"{where}.body"))
        return found


EmulatorFactory = Callable[[], tuple[EmulatorState, httpx.AsyncBaseTransport]]


def fresh_emulator(faults: str | None = None) -> tuple[EmulatorState, httpx.AsyncBaseTransport]:
    """The demo seed, served in process with a budget no replay can spend."""
    state = seed_demo()
    return state, transport(state, base_url=BASE_URL, faults=faults, ru_per_minute=1_000_000)


async def replay_run(run: Run, make: EmulatorFactory = fresh_emulator) -> list[Outcome]:
    """Every exchange of one run, replayed in order against a fresh emulator."""
    state, served = make()
    async with httpx.AsyncClient(transport=served, base_url=BASE_URL, timeout=60.0) as client:
        replayer = Replayer(state, client)
        replayer.learn_kinds(run)
        return [await replayer.replay(exchange) for exchange in run.exchanges]
