"""Watching what the emulator answers: observers see every response it gives.

The emulator's contract test registers one for a whole test session and checks
each JSON body against the msgraph-sdk's typed models (``contract``). Observers
run in the request's thread, after the response is final and before it is sent;
one that raises would break the emulator, so they must not. With no observer
registered, a response costs one empty-list check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from spcheck.emulator.interface import GraphRequest, GraphResponse

ResponseObserver = Callable[[GraphRequest, str, GraphResponse], None]
"""Called with the request, its kind (``GET children``, ``POST token``) and the response."""

_observers: list[ResponseObserver] = []
_lock = threading.Lock()


def add_observer(observer: ResponseObserver) -> None:
    with _lock:
        _observers.append(observer)


def remove_observer(observer: ResponseObserver) -> None:
    with _lock:
        if observer in _observers:
            _observers.remove(observer)


def notify(request: GraphRequest, kind: str, response: GraphResponse) -> None:
    if not _observers:
        return
    with _lock:
        current = list(_observers)
    for observer in current:
        observer(request, kind, response)
