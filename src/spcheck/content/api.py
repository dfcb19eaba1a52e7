"""The content checks' entry points: what the check cycle, the CLI and the benchmark call.

``scan_bytes`` and ``scan_many`` parse in sandboxed worker processes; a file that
crashes, hangs or exhausts its worker gets ``check.unverifiable`` and every other file
is still scanned. Files refused unread (empty, over the size limit) never leave this
process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from spcheck.content.detectors import TextSegment
from spcheck.content.extract import extract, guess_type
from spcheck.content.files import needs_parsing
from spcheck.content.interface import DEFAULT_LIMITS, FileScan, Limits
from spcheck.content.pipeline import scan_file, scan_task, scrub, status_of
from spcheck.content.sandbox import shared_sandbox
from spcheck.domain.catalogue import default_severity
from spcheck.domain.findings import Finding, Severity
from spcheck.domain.policy import ContentRules, FileRules

__all__ = [
    "FileScan",
    "ScanJob",
    "checks_fingerprint",
    "extract_segments",
    "mask_identifiers",
    "scan_bytes",
    "scan_jobs",
    "scan_many",
]

mask_identifiers = scrub


def scan_bytes(
    data: bytes,
    file_name: str,
    content: ContentRules,
    files: FileRules,
    *,
    limits: Limits = DEFAULT_LIMITS,
    severities: Mapping[str, Severity] | None = None,
) -> FileScan:
    """Every content check on one file, parsed in the sandbox."""
    return scan_many([(file_name, data)], content, files, limits=limits, severities=severities)[0]


@dataclass(frozen=True, slots=True)
class ScanJob:
    """One file to check and what judges it (the rules of the folder it is in)."""

    name: str
    data: bytes
    content: ContentRules
    files: FileRules
    severities: Mapping[str, Severity] | None = None


def scan_many(
    items: Sequence[tuple[str, bytes]],
    content: ContentRules,
    files: FileRules,
    *,
    workers: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    severities: Mapping[str, Severity] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[FileScan]:
    """Every content check on each ``(file_name, data)``, in parallel; results in order."""
    jobs = [ScanJob(name, data, content, files, severities) for name, data in items]
    return scan_jobs(jobs, workers=workers, limits=limits, progress=progress)


def scan_jobs(
    jobs: Sequence[ScanJob],
    *,
    workers: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: Callable[[int, int], None] | None = None,
) -> list[FileScan]:
    """Every content check on each job, all in one pool whatever their rules, so that
    scanned files from several folders keep every core busy; results in order.

    ``workers`` sizes the pool (default: the cores, at most 4); pools are kept warm
    between calls, one per size and limits. ``progress(done, total)`` counts pages: a file
    is one until it is opened, then one more for each scanned page or picture it holds.
    """
    total = len(jobs)
    results: list[FileScan | None] = [None] * total
    parse: list[int] = []
    for index, job in enumerate(jobs):
        if needs_parsing(job.data, job.files):
            parse.append(index)
        else:
            results[index] = scan_file(
                job.data,
                job.name,
                job.content,
                job.files,
                limits=limits,
                severities=job.severities,
            )
    done = total - len(parse)
    if progress is not None and done:
        progress(done, total)
    if parse:
        tasks = [
            (
                jobs[i].data,
                jobs[i].name,
                jobs[i].content,
                jobs[i].files,
                limits,
                dict(jobs[i].severities or {}),
            )
            for i in parse
        ]
        pages = _Pages(done, total, progress)
        sandbox = shared_sandbox(
            workers, time_limit=limits.time_limit, memory_limit=limits.memory_limit
        )
        outcomes = sandbox.run(scan_task, tasks, progress=pages.files, reports=pages.report)
        for index, outcome in zip(parse, outcomes, strict=True):
            job = jobs[index]
            if outcome.value is not None:
                results[index] = outcome.value
            else:
                failure = outcome.failure or ""
                results[index] = _unverifiable(job.name, job.data, failure, job.severities)
    return [r for r in results if r is not None]


class _Pages:
    """Progress in pages: each file counts one, and each picture a worker reads one more."""

    def __init__(self, done: int, total: int, progress: Callable[[int, int], None] | None):
        self.done_before, self.total_files = done, total
        self.files_done = 0
        self.pictures = 0
        self.read = 0
        self.progress = progress

    def _tell(self) -> None:
        if self.progress is not None:
            done = self.done_before + self.files_done + self.read
            self.progress(done, self.total_files + self.pictures)

    def files(self, count: int, _: int) -> None:
        self.files_done = count
        self._tell()

    def report(self, _task: int, value: object) -> None:
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], int):
            if value[0] == "pictures":
                self.pictures += value[1]
            elif value[0] == "read":
                self.read += value[1]
        self._tell()


def _unverifiable(
    name: str, data: bytes, failure: str, severities: Mapping[str, Severity] | None
) -> FileScan:
    rule = "check.unverifiable"
    severity = (severities or {}).get(rule, default_severity(rule))
    finding = Finding(rule, severity, f"the check of this file stopped: it {failure}", path=name)
    return FileScan(
        name, guess_type(data, name), status_of([finding]), (finding,), None, 0, interrupted=True
    )


@cache
def checks_fingerprint() -> str:
    """Stands for this build's content checks: a hash of their code and spcheck's version.

    A stored verdict is reused only under the same fingerprint, so a build that finds
    more (a new detector, an object it now opens, another OCR engine or model) checks
    every file again, once. The rules and severities are the other part of the key
    (``spcheck.cycle.content.cache_key``).
    """
    import hashlib

    import spcheck
    from spcheck.content.ocr.rapid import engine_version

    package = Path(__file__).parent
    # The OCR engine and its models read the pictures: another version, another reading.
    digest = hashlib.sha256(f"{spcheck.__version__} {engine_version()}".encode())
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def extract_segments(data: bytes, file_name: str) -> list[TextSegment]:
    """The file's text segments, extracted in this process (trusted input only: the
    benchmark's comparison). Raises ``ExtractionError`` for a file that cannot be read."""
    return list(extract(data, file_name, positions=False).segments)
