"""The report as JSON: ``spcheck.report/v2`` (``--format json``), and ``spcheck.report/v1``
(``--format json-v1``), kept for one release so that scripts can move at their own pace.
docs/report-format.md describes both."""

from __future__ import annotations

import json

from spcheck.report.document import report_dict, report_dict_v1
from spcheck.report.interface import Renderer, Report


class JsonRenderer(Renderer):
    name = "json"
    media_type = "application/json"
    suffix = ".json"

    def render(self, report: Report) -> str:
        return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"


class JsonV1Renderer(Renderer):
    name = "json-v1"
    media_type = "application/json"
    suffix = ".json"

    def render(self, report: Report) -> str:
        return json.dumps(report_dict_v1(report), indent=2, ensure_ascii=False) + "\n"
