"""The one retry layer for Graph calls (kiota's RetryHandler is switched off).

Retries 429, 503 and 504 replies and connection errors. A Retry-After header is
obeyed exactly, 0 included; without one the wait is jittered exponential
back-off. Attempts and total time are capped; when a cap is reached the caller
gets one ``GraphThrottled`` or ``GraphUnavailable`` whose one-line message names
the call and what happened. Clock and sleep are injected so tests need no time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type
from tenacity.wait import wait_exponential, wait_random

from spcheck.graph.interface import GraphThrottled, GraphUnavailable
from spcheck.graph.wire import Reply

log = logging.getLogger("spcheck.graph")

RETRY_STATUSES: frozenset[int] = frozenset({429, 503, 504})
THROTTLE_STATUSES: frozenset[int] = frozenset({429, 503})
# Errors where the request may never have reached Graph, or its answer was lost.
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    max_total_seconds: float = 300.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0


@dataclass(slots=True)
class RetryCounters:
    retries: int = 0
    throttled: int = 0
    waited: float = 0.0


class RetryableReply(Exception):
    """Raised inside the retry loop for a reply worth another attempt."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(f"HTTP {reply.status}")
        self.reply = reply
        self.retry_after = reply.retry_after()


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, RetryableReply):
        code, _ = exc.reply.error_code()
        return f"HTTP {exc.reply.status}" + (f" {code}" if code else "")
    return type(exc).__name__ if exc is not None else "no answer"


async def call_with_retry(
    attempt: Callable[[int], Awaitable[Reply]],
    *,
    label: str,
    policy: RetryPolicy,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
    counters: RetryCounters,
    retry_statuses: frozenset[int] = RETRY_STATUSES,
    retry_transport: bool = True,
    on_throttle: Callable[[float], None] | None = None,
) -> Reply:
    """Run ``attempt(n)`` (n counts from 1) until it gives a final reply or a cap is reached.

    Replies whose status is not in ``retry_statuses`` are returned as they are,
    errors included: mapping statuses to errors is the caller's business.
    ``on_throttle`` hears every Retry-After so the budget can hold other requests too.
    """
    start = clock()
    # Exponential from backoff_initial, capped, plus up to one backoff_initial of jitter.
    backoff = wait_exponential(
        multiplier=policy.backoff_initial, max=policy.backoff_max
    ) + wait_random(0, policy.backoff_initial)
    retryable: tuple[type[BaseException], ...] = (RetryableReply,)
    if retry_transport:
        retryable += TRANSPORT_ERRORS

    async def once(number: int) -> Reply:
        reply = await attempt(number)
        if reply.status in retry_statuses:
            raise RetryableReply(reply)
        return reply

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableReply) and exc.retry_after is not None:
            return exc.retry_after
        return float(backoff(state))

    def stop(state: RetryCallState) -> bool:
        if state.attempt_number >= policy.max_attempts:
            return True
        return clock() - start + (state.upcoming_sleep or 0.0) > policy.max_total_seconds

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        pause = state.upcoming_sleep
        counters.retries += 1
        counters.waited += pause
        if isinstance(exc, RetryableReply) and exc.reply.status in THROTTLE_STATUSES:
            counters.throttled += 1
            if on_throttle is not None and exc.retry_after is not None:
                on_throttle(exc.retry_after)
        log.warning(
            "%s: %s; retrying in %.3g s (attempt %d of %d)",
            label,
            _describe(exc),
            pause,
            state.attempt_number + 1,
            policy.max_attempts,
        )

    def give_up(state: RetryCallState) -> Reply:
        exc = state.outcome.exception() if state.outcome else None
        elapsed = clock() - start
        tried = f"after {state.attempt_number} attempt{'s' if state.attempt_number != 1 else ''}"
        tried += f" in {elapsed:.3g} s"
        beyond = ""
        pause = state.upcoming_sleep
        if state.attempt_number < policy.max_attempts and pause:
            limit = policy.max_total_seconds
            beyond = f"; it asked to wait {pause:.3g} s more, beyond the {limit:g} s limit"
        if isinstance(exc, RetryableReply):
            status = exc.reply.status
            if status == 429 or (status == 503 and exc.retry_after is not None):
                counters.throttled += 1
                raise GraphThrottled(
                    f"{label}: still throttled by Graph ({_describe(exc)}) {tried}{beyond}; "
                    "try again later or lower SPCHECK_RU_PER_MINUTE",
                    status=status,
                    code=exc.reply.error_code()[0],
                )
            raise GraphUnavailable(
                f"{label}: Graph unavailable ({_describe(exc)}) {tried}{beyond}; try again later",
                status=status,
                code=exc.reply.error_code()[0],
            )
        raise GraphUnavailable(
            f"{label}: could not reach Graph ({_describe(exc)}) {tried}; "
            "check the network and SPCHECK_GRAPH_URL"
        )

    retrying = AsyncRetrying(
        sleep=sleep,
        stop=stop,
        wait=wait,
        retry=retry_if_exception_type(retryable),
        before_sleep=before_sleep,
        retry_error_callback=give_up,
    )
    number = 0

    async def numbered() -> Reply:
        nonlocal number
        number += 1
        return await once(number)

    result: Reply = await retrying(numbered)
    return result
