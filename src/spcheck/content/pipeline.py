"""One file through every content check, in the current process: file rules, extraction,
identifiers, hidden data, redaction, word count. The sandbox runs this in its workers;
call it directly only on trusted input (tests, the benchmark).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace

from spcheck.content import files as file_rules
from spcheck.content.detectors import Detection, TextSegment, detect_identifiers
from spcheck.content.extract import extract, guess_type
from spcheck.content.hidden import hidden_findings
from spcheck.content.interface import (
    DEFAULT_LIMITS,
    EncryptedFile,
    Extraction,
    ExtractionError,
    FileScan,
    FileType,
    Limits,
    Status,
)
from spcheck.content.redaction import redaction_findings, scan_redaction_findings
from spcheck.content.words import count_words
from spcheck.domain.catalogue import default_severity
from spcheck.domain.findings import Finding, Severity
from spcheck.domain.policy import ContentRules, FileRules

UNCHECKED_RULES = frozenset({"file.unreadable", "file.encrypted", "check.unverifiable"})
_KIND_NAMES = {
    "chi": "a CHI number",
    "nhs_number": "an NHS number",
    "scn": "a Scottish Candidate Number",
    "nino": "a National Insurance number",
    "postcode": "a postcode",
    "phone": "a phone number",
    "email": "an email address",
    "date_of_birth": "a date of birth",
    "labelled_field": "a personal detail after its label",
}


def status_of(findings: tuple[Finding, ...] | list[Finding]) -> Status:
    """error: not (fully) checked; fail: an error finding, or an empty file; else pass."""
    if any(f.rule in UNCHECKED_RULES for f in findings):
        return "error"
    if any(f.severity == Severity.ERROR or f.rule == "file.empty" for f in findings):
        return "fail"
    return "pass"


def scrub(text: str) -> str:
    """``text`` with every identifier in it masked (locations can carry sheet names)."""
    detections = detect_identifiers([TextSegment(text, "")])
    boundary = len(text)
    for detection in sorted(detections, key=lambda d: d.start, reverse=True):
        if detection.end > boundary:
            continue  # overlaps a span already masked
        text = text[: detection.start] + detection.masked + text[detection.end :]
        boundary = detection.start
    return text


def content_checks_active(content: ContentRules) -> bool:
    return (
        content.identifiers == "forbid"
        or content.redaction == "verify"
        or content.word_limit is not None
    )


class _Report:
    """Collects a file's findings, each once, with the policy's severities."""

    def __init__(self, path: str, severity: Callable[[str], Severity]) -> None:
        self.path = path
        self.severity = severity
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str, str | None, str | None, str | None]] = set()

    def add(
        self,
        rule: str,
        message: str,
        *,
        kind: str | None = None,
        location: str | None = None,
        masked: str | None = None,
    ) -> None:
        finding = Finding(
            rule,
            self.severity(rule),
            message,
            path=self.path,
            kind=kind,
            location=location,
            masked=masked,
        )
        self.extend([finding])

    def extend(self, findings: list[Finding]) -> None:
        for finding in findings:
            key = (finding.rule, finding.message, finding.kind, finding.location, finding.masked)
            if key in self._seen:
                continue
            self._seen.add(key)
            location = scrub(finding.location) if finding.location else None
            self.findings.append(
                replace(finding, message=scrub(finding.message), location=location)
            )


def _detections(extraction: Extraction, file_name: str) -> list[Detection]:
    """The identifiers in the file: a picture line's repeat of one its page's text layer
    already shows (a scan with an OCR layer) is left out."""
    segments = [*extraction.segments, TextSegment(file_name, "file name")]
    found = detect_identifiers(segments)
    lines = extraction.picture_lines
    if not lines:
        return found
    in_layer = {
        (d.location.rpartition(" line ")[0], d.kind, d.masked)
        for d in found
        if d.location not in lines
    }
    return [
        d
        for d in found
        if d.location not in lines or (lines[d.location].picture, d.kind, d.masked) not in in_layer
    ]


def _located(extraction: Extraction, detection: Detection) -> str:
    """A detection's location; on a picture, with the box around it."""
    line = extraction.picture_lines.get(detection.location)
    if line is None:
        return detection.location
    box = line.box(detection.start, detection.end)
    return (
        f"{detection.location} box {box.x0:.0f},{box.top:.0f},{box.x1:.0f},{box.bottom:.0f} "
        f"{line.unit}"
    )


