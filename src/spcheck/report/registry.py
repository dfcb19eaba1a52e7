"""Renderers by format name, imported only when asked for (jinja2 and rich cost start-up)."""

from __future__ import annotations

import importlib

from spcheck.report.interface import Renderer, UnknownFormat

_RENDERERS: dict[str, tuple[str, str]] = {
    "json": ("spcheck.report.json_format", "JsonRenderer"),
    "json-v1": ("spcheck.report.json_format", "JsonV1Renderer"),
    "html": ("spcheck.report.html_format", "HtmlRenderer"),
    "md": ("spcheck.report.markdown_format", "MarkdownRenderer"),
    "csv": ("spcheck.report.csv_format", "CsvRenderer"),
    "junit": ("spcheck.report.junit_format", "JunitRenderer"),
    "table": ("spcheck.report.table_format", "TableRenderer"),
    "sarif": ("spcheck.report.sarif_format", "SarifRenderer"),
}


def formats() -> list[str]:
    return list(_RENDERERS)


def renderer(name: str) -> Renderer:
    """The renderer for a format name (``json``, ``json-v1``, ``html``, ``md``, ``csv``,
    ``junit``, ``table``, ``sarif``)."""
    try:
        module_name, class_name = _RENDERERS[name]
    except KeyError:
        known = ", ".join(_RENDERERS)
        raise UnknownFormat(f"--format: no report format {name!r} (known: {known})") from None
    cls: type[Renderer] = getattr(importlib.import_module(module_name), class_name)
    return cls()
