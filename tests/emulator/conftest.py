"""Fixtures: the demo seed on a fixed clock, and its drive."""

from __future__ import annotations

import pytest

from spcheck.emulator.seeds import seed_demo
from spcheck.emulator.state import EmulatorState

from .helpers import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state(clock: Clock) -> EmulatorState:
    return seed_demo(clock)


@pytest.fixture
def drive_id(state: EmulatorState) -> str:
    return next(iter(state.sites.values())).drive_id
