"""``spcheck.report/v1`` as JSON (DESIGN.md section 6)."""

from __future__ import annotations

import json

from spcheck.report.document import report_dict
from spcheck.report.interface import Renderer, Report


class JsonRenderer(Renderer):
    name = "json"
    media_type = "application/json"
    suffix = ".json"

    def render(self, report: Report) -> str:
        return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
