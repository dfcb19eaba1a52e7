"""The queue of drive wakes (SPCHECK_NOTIFY_QUEUE): change notifications in, delta runs out.

Each wake is sent invisible for the debounce (SPCHECK_NOTIFY_DEBOUNCE, rounded up to
whole seconds, the queue's unit), so the notifications of a burst have arrived and
folded into it (the store's pending marker) before the queue trigger takes it.
"""

from __future__ import annotations

import math
from typing import Any

from spcheck.azure.messages import StorageQueue
from spcheck.notify.interface import Wake, WakeQueue
from spcheck.notify.messages import encode_wake
from spcheck.store.azure_connection import StorageConnection


class StorageWakeQueue(WakeQueue):
    def __init__(
        self,
        connection: StorageConnection,
        queue_name: str,
        *,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self._queue = StorageQueue(connection, queue_name, client_options=client_options)

    def send(self, wake: Wake, delay: float) -> None:
        self._queue.send_texts([encode_wake(wake)], delay=math.ceil(max(delay, 0.0)))
