"""Reports of a check cycle: JSON (``spcheck.report/v2``, and ``v1`` for one release), HTML,
Markdown, CSV, JUnit XML, SARIF 2.1.0 and a terminal table. ``renderer(name).render(report)``."""

from spcheck.report.interface import (
    REPORT_SCHEMA,
    REPORT_SCHEMA_V1,
    Renderer,
    Report,
    ReportError,
    Summary,
    UnknownFormat,
)
from spcheck.report.registry import formats, renderer

__all__ = [
    "REPORT_SCHEMA",
    "REPORT_SCHEMA_V1",
    "Renderer",
    "Report",
    "ReportError",
    "Summary",
    "UnknownFormat",
    "formats",
    "renderer",
]
