"""Reports of a check cycle: JSON (``spcheck.report/v1``), HTML, Markdown, CSV, JUnit XML
and a terminal table. ``renderer(name).render(report)``."""

from spcheck.report.interface import (
    REPORT_SCHEMA,
    Renderer,
    Report,
    ReportError,
    Summary,
    UnknownFormat,
)
from spcheck.report.registry import formats, renderer

__all__ = [
    "REPORT_SCHEMA",
    "Renderer",
    "Report",
    "ReportError",
    "Summary",
    "UnknownFormat",
    "formats",
    "renderer",
]
