"""The sandbox: time and memory limits, crashes, and a failure costing only its own task."""

from __future__ import annotations

import pytest

from spcheck.content.sandbox import Sandbox
from tests.content import sandbox_tasks
from tests.content.builders import CHI_DOC_TEST


def test_results_come_back_in_task_order() -> None:
    with Sandbox(2) as sandbox:
        outcomes = sandbox.run(sandbox_tasks.echo, [(n,) for n in range(12)])
    assert [o.value for o in outcomes] == list(range(12))
    assert all(o.ok for o in outcomes)


def test_a_task_over_the_time_limit_is_stopped_and_the_next_one_runs() -> None:
    with Sandbox(1, time_limit=0.5) as sandbox:
        slow, quick = sandbox.run(sandbox_tasks.sleep, [(60.0,), (0.0,)])
    assert not slow.ok
    assert slow.failure is not None
    assert "longer than the 0.5 s limit" in slow.failure
    assert quick.ok
    assert quick.value == 0.0


def test_a_worker_that_ignores_its_timer_is_killed_by_the_parent() -> None:
    with Sandbox(1, time_limit=0.3, grace=0.5) as sandbox:
        stuck, after = sandbox.run(sandbox_tasks.sleep_ignoring_timer, [(60.0,), (0.0,)])
    assert not stuck.ok
    assert stuck.failure is not None
    assert "longer than" in stuck.failure
    assert after.ok
    assert after.value == 0.0


def test_a_task_over_the_memory_limit_fails_alone() -> None:
    with Sandbox(1, memory_limit=768 * 1024 * 1024) as sandbox:
        big, small = sandbox.run(sandbox_tasks.allocate, [(2 * 1024**3,), (1024,)])
    assert not big.ok
    assert big.failure is not None
    assert "memory" in big.failure
    assert small.ok
    assert small.value == 1024


def test_a_worker_that_dies_costs_only_its_task() -> None:
    with Sandbox(2) as sandbox:
        outcomes = sandbox.run(sandbox_tasks.die, [()])
        after = sandbox.run(sandbox_tasks.echo, [("next",), ("one",)])
    assert not outcomes[0].ok
    assert outcomes[0].failure is not None
    assert "SIGKILL" in outcomes[0].failure
    assert [o.value for o in after] == ["next", "one"]


def test_an_exception_is_named_but_its_message_never_repeated() -> None:
    with Sandbox(1) as sandbox:
        (outcome,) = sandbox.run(sandbox_tasks.fail, [(f"CHI {CHI_DOC_TEST}",)])
    assert outcome.failure == "failed with ValueError"
    assert CHI_DOC_TEST not in outcome.failure


def test_a_closed_sandbox_refuses_work() -> None:
    sandbox = Sandbox(1)
    sandbox.close()
    with pytest.raises(RuntimeError):
        sandbox.run(sandbox_tasks.echo, [(1,)])