def _identifier_findings(
    report: _Report, extraction: Extraction, detections: list[Detection]
) -> None:
    for detection in detections:
        note = extraction.notes.get(detection.location)
        located = _located(extraction, detection)
        location = f"{located} ({note})" if note else located
        what = _KIND_NAMES.get(detection.kind, f"an identifier ({detection.kind})")
        where = " in text a reader does not see" if note else ""
        report.add(
            "content.personal_identifier",
            f"{what}{where} (confidence {detection.confidence:.2f})",
            kind=detection.kind,
            location=location,
            masked=detection.masked,
        )


def scan_file(
    data: bytes,
    file_name: str,
    content: ContentRules,
    files: FileRules,
    *,
    limits: Limits = DEFAULT_LIMITS,
    severities: Mapping[str, Severity] | None = None,
) -> FileScan:
    """Every content check on one file, in this process."""
    started = time.monotonic()
    overrides = dict(severities or {})

    def severity(rule: str) -> Severity:
        return overrides.get(rule, default_severity(rule))

    report = _Report(file_name, severity)
    for rule, message in file_rules.precheck(data, file_name, files):
        report.add(rule, message)
    file_type: FileType = guess_type(data, file_name)
    if not file_rules.needs_parsing(data, files):
        return _done(report, file_name, file_type, None, 0)
    try:
        extraction = extract(data, file_name, limits, positions=content.redaction == "verify")
    except EncryptedFile as error:
        rule = "file.encrypted" if files.refuse_encrypted else "check.unverifiable"
        report.add(rule, str(error))
        return _done(report, file_name, file_type, None, 0)
    except ExtractionError as error:
        report.add(error.rule, str(error))
        return _done(report, file_name, file_type, None, 0)
    except Exception as error:  # a parser bug on hostile input must not end the scan
        report.add("file.unreadable", f"the file could not be parsed ({type(error).__name__})")
        return _done(report, file_name, file_type, None, 0)
    if extraction.macros and files.refuse_macro_enabled:
        report.add("file.macro_enabled", "the file carries macros (a VBA project or macro sheet)")
    if extraction.type == "other":
        if content_checks_active(content):
            report.add(
                "check.unverifiable",
                "the content of this type of file cannot be checked (identifiers, redaction, "
                "word count)",
            )
        return _done(report, file_name, extraction.type, None, 0)
    extraction = _read_pictures(extraction, content, limits, started)
    detections = _detections(extraction, file_name) if content.reads_pictures() else []
    if content.identifiers == "forbid":
        _identifier_findings(report, extraction, detections)
    if content.hidden_data == "forbid":
        report.extend(hidden_findings(extraction, file_name, severity, content))
    if content.redaction == "verify":
        report.extend(redaction_findings(extraction, file_name, severity))
        located = [(d, _located(extraction, d)) for d in detections]
        report.extend(scan_redaction_findings(extraction, located, file_name, severity))
    words = count_words(extraction.visible_text)
    if content.word_limit is not None and words > content.word_limit:
        report.add(
            "content.word_limit",
            f"{words:,} words, over the limit of {content.word_limit:,}",
        )
    for gap in extraction.gaps:
        report.add("check.unverifiable", f"could not check {gap}")
    chars = sum(len(segment.text) for segment in extraction.segments)
    return _done(report, file_name, extraction.type, words, chars)


# Seconds kept back from the file's time limit to report what was read before it ran out.
_WRAP_UP = 3.0


def _read_pictures(
    extraction: Extraction, content: ContentRules, limits: Limits, started: float
) -> Extraction:
    """The extraction with its pictures read by OCR where the rules need them read; left
    as gaps where OCR is off; untouched where nothing in them matters (records)."""
    if not extraction.pictures or not content.reads_pictures():
        return extraction
    from spcheck.content.ocr.reader import OCR_OFF, read_pictures, unread

    if content.ocr == "off":
        return unread(extraction, OCR_OFF)
    from spcheck.content.ocr.rapid import engine
    from spcheck.content.sandbox import extend
    from spcheck.content.sandbox import report as tell_parent

    extend(limits.ocr_time_limit)
    tell_parent(("pictures", len(extraction.pictures)))
    deadline = started + limits.time_limit + limits.ocr_time_limit - _WRAP_UP
    return read_pictures(
        extraction,
        limits,
        engine=engine,
        deadline=deadline,
        advance=lambda count: tell_parent(("read", count)),
    )


def _done(
    report: _Report, path: str, file_type: FileType, words: int | None, chars: int
) -> FileScan:
    findings = tuple(report.findings)
    return FileScan(path, file_type, status_of(findings), findings, words, chars)


def scan_task(
    data: bytes,
    file_name: str,
    content: ContentRules,
    files: FileRules,
    limits: Limits,
    severities: Mapping[str, Severity] | None,
) -> FileScan:
    """``scan_file`` with positional arguments, as the sandbox sends them."""
    return scan_file(data, file_name, content, files, limits=limits, severities=severities)
