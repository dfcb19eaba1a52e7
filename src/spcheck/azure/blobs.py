"""Reports and the audit export in a private blob container.

Names, all under the container named by SPCHECK_REPORTS_CONTAINER:

- ``reports/<inspection>/<UTC yyyymmddThhmmssZ>.<html|json|md>``: every run;
- ``reports/<inspection>/latest.<html|json|md>``: the newest, overwritten;
- ``audit/<inspection>.jsonl``: the inspection's whole audit log, newest first,
  one ``spcheck.audit/v1`` entry per line, addresses masked, rewritten after
  every applied change.

The container is created private when missing; spcheck never makes a SAS or
public link to it (reading the reports is a storage role given to a person).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from spcheck.azure.interface import OutputUnavailable, ReportSink
from spcheck.provision.render import AUDIT_SCHEMA, audit_document
from spcheck.report.interface import Report
from spcheck.report.registry import renderer
from spcheck.store.azure_connection import StorageConnection
from spcheck.store.records import AuditEntry

REPORT_FORMATS = ("html", "json", "md")


def latest_report_name(inspection_id: str, suffix: str) -> str:
    return f"reports/{inspection_id}/latest{suffix}"


def report_names(inspection_id: str, report: Report, suffix: str) -> tuple[str, str]:
    stamp = report.generated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"reports/{inspection_id}/{stamp}{suffix}", latest_report_name(inspection_id, suffix)


def audit_name(inspection_id: str) -> str:
    return f"audit/{inspection_id}.jsonl"


def audit_lines(inspection_id: str, entries: Sequence[AuditEntry]) -> str:
    document = audit_document(entries, inspection_id)
    return "".join(
        json.dumps({"schema": AUDIT_SCHEMA, **entry}, sort_keys=True, ensure_ascii=False) + "\n"
        for entry in document["entries"]
    )


class BlobReports(ReportSink):
    def __init__(
        self,
        connection: StorageConnection,
        container: str,
        *,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self._connection = connection
        self._container = container
        self._options = {"retry_total": 3, **(client_options or {})}

    def _upload(self, files: Sequence[tuple[str, str, str]]) -> None:
        from azure.core.exceptions import AzureError, ResourceExistsError
        from azure.storage.blob import BlobServiceClient, ContentSettings

        try:
            with BlobServiceClient.from_connection_string(
                self._connection.value, **self._options
            ) as service:
                container = service.get_container_client(self._container)
                with contextlib.suppress(ResourceExistsError):
                    container.create_container()
                for name, text, media_type in files:
                    container.upload_blob(
                        name,
                        text.encode("utf-8"),
                        overwrite=True,
                        content_settings=ContentSettings(
                            content_type=f"{media_type}; charset=utf-8"
                        ),
                    )
        except AzureError as error:
            raise OutputUnavailable(
                f"blob container {self._container} on {self._connection.shown}: cannot be "
                f"written ({type(error).__name__})"
            ) from None

    def write_report(self, inspection_id: str, report: Report) -> tuple[str, ...]:
        files: list[tuple[str, str, str]] = []
        for fmt in REPORT_FORMATS:
            render = renderer(fmt)
            text = render.render(report)
            for name in report_names(inspection_id, report, render.suffix):
                files.append((name, text, render.media_type))
        self._upload(files)
        return tuple(name for name, _, _ in files)

    def export_audit(self, inspection_id: str, entries: Sequence[AuditEntry]) -> str:
        name = audit_name(inspection_id)
        self._upload([(name, audit_lines(inspection_id, entries), "application/x-ndjson")])
        return name
