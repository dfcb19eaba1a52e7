"""Builds the GraphServiceClient and request adapter, and the gateway on top of them.

The httpx client goes through ``GraphClientFactory.create_with_default_middleware``
(redirects, telemetry, user agent) with kiota's RetryHandler switched off: the
gateway's own retry layer is the only one. With SPCHECK_TRACE set, the sanitised
trace (``trace``) sits under that middleware, on the transport itself. msgraph
and kiota are imported inside functions so that ``spcheck --help`` and
``spcheck scan`` never load them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from spcheck import __version__
from spcheck.graph.auth import AsyncCredential, build_auth
from spcheck.graph.retry import RetryPolicy
from spcheck.graph.wire import Call, Reply
from spcheck.settings import AuthMode, Settings

if TYPE_CHECKING:
    from kiota_abstractions.authentication import AuthenticationProvider
    from msgraph.graph_service_client import GraphServiceClient

    from spcheck.graph.gateway import GraphGateway
    from spcheck.graph.interface import Gateway

T = TypeVar("T")

USER_AGENT_PRODUCT = "NONISV|CareInspectorate|spcheck"
USER_AGENT = f"{USER_AGENT_PRODUCT}/{__version__}"
TIMEOUT = httpx.Timeout(60.0, connect=15.0, pool=60.0)


class AdapterExchange:
    """Sends a Call through the kiota request adapter and hands back the raw reply.

    A response handler takes the httpx response as it is, so the adapter
    neither raises on error statuses nor deserialises anything: the body stays
    bytes for the pydantic views, and headers (Retry-After, RateLimit-*) of
    successful replies are kept too.
    """

    def __init__(self, adapter: Any) -> None:
        from kiota_abstractions.response_handler import ResponseHandler
        from kiota_http.middleware.options import ResponseHandlerOption

        class _KeepResponse(ResponseHandler):
            async def handle_response_async(self, response: Any, error_map: Any) -> Any:
                return response

        self._adapter = adapter
        self._keep = ResponseHandlerOption(_KeepResponse())

    async def __call__(self, call: Call) -> Reply:
        from kiota_abstractions.method import Method
        from kiota_abstractions.request_information import RequestInformation

        info = RequestInformation(Method(call.method))
        info.url = call.url
        for name, value in call.headers:
            info.headers.add(name, value)
        if call.body is not None:
            info.content = call.body
            info.headers.try_add("Content-Type", "application/json")
        info.add_request_options([self._keep])
        response: httpx.Response = await self._adapter.send_primitive_async(info, "bytes", None)
        return Reply(
            status=response.status_code, headers=response.headers, content=response.content
        )


def build_sdk(
    settings: Settings,
    provider: AuthenticationProvider,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[GraphServiceClient, httpx.AsyncClient]:
    """The SDK client over our own httpx client; returns both so the caller can close it."""
    from kiota_http.middleware.options import RetryHandlerOption, UserAgentHandlerOption
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph.graph_service_client import GraphServiceClient
    from msgraph_core import GraphClientFactory

    http = httpx.AsyncClient(
        transport=transport,
        timeout=TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        limits=httpx.Limits(max_connections=settings.concurrency * 2),
    )
    if settings.trace is not None:
        from spcheck.graph.trace import TraceWriter, install

        install(http, TraceWriter(settings.trace, settings.graph_url, settings.root_folder))
    options: dict[str, Any] = {
        RetryHandlerOption.get_key(): RetryHandlerOption(
            delay=0, max_retries=0, should_retry=False
        ),
        UserAgentHandlerOption.get_key(): UserAgentHandlerOption(
            product_name=USER_AGENT_PRODUCT, product_version=__version__
        ),
    }
    http = GraphClientFactory.create_with_default_middleware(client=http, options=options)
    adapter = GraphRequestAdapter(provider, client=http)
    # Without a trailing slash, or the SDK sends requests to /v1.0//drives/...
    adapter.base_url = settings.graph_url.rstrip("/")
    return GraphServiceClient(request_adapter=adapter), http


def build_gateway(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    now: Callable[[], datetime] | None = None,
    policy: RetryPolicy | None = None,
    environ: Mapping[str, str] | None = None,
    credentials: Sequence[tuple[AuthMode, AsyncCredential]] | None = None,
) -> GraphGateway:
    """The gateway for ``settings``. ``transport`` is the seam for tests and the emulator."""
    from spcheck.graph.gateway import GraphGateway

    # httpx logs every URL at INFO: delta tokens and mailbox addresses must not reach a
    # log (an Azure Functions host records INFO). spcheck logs its own masked lines.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # azure-identity warns of every failed token request with its whole cause; spcheck turns
    # the failure into one line of its own (graph/auth.py), so a second would only repeat it.
    logging.getLogger("azure.identity").setLevel(logging.ERROR)
    auth = build_auth(settings, environ=environ, chain=credentials)
    sdk, http = build_sdk(settings, auth.provider, transport)
    return GraphGateway(
        settings,
        exchange=AdapterExchange(sdk.request_adapter),
        sdk=sdk,
        auth=auth,
        http=http,
        clock=clock,
        sleep=sleep,
        now=now or (lambda: datetime.now(UTC)),
        policy=policy or RetryPolicy(),
    )


def run_with_gateway(
    settings: Settings, work: Callable[[Gateway], Awaitable[T]], **options: Any
) -> T:
    """Run ``work(gateway)`` on one event loop and close everything after.

    The SDK cannot outlive its event loop, so a process run should make exactly
    one gateway inside one ``asyncio.run``; this is that, for callers that are
    not async themselves. ``options`` go to ``build_gateway``.
    """

    async def main() -> T:
        async with build_gateway(settings, **options) as gateway:
            return await work(gateway)

    return asyncio.run(main())
