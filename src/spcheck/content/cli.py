"""``spcheck scan FILE...``: content checks on local files, before a partnership uploads.

Output is the table (rich) or ``spcheck.scan/v1`` JSON alone on stdout. Paths are shown
with any identifier in them masked, like everything else this command prints. With OCR
off (``--no-ocr``, or ``ocr: off`` in the folder's rules) the table ends with the pages
and pictures that went unread; in JSON each is a ``check.unverifiable`` finding.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from spcheck.content.api import FileScan, mask_identifiers, scan_many
from spcheck.content.extract import type_from_name
from spcheck.content.ocr.reader import OCR_OFF
from spcheck.domain.catalogue import default_severity
from spcheck.domain.findings import Finding, Severity
from spcheck.domain.policy import ContentRules, FileRules
from spcheck.outward import neutralise

_STATUS_STYLE = {"pass": "green", "fail": "red", "error": "magenta"}
_SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def _unreadable(path: Path, error: OSError) -> FileScan:
    reason = error.strerror or type(error).__name__
    finding = Finding(
        "file.unreadable",
        default_severity("file.unreadable"),
        f"the file could not be read: {reason.lower()}",
        path=str(path),
    )
    return FileScan(str(path), type_from_name(path.name), "error", (finding,), None, 0)


def expand(paths: list[Path]) -> list[Path]:
    """The files to scan: each path named, and every file inside a folder named (a
    partnership pre-checks a whole folder of records before uploading it)."""
    from spcheck.errors import InputError

    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)  # a missing or unreadable path is reported as a finding
            continue
        inside = sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
        if not inside:
            raise InputError(f"{path}: a folder with no files in it")
        files.extend(inside)
    return files


def scan_paths(
    paths: list[Path], content: ContentRules, files: FileRules, *, show_progress: bool = False
) -> list[FileScan]:
    """Reads and scans each path; a path that cannot be read is a finding, not an error."""
    results: dict[int, FileScan] = {}
    items: list[tuple[str, bytes]] = []
    positions: list[int] = []
    for index, path in enumerate(paths):
        try:
            data = path.read_bytes()
        except OSError as error:
            results[index] = _unreadable(path, error)
            continue
        items.append((path.name, data))
        positions.append(index)
    if items:
        scans = _scan_with_progress(items, content, files) if show_progress else None
        if scans is None:
            scans = scan_many(items, content, files)
        for index, scan in zip(positions, scans, strict=True):
            results[index] = replace(scan, path=str(paths[index]))
    return [results[i] for i in range(len(paths))]


def _scan_with_progress(
    items: list[tuple[str, bytes]], content: ContentRules, files: FileRules
) -> list[FileScan]:
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("pages", total=len(items))

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return scan_many(items, content, files, progress=advance)


def render_table(scans: list[FileScan], folder_key: str | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Piped output has no width to fit: keep rule ids and masked values on one line.
    width = None if sys.stdout.isatty() else 200
    console = Console(file=sys.stdout, highlight=False, width=width)
    if folder_key:
        console.print(Text(f"content rules of policy folder '{folder_key}'", style="dim"))
    for scan in scans:
        heading = Text()
        heading.append(mask_identifiers(scan.path), style="bold")
        heading.append(f"  {scan.type}  ")
        heading.append(scan.status.upper(), style=f"bold {_STATUS_STYLE[scan.status]}")
        if scan.words is not None:
            heading.append(f"  {scan.words:,} words", style="dim")
        console.print(heading)
        if not scan.findings:
            console.print(Text("  no findings", style="dim"))
            continue
        table = Table(show_header=True, header_style="bold", pad_edge=False, expand=False)
        for column in ("severity", "rule", "kind", "masked"):
            table.add_column(column, no_wrap=True)
        table.add_column("location", overflow="fold")
        table.add_column("message", overflow="fold", ratio=1)
        for f in scan.findings:
            table.add_row(
                Text(f.severity.value, style=_SEVERITY_STYLE[f.severity.value]),
                Text(f.rule),
                Text(f.kind or ""),
                Text(f.masked or ""),
                Text(f.location or ""),
                Text(f.message),
            )
        console.print(table)
    counts = {status: sum(1 for s in scans if s.status == status) for status in _STATUS_STYLE}
    summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    console.print(Text(f"{len(scans)} file{'s' if len(scans) != 1 else ''}: {summary}"))
    unread = unread_pictures(scans)
    if unread:
        console.print(
            Text(
                f"{len(unread)} scanned page{'s' if len(unread) != 1 else ''} or picture"
                f"{'s' if len(unread) != 1 else ''} went unread with OCR off; these files are "
                "unverifiable until they are read:",
                style="magenta",
            )
        )
        for path, where in unread:
            console.print(Text(f"  {mask_identifiers(path)}: {where}"))


def unread_pictures(scans: list[FileScan]) -> list[tuple[str, str]]:
    """(path, page or picture) for each one left unread because OCR was off."""
    marker = f": not read, {OCR_OFF}"
    prefix = "could not check "
    return [
        (scan.path, f.message.removeprefix(prefix).partition(marker)[0])
        for scan in scans
        for f in scan.findings
        if f.rule == "check.unverifiable" and f.message.endswith(marker)
    ]


def exit_code(scans: list[FileScan]) -> int:
    """1 when any finding is of severity error, else 0 (docs/commands.md, exit codes)."""
    errors = any(f.severity == Severity.ERROR for scan in scans for f in scan.findings)
    return 1 if errors else 0


def run_scan(
    paths: list[Path],
    content: ContentRules,
    files: FileRules,
    fmt: str,
    *,
    folder_key: str | None,
) -> int:
    """Scans ``paths``, prints the table or JSON on stdout, returns the exit code."""
    if fmt not in ("table", "json"):
        from spcheck.errors import InputError

        raise InputError(f"--format must be table or json, not {fmt!r}")
    paths = expand(paths)
    show_progress = fmt == "table" and sys.stderr.isatty()
    # File names are the partnership's, and sheet names inside them too: shown safe.
    scans = neutralise(scan_paths(paths, content, files, show_progress=show_progress))
    if fmt == "json":
        from spcheck.content.scan_format import scan_model

        document = scan_model(scans).model_dump(mode="json", by_alias=True)
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        render_table(scans, folder_key)
    return exit_code(scans)
