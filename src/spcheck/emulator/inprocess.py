"""Run the emulator in process: an httpx transport, no port, no thread.

``transport(state, **create_app_kwargs)`` works with ``httpx.AsyncClient`` directly
and under msgraph's middleware::

    http = httpx.AsyncClient(transport=transport(state), base_url=DEFAULT_BASE_URL)
    http = GraphClientFactory.create_with_default_middleware(client=http)

An injected ``reset`` surfaces as ``httpx.RemoteProtocolError``, as a dropped
connection does over a socket, and the ``graph:unreachable`` mode as
``httpx.ConnectError``, as a host that cannot be reached does.
"""

from __future__ import annotations

from typing import Any

import httpx

from spcheck.emulator.app import EmulatorApp, create_app
from spcheck.emulator.interface import ConnectionDropped, GraphUnreachable
from spcheck.emulator.state import EmulatorState


class InProcessTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` over the emulator app, translating dropped connections."""

    def __init__(self, app: EmulatorApp) -> None:
        self.app = app
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except GraphUnreachable as unreachable:
            raise httpx.ConnectError(
                "[Errno 111] Connection refused", request=request
            ) from unreachable
        except ConnectionDropped as dropped:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from dropped

    async def aclose(self) -> None:
        await self._inner.aclose()


def transport(state: EmulatorState, **create_app_kwargs: Any) -> InProcessTransport:
    """A transport serving ``create_app(state, **create_app_kwargs)`` in this process."""
    return InProcessTransport(create_app(state, **create_app_kwargs))
