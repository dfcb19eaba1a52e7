"""GraphGateway: the Gateway over the SDK's request adapter.

Every request goes the same way: the resource-unit budget, the concurrency
semaphore, one exchange through the adapter, the retry layer around all of
it. Collection reads stay raw bytes parsed into views; writes are built with
the SDK's typed models (``writes``) and retried only where that is safe. It is
also ``spcheck doctor``'s way in (``diagnostics``), probe folder guard included.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from pydantic import TypeAdapter, ValidationError

from spcheck.domain.findings import mask
from spcheck.graph import writes
from spcheck.graph.auth import Auth, scope_for
from spcheck.graph.batch import SubRequest, SubResponse, chunks, decode, encode
from spcheck.graph.budget import (
    COST_MULTI_READ,
    COST_PERMISSION,
    COST_SINGLE_READ,
    COST_WRITE,
    ResourceBudget,
)
from spcheck.graph.delta import DeltaSync
from spcheck.graph.diagnostics import (
    PROBE_PREFIX,
    DeltaCheck,
    Diagnostics,
    Probe,
    ProbeRefused,
    ServerClock,
    decode_claims,
)
from spcheck.graph.interface import (
    INVITATION_RUNBOOK,
    FolderResult,
    Gateway,
    GatewayStats,
    GraphAuthError,
    GraphConflict,
    GraphError,
    GraphGone,
    GraphNotFound,
    GraphSubscription,
    GraphUnavailable,
    InvitationRefused,
    PermissionsResult,
    Role,
    SiteDrive,
    SyncResult,
)
from spcheck.graph.paths import drive_path, label, segment
from spcheck.graph.retry import RETRY_STATUSES, RetryCounters, RetryPolicy, call_with_retry
from spcheck.graph.views import (
    DRIVE,
    DRIVE_ITEM,
    ITEM_PAGE,
    PERMISSION_PAGE,
    SITE,
    SUBSCRIPTION,
    Drive,
    DriveItem,
    Page,
    Permission,
    Site,
)
from spcheck.graph.wire import Call, Exchange, Reply
from spcheck.settings import Settings
from spcheck.store.interface import ItemStore

if TYPE_CHECKING:
    from msgraph.graph_service_client import GraphServiceClient

log = logging.getLogger("spcheck.graph")

T = TypeVar("T")

DELTA_PREFER = ("Prefer", "hierarchicalsharing, deltashowsharingchanges")
SECURITY_PREFER = ("Prefer", "includesecuritywebhooks")
PAGE_SIZE = 200
# Mail and subscriptions are not SharePoint: they do not spend SharePoint resource units.
COST_MAIL = 0
COST_SUBSCRIPTION = 0


class _AlreadyDone(Exception):
    """An invite found to have been applied before a retry; carries the permissions found."""

    def __init__(self, permissions: tuple[Permission, ...]) -> None:
        super().__init__("already applied")
        self.permissions = permissions


class GraphGateway(Gateway, Diagnostics):
    def __init__(
        self,
        settings: Settings,
        *,
        exchange: Exchange,
        sdk: GraphServiceClient,
        auth: Auth,
        http: httpx.AsyncClient,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        now: Callable[[], datetime],
        policy: RetryPolicy,
    ) -> None:
        self._settings = settings
        self._exchange = exchange
        self._sdk = sdk
        self._auth = auth
        self._http = http
        self._clock = clock
        self._sleep = sleep
        self._now = now
        self._policy = policy
        self._base = settings.graph_url.rstrip("/")
        self._base_path = urlsplit(self._base).path
        self._budget = ResourceBudget(settings.ru_per_minute, clock=clock, sleep=sleep)
        self._limit = asyncio.Semaphore(settings.concurrency)
        self._counters = RetryCounters()
        self._requests = 0
        self._site: SiteDrive | None = None
        self._clock_seen: ServerClock | None = None
        # The probe folders this gateway made in this run, by item id, as last written.
        self._run = secrets.token_hex(4)
        self._probes: dict[str, Probe] = {}

    # --- plumbing ---------------------------------------------------------------------------

    @property
    def sdk(self) -> GraphServiceClient:
        """The typed SDK client (benchmarks and one-off typed calls; not for collection reads)."""
        return self._sdk

    @property
    def auth_mode(self) -> str:
        return self._auth.mode

    def stats(self) -> GatewayStats:
        return GatewayStats(
            requests=self._requests,
            resource_units=self._budget.charged,
            retries=self._counters.retries,
            throttled=self._counters.throttled,
            waited_seconds=self._counters.waited + self._budget.waited,
        )

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._auth.aclose()

    def _label(self, call: Call) -> str:
        return label(call.method, call.url, self._base_path)

    def _url(self, *parts: str) -> str:
        return self._base + "/" + "/".join(parts)

    async def _send(
        self,
        call: Call,
        *,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
        retry_transport: bool = True,
        before_retry: Callable[[], Awaitable[None]] | None = None,
    ) -> Reply:
        async def attempt(number: int) -> Reply:
            if before_retry is not None and number > 1:
                await before_retry()
            await self._budget.acquire(call.cost)
            async with self._limit:
                self._requests += 1
                reply = await self._exchange(call)
            self._budget.observe(reply.headers)
            self._see_date(reply.headers.get("Date"))
            return reply

        try:
            return await call_with_retry(
                attempt,
                label=self._label(call),
                policy=self._policy,
                clock=self._clock,
                sleep=self._sleep,
                counters=self._counters,
                retry_statuses=retry_statuses,
                retry_transport=retry_transport,
                on_throttle=self._budget.pause,
            )
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            # What the retry layer does not retry (a proxy refusing, a protocol it cannot
            # speak, a write not safe to repeat) still ends the call as an outage, in one line.
            raise GraphUnavailable(
                f"{self._label(call)}: could not reach Graph ({type(error).__name__}); "
                "check the network, any proxy and SPCHECK_GRAPH_URL"
            ) from None

    def _see_date(self, value: str | None) -> None:
        if not value:
            return
        try:
            server = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return
        if server.tzinfo is None:
            server = server.replace(tzinfo=UTC)
        self._clock_seen = ServerClock(server=server, local=self._now())

    def _failure(self, reply: Reply, call: Call) -> GraphError:
        code, _ = reply.error_code()  # Graph's message may quote names: only the code is shown
        what = f"{self._label(call)}: HTTP {reply.status}" + (f" {code}" if code else "")
        if reply.status in (401, 403):
            return GraphAuthError(self._auth_advice(what), status=reply.status, code=code)
        if reply.status == 404:
            return GraphNotFound(f"{what}: not found", status=404, code=code)
        if reply.status == 409:
            return GraphConflict(f"{what}: conflict", status=409, code=code)
        if reply.status == 410:
            return GraphGone(f"{what}: gone", status=410, code=code)
        if reply.status >= 500:
            return GraphUnavailable(f"{what}: Graph failed", status=reply.status, code=code)
        return GraphError(f"{what}: refused", status=reply.status, code=code)

    def _auth_advice(self, what: str) -> str:
        settings = self._settings
        if self._auth.credential is None:
            return f"{what}; SPCHECK_AUTH is none, which only an emulator accepts"
        client = mask(settings.client_id) if settings.client_id else "not set"
        tenant = mask(settings.tenant_id) if settings.tenant_id else "not set"
        return (
            f"{what}; check that the app (SPCHECK_CLIENT_ID {client}) has a Sites.Selected grant "
            f"on {settings.site or 'SPCHECK_SITE'}, and SPCHECK_TENANT_ID ({tenant}); "
            f"credential: {self.auth_mode}"
        )

    def _expect(self, reply: Reply, call: Call, *ok: int) -> Reply:
        if reply.status in ok:
            return reply
        raise self._failure(reply, call)

    def _parse(self, adapter: TypeAdapter[T], content: bytes, call: Call) -> T:
        try:
            return adapter.validate_json(content)
        except ValidationError as error:
            raise GraphError(
                f"{self._label(call)}: the reply could not be read ({reply_problem(error)})"
            ) from None

    async def _collect(self, url: str, cost: int, adapter: TypeAdapter[Page[T]]) -> list[T]:
        """Every value of a collection, following @odata.nextLink verbatim."""
        found: list[T] = []
        seen: set[str] = set()
        next_url: str | None = url
        while next_url is not None:
            if next_url in seen:
                where = self._label(Call("GET", url, cost))
                raise GraphError(f"{where}: Graph returned the same page link twice")
            seen.add(next_url)
            call = Call("GET", next_url, cost)
            reply = self._expect(await self._send(call), call, 200)
            page = self._parse(adapter, reply.content, call)
            found.extend(page.value)
            next_url = page.next_link
        return found

    # --- reads ------------------------------------------------------------------------------

    async def resolve_site(self) -> SiteDrive:
        if self._site is not None:
            return self._site
        site = await self.site_record()
        drive = await self.drive_record(site.id)
        self._site = SiteDrive(site_id=site.id, drive_id=drive.id, site_url=site.web_url)
        return self._site

    async def site_record(self) -> Site:
        host, site_path = self._settings.site_parts()
        path = "/".join(quote(part, safe="") for part in site_path.split("/"))
        call = Call("GET", self._url("sites", f"{quote(host, safe='')}:{path}"), COST_SINGLE_READ)
        reply = await self._send(call)
        if reply.status == 404:
            raise GraphNotFound(
                f"SPCHECK_SITE: site {self._settings.site} was not found (HTTP 404); "
                "check the host name and path, and the app's Sites.Selected grant on it",
                status=404,
            )
        return self._parse(SITE, self._expect(reply, call, 200).content, call)

    async def drive_record(self, site_id: str) -> Drive:
        call = Call("GET", self._url("sites", segment(site_id), "drive"), COST_SINGLE_READ)
        reply = self._expect(await self._send(call), call, 200)
        return self._parse(DRIVE, reply.content, call)

    async def item_by_path(self, drive_id: str, path: str) -> DriveItem | None:
        url = self._url("drives", segment(drive_id), drive_path(path))
        call = Call("GET", url, COST_SINGLE_READ)
        reply = await self._send(call)
        if reply.status == 404:
            return None
        return self._parse(DRIVE_ITEM, self._expect(reply, call, 200).content, call)

    async def children(self, drive_id: str, item_id: str) -> list[DriveItem]:
        url = self._url("drives", segment(drive_id), "items", segment(item_id), "children")
        return await self._collect(f"{url}?$top={PAGE_SIZE}", COST_MULTI_READ, ITEM_PAGE)

    async def sync(self, drive_id: str, store: ItemStore, *, full: bool = False) -> SyncResult:
        engine = DeltaSync(
            self._delta_page,
            start_url=self._url("drives", segment(drive_id), "root", "delta"),
            now=self._now,
            label=f"GET /drives/{segment(drive_id)}/root/delta",
        )
        return await engine.run(drive_id, store, full=full)

    async def _delta_page(self, url: str, cost: int) -> Page[DriveItem]:
        call = Call("GET", url, cost, headers=(DELTA_PREFER,))
        reply = await self._send(call)
        if reply.status == 410:
            raise self._failure(reply, call)
        return self._parse(ITEM_PAGE, self._expect(reply, call, 200).content, call)

    async def download(self, drive_id: str, item_id: str, *, max_bytes: int) -> bytes:
        url = self._url("drives", segment(drive_id), "items", segment(item_id), "content")
        call = Call("GET", url, COST_SINGLE_READ)
        content = self._expect(await self._send(call), call, 200).content
        if len(content) > max_bytes:
            # A partial file would be checked as if whole: refuse it instead.
            raise GraphError(f"{self._label(call)}: {len(content)} bytes, over {max_bytes}")
        return content

    async def permissions(self, drive_id: str, item_id: str) -> tuple[Permission, ...]:
        url = self._url("drives", segment(drive_id), "items", segment(item_id), "permissions")
        return tuple(await self._collect(url, COST_PERMISSION, PERMISSION_PAGE))

    async def permissions_many(self, drive_id: str, item_ids: Sequence[str]) -> PermissionsResult:
        wanted = list(dict.fromkeys(item_ids))
        found: dict[str, tuple[Permission, ...]] = {}
        missing: set[str] = set()
        failed: dict[str, str] = {}

        async def one_batch(chunk: Sequence[str]) -> None:
            subs = [
                SubRequest(
                    id=str(index),
                    method="GET",
                    url=f"/drives/{segment(drive_id)}/items/{segment(item)}/permissions",
                )
                for index, item in enumerate(chunk, start=1)
            ]
            call = Call(
                "POST",
                self._url("$batch"),
                COST_PERMISSION * len(subs),
                body=encode(subs),
            )
            reply = self._expect(await self._send(call), call, 200)
            answers = decode(reply.content, self._label(call))
            alone: list[Awaitable[None]] = []
            for sub in subs:
                item = chunk[int(sub.id) - 1]
                answer = answers.get(sub.id)
                if answer is None or answer.status in RETRY_STATUSES:
                    alone.append(
                        self._permissions_alone(drive_id, item, answer, found, missing, failed)
                    )
                elif answer.status == 200 and _has_next_link(answer):
                    # Rare: a permission list long enough to page; read it whole on its own.
                    alone.append(self._follow_permissions(drive_id, item, found, missing))
                else:
                    self._settle(drive_id, item, answer, found, missing, failed)
            await asyncio.gather(*alone)

        await asyncio.gather(*(one_batch(chunk) for chunk in chunks(wanted)))
        return PermissionsResult(found=found, missing=frozenset(missing), failed=failed)

    def _settle(
        self,
        drive_id: str,
        item: str,
        answer: SubResponse,
        found: dict[str, tuple[Permission, ...]],
        missing: set[str],
        failed: dict[str, str],
    ) -> None:
        where = f"GET /drives/{segment(drive_id)}/items/{segment(item)}/permissions (in $batch)"
        if answer.status == 200:
            try:
                page = PERMISSION_PAGE.validate_python(answer.body)
            except ValidationError:
                failed[item] = f"{where}: the reply could not be read"
                return
            found[item] = page.value
        elif answer.status == 404:
            missing.add(item)
        elif answer.status == 401:
            raise GraphAuthError(self._auth_advice(f"{where}: HTTP 401"), status=401)
        else:
            code = answer.error_code()
            failed[item] = f"{where}: HTTP {answer.status}" + (f" {code}" if code else "")

    async def _permissions_alone(
        self,
        drive_id: str,
        item: str,
        answer: SubResponse | None,
        found: dict[str, tuple[Permission, ...]],
        missing: set[str],
        failed: dict[str, str],
    ) -> None:
        """Retry one failed sub-request on its own, after its own Retry-After."""
        pause = answer.retry_after() if answer is not None else None
        if pause is None:
            pause = self._policy.backoff_initial
        why = f"HTTP {answer.status}" if answer is not None else "no answer"
        log.warning(
            "GET /drives/%s/items/%s/permissions (in $batch): %s; retrying alone in %.3g s",
            segment(drive_id),
            segment(item),
            why,
            pause,
        )
        self._counters.retries += 1
        self._counters.waited += pause
        if answer is not None and answer.status == 429:
            self._counters.throttled += 1
        await self._sleep(pause)
        try:
            found[item] = await self.permissions(drive_id, item)
        except GraphNotFound:
            missing.add(item)
        except (GraphAuthError, GraphUnavailable):
            raise
        except GraphError as error:
            failed[item] = str(error)

    async def _follow_permissions(
        self,
        drive_id: str,
        item: str,
        found: dict[str, tuple[Permission, ...]],
        missing: set[str],
    ) -> None:
        try:
            found[item] = await self.permissions(drive_id, item)
        except GraphNotFound:
            missing.add(item)

    # --- writes -----------------------------------------------------------------------------

    async def create_folder(self, drive_id: str, parent_id: str, name: str) -> FolderResult:
        if not name.strip() or "/" in name:
            raise ValueError("a folder name must be one non-empty path segment")
        url, body = writes.create_folder(self._sdk, self._base, drive_id, parent_id, name)
        call = Call("POST", url, COST_WRITE, body=body)
        # Safe to retry: conflictBehavior "fail" turns a repeated create into a 409.
        reply = await self._send(call)
        if reply.status in (200, 201):
            return FolderResult(self._parse(DRIVE_ITEM, reply.content, call), created=True)
        if reply.status != 409:
            raise self._failure(reply, call)
        existing = await self._child_named(drive_id, parent_id, name)
        if existing is None:
            raise GraphConflict(
                f"{self._label(call)}: HTTP 409 but no item of that name is there", status=409
            )
        if not existing.is_folder:
            raise GraphConflict(
                f"{self._label(call)}: a file of that name is where a folder should be",
                status=409,
            )
        return FolderResult(existing, created=False)

    async def _child_named(self, drive_id: str, parent_id: str, name: str) -> DriveItem | None:
        wanted = name.casefold()
        for child in await self.children(drive_id, parent_id):
            if (child.name or "").casefold() == wanted:
                return child
        return None

    async def invite(
        self,
        drive_id: str,
        item_id: str,
        emails: Sequence[str],
        role: Role,
        *,
        expires_at: datetime | None = None,
        send_invitation: bool = True,
        message: str | None = None,
    ) -> tuple[Permission, ...]:
        if not emails:
            raise ValueError("invite needs at least one email")
        role = Role(role)
        url, body = writes.invite(
            self._sdk,
            self._base,
            drive_id,
            item_id,
            emails,
            role.value,
            expires_at=expires_at,
            send_invitation=send_invitation,
            message=message,
        )
        call = Call("POST", url, COST_PERMISSION, body=body)
        wanted = {email.casefold() for email in emails}

        async def recheck() -> None:
            # The failed attempt may have been applied: look before inviting (and mailing) twice.
            current = await self.permissions(drive_id, item_id)
            granted = [p for p in current if role.value in p.roles and wanted & set(p.emails())]
            covered = {email for p in granted for email in p.emails()}
            if wanted <= covered:
                raise _AlreadyDone(tuple(granted))

        try:
            reply = await self._send(call, before_retry=recheck)
        except _AlreadyDone as done:
            log.info("%s: already applied by an earlier attempt", self._label(call))
            return done.permissions
        if reply.status in (400, 403):
            code, _ = reply.error_code()
            raise InvitationRefused(
                f"{self._label(call)}: HTTP {reply.status}"
                + (f" {code}" if code else "")
                + ": the invitation was refused and nothing was granted; the tenant's external "
                f"sharing may not allow this person (see {INVITATION_RUNBOOK})",
                status=reply.status,
                code=code,
            )
        reply = self._expect(reply, call, 200, 201)
        return self._parse(PERMISSION_PAGE, reply.content, call).value

    async def delete_permission(self, drive_id: str, item_id: str, permission_id: str) -> bool:
        url = self._url(
            "drives",
            segment(drive_id),
            "items",
            segment(item_id),
            "permissions",
            segment(permission_id),
        )
        call = Call("DELETE", url, COST_PERMISSION)
        tries = 0

        async def counted() -> None:
            nonlocal tries
            tries += 1

        reply = await self._send(call, before_retry=counted)
        if reply.status in (200, 204):
            return True
        if reply.status == 404:
            # After a lost answer the first attempt may have been the one that removed it.
            return tries > 0
        raise self._failure(reply, call)

    async def send_mail(
        self, sender: str, to: Sequence[str], subject: str, body: str, *, html: bool = False
    ) -> None:
        if not to:
            raise ValueError("send_mail needs at least one recipient")
        url, payload = writes.send_mail(self._sdk, self._base, sender, to, subject, body, html=html)
        call = Call("POST", url, COST_MAIL, body=payload)
        # Not idempotent: retry only a 429, which Graph rejects before doing anything.
        reply = await self._send(call, retry_statuses=frozenset({429}), retry_transport=False)
        self._expect(reply, call, 200, 202)

    # --- change notifications ---------------------------------------------------------------

    def _subscription(self, reply: Reply, call: Call) -> GraphSubscription:
        view = self._parse(SUBSCRIPTION, reply.content, call)
        return GraphSubscription(view.id, view.resource or "", view.expires_at)

    async def create_subscription(
        self,
        drive_id: str,
        notification_url: str,
        client_state: str,
        expires_at: datetime,
        *,
        security: bool = True,
    ) -> GraphSubscription:
        url, body = writes.create_subscription(
            self._sdk, self._base, drive_id, notification_url, client_state, expires_at
        )
        headers = (SECURITY_PREFER,) if security else ()
        call = Call("POST", url, COST_SUBSCRIPTION, body=body, headers=headers)
        # Not idempotent: a retry after a lost answer would make a second subscription.
        reply = await self._send(call, retry_statuses=frozenset({429}), retry_transport=False)
        return self._subscription(self._expect(reply, call, 200, 201), call)

    async def renew_subscription(
        self, subscription_id: str, expires_at: datetime
    ) -> GraphSubscription:
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be an aware datetime")
        stamp = expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        url = self._url("subscriptions", segment(subscription_id))
        call = Call(
            "PATCH", url, COST_SUBSCRIPTION, body=Call.json_body({"expirationDateTime": stamp})
        )
        reply = self._expect(await self._send(call), call, 200)
        return self._subscription(reply, call)

    async def reauthorize_subscription(self, subscription_id: str) -> None:
        url = self._url("subscriptions", segment(subscription_id), "reauthorize")
        call = Call("POST", url, COST_SUBSCRIPTION)
        self._expect(await self._send(call), call, 200, 204)

    async def delete_subscription(self, subscription_id: str) -> bool:
        url = self._url("subscriptions", segment(subscription_id))
        call = Call("DELETE", url, COST_SUBSCRIPTION)
        reply = await self._send(call)
        if reply.status in (200, 204):
            return True
        if reply.status == 404:
            return False
        raise self._failure(reply, call)

    # --- diagnostics (spcheck doctor) -------------------------------------------------------

    async def token_claims(self) -> Mapping[str, Any] | None:
        if self._auth.credential is None:
            return None
        from azure.core.exceptions import ServiceRequestError

        try:
            token = await self._auth.credential.get_token(scope_for(self._settings.graph_url))
        except ServiceRequestError as error:
            raise GraphUnavailable(
                f"the sign-in service could not be reached ({type(error).__name__}); "
                "check the network and any proxy"
            ) from None
        return decode_claims(str(token.token))

    def server_clock(self) -> ServerClock | None:
        return self._clock_seen

    async def create_probe(self, drive_id: str, parent_id: str) -> Probe:
        stamp = self._now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        name = f"{PROBE_PREFIX}{stamp}-{self._run}"
        url, body = writes.create_folder(self._sdk, self._base, drive_id, parent_id, name)
        call = Call("POST", url, COST_WRITE, body=body)
        # conflictBehavior "fail": a folder that already has this name is never adopted.
        reply = self._expect(await self._send(call), call, 200, 201)
        made = self._parse(DRIVE_ITEM, reply.content, call)
        if not made.is_folder or made.name != name or made.parent_id != parent_id:
            raise GraphError(f"{self._label(call)}: Graph answered with another item")
        probe = Probe(drive_id, made.id, parent_id, name, made.etag, self._run)
        self._probes[made.id] = probe
        return probe

    def _own(self, probe: Probe, what: str) -> None:
        if self._probes.get(probe.item_id) != probe or probe.run != self._run:
            raise ProbeRefused(
                f"{what} refused: item {mask(probe.item_id)} is not a probe folder this run "
                "created (or it changed since); nothing was sent"
            )
        if not probe.name.startswith(PROBE_PREFIX):
            raise ProbeRefused(f"{what} refused: {probe.name!r} is not a probe folder name")

    async def rename_probe(self, probe: Probe) -> Probe:
        self._own(probe, "renaming a probe folder")
        name = f"{probe.name}-renamed"
        url = self._url("drives", segment(probe.drive_id), "items", segment(probe.item_id))
        headers = (("If-Match", probe.etag),) if probe.etag else ()
        call = Call("PATCH", url, COST_WRITE, body=Call.json_body({"name": name}), headers=headers)
        reply = self._expect(await self._send(call), call, 200)
        renamed = self._parse(DRIVE_ITEM, reply.content, call)
        if renamed.id != probe.item_id or renamed.name != name:
            raise GraphError(f"{self._label(call)}: Graph answered with another item")
        changed = Probe(
            probe.drive_id, probe.item_id, probe.parent_id, name, renamed.etag, self._run
        )
        self._probes[probe.item_id] = changed
        return changed

    async def delete_probe(self, probe: Probe) -> None:
        what = "deleting a probe folder"
        self._own(probe, what)
        url = self._url("drives", segment(probe.drive_id), "items", segment(probe.item_id))
        look = Call("GET", url, COST_SINGLE_READ)
        reply = await self._send(look)
        if reply.status == 404:
            del self._probes[probe.item_id]
            return
        current = self._parse(DRIVE_ITEM, self._expect(reply, look, 200).content, look)
        child_count = current.folder.child_count if current.folder is not None else None
        as_left = (
            current.is_folder
            and current.root is None
            and current.name == probe.name
            and current.parent_id == probe.parent_id
            and child_count == 0
            and (probe.etag is None or current.etag == probe.etag)
        )
        if not as_left:
            raise ProbeRefused(
                f"{what} refused: {probe.name!r} is no longer as spcheck left it (renamed, "
                "moved, changed or not empty); it is left in place, nothing was deleted"
            )
        headers = (("If-Match", probe.etag),) if probe.etag else ()
        call = Call("DELETE", url, COST_WRITE, headers=headers)
        reply = await self._send(call)
        if reply.status in (200, 204, 404):
            del self._probes[probe.item_id]
            return
        if reply.status == 412:
            raise ProbeRefused(
                f"{what} refused by Graph (HTTP 412): {probe.name!r} changed at the last moment; "
                "it is left in place"
            )
        raise self._failure(reply, call)

    async def delta_round_trip(self, drive_id: str) -> DeltaCheck:
        start = self._url("drives", segment(drive_id), "root", "delta") + "?token=latest"
        first = await self._delta_page(start, COST_SINGLE_READ)
        link = first.delta_link or first.next_link
        if link is None:
            raise GraphError(
                f"GET /drives/{segment(drive_id)}/root/delta?token=latest: no deltaLink"
            )
        pages, changes = 0, 0
        seen: set[str] = set()
        next_url: str | None = link
        while next_url is not None:
            if next_url in seen:
                raise GraphError(
                    f"GET /drives/{segment(drive_id)}/root/delta: the same page link twice"
                )
            seen.add(next_url)
            page = await self._delta_page(next_url, COST_SINGLE_READ)
            pages += 1
            changes += len(page.value)
            if page.next_link is None and page.delta_link is None:
                raise GraphError(
                    f"GET /drives/{segment(drive_id)}/root/delta: a page with no link to follow"
                )
            next_url = page.next_link
        return DeltaCheck(pages=pages, changes=changes)


def reply_problem(error: ValidationError) -> str:
    """The first problem of a reply that is not what Graph sends: where, and why (never the
    value itself: it may be a name, or megabytes)."""
    first = error.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "the reply"
    more = error.error_count() - 1
    return f"{where}: {first['msg']}" + (f"; {more} more problem(s)" if more else "")


def _has_next_link(answer: SubResponse) -> bool:
    return isinstance(answer.body, dict) and bool(answer.body.get("@odata.nextLink"))
