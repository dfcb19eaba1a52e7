"""Contracts of the reports: the ``Report`` every renderer reads and the ``Renderer`` ABC.

A report is built once per check cycle from the inspections' results and rendered in
one of the registered formats (``registry.renderer(name)``). Reports are built to be
forwarded: they carry masked values only (the rules mask; renderers escape). Every
renderer is given the report with its strings already neutralised (``outward``):
control and bidirectional characters from file, sheet and display names arrive as
visible escapes, whatever the format, without a renderer having to remember it.
"""

from __future__ import annotations

import datetime as dt
import functools
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from spcheck.domain.findings import Severity
from spcheck.errors import InputError, SpcheckError
from spcheck.outward import neutralise
from spcheck.rules.interface import InspectionResult

REPORT_SCHEMA = "spcheck.report/v2"
# The previous shape, still rendered by ``--format json-v1`` for one release.
REPORT_SCHEMA_V1 = "spcheck.report/v1"


class ReportError(SpcheckError):
    """A report that cannot be produced."""


class UnknownFormat(ReportError, InputError):
    """A format name no renderer is registered for. Exit 2."""


@dataclass(frozen=True, slots=True)
class Summary:
    errors: int  # live findings of severity error (accepted ones do not count), all inspections
    warnings: int  # live findings of severity warning
    inspections: int
    accepted: int = 0  # findings accepted, any severity
    new: int = 0  # live errors new since the previous cycle
    resolved: int = 0  # findings resolved since the previous cycle


@dataclass(frozen=True, slots=True)
class Report:
    generated_at: dt.datetime
    as_of: dt.datetime
    site: str
    inspections: tuple[InspectionResult, ...]
    schema: str = REPORT_SCHEMA

    def __post_init__(self) -> None:
        if self.generated_at.tzinfo is None or self.as_of.tzinfo is None:
            raise ValueError("generated_at and as_of must be timezone-aware")

    @property
    def summary(self) -> Summary:
        return Summary(
            errors=sum(i.count(Severity.ERROR) for i in self.inspections),
            warnings=sum(i.count(Severity.WARNING) for i in self.inspections),
            inspections=len(self.inspections),
            accepted=sum(len(i.accepted) for i in self.inspections),
            new=sum(i.count_new(Severity.ERROR) for i in self.inspections),
            resolved=sum(len(i.resolved) for i in self.inspections),
        )


class Renderer(ABC):
    """Turns a report into text in one format."""

    name: ClassVar[str]
    media_type: ClassVar[str]
    suffix: ClassVar[str]  # file suffix with its dot, e.g. ".html"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every renderer's ``render`` is given the report neutralised, the one place it is
        # done, so a renderer added later cannot forget it.
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("render")
        if own is not None and not getattr(own, "_neutralises", False):
            cls.render = _neutralising(own)  # type: ignore[method-assign,assignment]

    @abstractmethod
    def render(self, report: Report) -> str:
        """The whole report as text; never raises on odd names or messages (it escapes)."""


def _neutralising(render: Callable[[Renderer, Report], str]) -> Callable[[Renderer, Report], str]:
    @functools.wraps(render)
    def wrapper(self: Renderer, report: Report) -> str:
        return render(self, neutralise(report))

    wrapper._neutralises = True  # type: ignore[attr-defined]
    return wrapper
