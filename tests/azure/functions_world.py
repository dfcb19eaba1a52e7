"""The Function's handlers wired to Azurite (queue, blobs, tables) and the in-process emulator."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import azure.functions as func
from azure.functions.queue import QueueMessage

from spcheck.azure.handlers import Runtime
from spcheck.azure.settings import FunctionSettings
from spcheck.settings import Settings
from spcheck.store.azure_connection import parse_connection
from spcheck.store.azure_table import AzureTableStore
from tests.provision.conftest import World


@dataclass
class FunctionsWorld:
    """One test's emulator world, Azurite names of its own, and a clock it controls."""

    world: World
    azurite: str
    table_prefix: str
    now: datetime
    queue: str = field(default_factory=lambda: f"q-{uuid.uuid4().hex[:12]}")
    notify_queue: str = field(default_factory=lambda: f"n-{uuid.uuid4().hex[:12]}")
    container: str = field(default_factory=lambda: f"c-{uuid.uuid4().hex[:12]}")

    def settings(self) -> Settings:
        # The Function's own settings name nobody: who asks comes with each request.
        return self.world.settings().model_copy(
            update={"state": "azure-table:" + self.azurite, "operator": None}
        )

    def function_settings(self) -> FunctionSettings:
        return FunctionSettings(
            storage=parse_connection(self.azurite),
            queue=self.queue,
            reports_container=self.container,
            notify_queue=self.notify_queue,
        )

    def store(self, _setting: str = "") -> AzureTableStore:
        return AzureTableStore(self.azurite, table_prefix=self.table_prefix)

    def runtime(self, **changes: Any) -> Runtime:
        values: dict[str, Any] = {
            "settings": self.settings,
            "function_settings": self.function_settings,
            "gateway_factory": self.world.gateway,
            "store_factory": self.store,
            "now": lambda: self.now,
        }
        values.update(changes)
        return Runtime(**values)

    # --- Azurite, read directly ---

    def queued(self, queue: str | None = None) -> list[dict[str, Any]]:
        """Every visible message on the queue (received, decoded from base64 and deleted)."""
        import json

        from azure.core.exceptions import ResourceNotFoundError
        from azure.storage.queue import QueueClient, TextBase64DecodePolicy

        found = []
        with QueueClient.from_connection_string(
            self.azurite, queue or self.queue, message_decode_policy=TextBase64DecodePolicy()
        ) as client:
            try:
                received = list(client.receive_messages(max_messages=32, visibility_timeout=30))
            except ResourceNotFoundError:
                return []  # nothing was ever sent
            for message in received:
                found.append(
                    {"id": message.id, "body": message.content, **json.loads(message.content)}
                )
                client.delete_message(message)
        return found

    def blob(self, name: str) -> tuple[str, str]:
        """A blob's text and content type."""
        from azure.storage.blob import BlobServiceClient

        with BlobServiceClient.from_connection_string(self.azurite) as service:
            blob = service.get_blob_client(self.container, name)
            data = blob.download_blob().readall()
            content_type = blob.get_blob_properties().content_settings.content_type
        return data.decode("utf-8"), str(content_type)

    def blob_names(self) -> list[str]:
        from azure.core.exceptions import ResourceNotFoundError
        from azure.storage.blob import BlobServiceClient

        with BlobServiceClient.from_connection_string(self.azurite) as service:
            try:
                return sorted(
                    b.name for b in service.get_container_client(self.container).list_blobs()
                )
            except ResourceNotFoundError:
                return []


def queue_message(body: str, *, dequeue_count: int = 1, message_id: str = "m-1") -> QueueMessage:
    # The worker's own message class: the public one cannot carry a dequeue count.
    message: QueueMessage = QueueMessage(  # type: ignore[no-untyped-call]
        id=message_id, body=body.encode("utf-8"), dequeue_count=dequeue_count
    )
    return message


def http_request(body: bytes | str, headers: dict[str, str] | None = None) -> func.HttpRequest:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return func.HttpRequest(
        method="POST",
        url="http://localhost/api/access",
        headers={"content-type": "application/json", **(headers or {})},
        body=data,
    )


Clock = Callable[[], datetime]
