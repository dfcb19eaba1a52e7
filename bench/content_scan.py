"""Content scan benchmark: spcheck against Presidio's pattern recognizers (not a test).

    .venv/bin/python bench/content_scan.py [--count 240] [--repeat 5] [--workers N]

Needs the ``bench`` extra (presidio-analyzer); no spaCy model is loaded and no NLP engine
is built: Presidio's UkNinoRecognizer, NhsRecognizer, EmailRecognizer and PhoneRecognizer
are called directly. The corpus (bench/corpus.py) is generated, and the generator knows
what it planted.

Two comparisons, printed apart:

1. Detection on the same extracted text (the issue's target). The corpus is extracted once
   (``extract_segments``); then spcheck's ``detect_identifiers`` runs on each document's
   segments, and Presidio's four recognizers on the same text (each document's segments
   joined by newlines, Presidio's cheapest way to see them: one call per recognizer per
   document). The two sides run in turn, ``--repeat`` rounds, in this process; the best
   round of each side is reported, with the median, and the ratio of the bests (and of the
   medians). Recall and precision of both on the planted identifiers.
2. spcheck end to end, for information: ``scan_many`` on the raw files (sandboxed
   extraction in a warm process pool, every content check, the nine identifier kinds),
   best of ``--repeat`` runs (at most 3), with its recall and precision from the findings.

MB/s is UTF-8 megabytes of the extracted text per second (for end to end also megabytes of
files per second).

How matching is done: a detection matches a planted identifier of the same kind in the
same file when their masked forms agree (first two and last two characters of the
identifier as spcheck masks it: digits only for CHI, NHS and SCN numbers, the UK dialling
form for phone numbers, the label for labelled fields); counts are matched as multisets.
Recall is matched / planted, precision matched / detected. Presidio is scored on the four
kinds it covers (UK_NHS = nhs_number, UK_NINO = nino, EMAIL_ADDRESS = email,
PHONE_NUMBER = phone); spcheck on those four and on all nine.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from corpus import KINDS, Document, build_corpus, mask, national_phone
from spcheck.content.api import extract_segments, scan_many
from spcheck.content.detectors import detect_identifiers
from spcheck.domain.policy import ContentRules, FileRules

SHARED_KINDS = ("nhs_number", "nino", "email", "phone")
PRESIDIO_ENTITIES = {
    "UK_NHS": "nhs_number",
    "UK_NINO": "nino",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
}
CONTENT = ContentRules(identifiers="forbid", redaction="verify", hidden_data="forbid")
FILES = FileRules(allowed_extensions=["docx", "xlsx", "pdf", "csv", "txt"], max_size_mb=50)

Key = tuple[str, str]  # (kind, masked)


@dataclass(slots=True)
class Score:
    planted: Counter[str] = field(default_factory=Counter)
    detected: Counter[str] = field(default_factory=Counter)
    matched: Counter[str] = field(default_factory=Counter)

    def add(self, planted: Counter[Key], detected: Counter[Key], kinds: Iterable[str]) -> None:
        wanted = set(kinds)
        for (kind, masked), count in planted.items():
            if kind in wanted:
                self.planted[kind] += count
                self.matched[kind] += min(count, detected.get((kind, masked), 0))
        for (kind, _), count in detected.items():
            if kind in wanted:
                self.detected[kind] += count

    def recall(self, kinds: Iterable[str]) -> float:
        kinds = list(kinds)
        planted = sum(self.planted[k] for k in kinds)
        return sum(self.matched[k] for k in kinds) / planted if planted else 1.0

    def precision(self, kinds: Iterable[str]) -> float:
        kinds = list(kinds)
        detected = sum(self.detected[k] for k in kinds)
        return sum(self.matched[k] for k in kinds) / detected if detected else 1.0


def canonical(kind: str, text: str) -> str:
    """The masked form spcheck reports for an identifier written as ``text``."""
    if kind == "nhs_number":
        return mask("".join(ch for ch in text if ch.isdigit()))
    if kind == "phone":
        return mask(national_phone(text))
    if kind == "nino":
        return mask(text.replace(" ", "").replace("-", ""))
    return mask(text)


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def in_turn(repeat: int, *runs: Callable[[], Any]) -> list[tuple[list[float], Any]]:
    """Each run ``repeat`` times, taking turns (a noisy machine slows both alike)."""
    times: list[list[float]] = [[] for _ in runs]
    results: list[Any] = [None] * len(runs)
    for _ in range(repeat):
        for number, run in enumerate(runs):
            started = time.perf_counter()
            results[number] = run()
            times[number].append(time.perf_counter() - started)
    return list(zip(times, results, strict=True))


# ---- Presidio ------------------------------------------------------------------------


def presidio_recognizers() -> list[tuple[Any, list[str]]]:
    """The four pattern recognizers, built directly: no NLP engine, no spaCy model."""
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    import tldextract
    from presidio_analyzer.predefined_recognizers import (
        EmailRecognizer,
        NhsRecognizer,
        PhoneRecognizer,
        UkNinoRecognizer,
    )

    # EmailRecognizer validates the domain with tldextract, which would download the public
    # suffix list; use the copy tldextract ships, and accept the reserved ".example" suffix
    # that the synthetic corpus uses (otherwise every planted email would be refused).
    offline = tldextract.TLDExtract(suffix_list_urls=(), extra_suffixes=("example",))
    sys.modules[EmailRecognizer.__module__].tldextract = SimpleNamespace(extract=offline)  # type: ignore[attr-defined]
    return [
        (NhsRecognizer(), ["UK_NHS"]),
        (UkNinoRecognizer(), ["UK_NINO"]),
        (EmailRecognizer(), ["EMAIL_ADDRESS"]),
        (PhoneRecognizer(supported_regions=("GB",)), ["PHONE_NUMBER"]),
    ]


def presidio_scan(
    recognizers: Sequence[tuple[Any, list[str]]], texts: Sequence[str]
) -> list[Counter[Key]]:
    found: list[Counter[Key]] = []
    for text in texts:
        keys: Counter[Key] = Counter()
        seen: set[tuple[str, int, int]] = set()
        for recognizer, entities in recognizers:
            for result in recognizer.analyze(text, entities, None):
                span = (result.entity_type, result.start, result.end)
                if result.score <= 0 or span in seen:
                    continue
                seen.add(span)
                kind = PRESIDIO_ENTITIES[result.entity_type]
                keys[(kind, canonical(kind, text[result.start : result.end]))] += 1
        found.append(keys)
    return found


# ---- the run -------------------------------------------------------------------------


def planted_keys(document: Document) -> Counter[Key]:
    return Counter((p.kind, p.masked) for p in document.planted)


def score_table(
    title: str, ours: Score, theirs: Score | None, *, theirs_name: str = "Presidio"
) -> list[str]:
    lines = [f"{title:18s} {'planted':>8s} {'spcheck':>17s} {theirs_name if theirs else '':>17s}"]
    kinds = sorted(ours.planted | ours.detected)
    for kind in kinds:
        mine = f"{ours.recall([kind]):.3f} / {ours.precision([kind]):.3f}"
        other = "-"
        if theirs is not None and kind in SHARED_KINDS:
            other = f"{theirs.recall([kind]):.3f} / {theirs.precision([kind]):.3f}"
        lines.append(f"{kind:18s} {ours.planted[kind]:8d} {mine:>17s} {other:>17s}")
    shared = f"{ours.recall(SHARED_KINDS):.3f} / {ours.precision(SHARED_KINDS):.3f}"
    other = "-"
    if theirs is not None:
        other = f"{theirs.recall(SHARED_KINDS):.3f} / {theirs.precision(SHARED_KINDS):.3f}"
    planted_shared = sum(ours.planted[k] for k in SHARED_KINDS)
    lines.append(f"{'4 shared kinds':18s} {planted_shared:8d} {shared:>17s} {other:>17s}")
    overall = f"{ours.recall(kinds):.3f} / {ours.precision(kinds):.3f}"
    lines.append(f"{'all 9 kinds':18s} {sum(ours.planted.values()):8d} {overall:>17s} {'-':>17s}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=240, help="documents in the corpus")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=5, help="rounds per side; best is kept")
    parser.add_argument("--workers", type=int, default=None, help="scan_many pool size")
    args = parser.parse_args(argv)

    corpus = build_corpus(args.count, args.seed)
    items = [(d.name, d.data) for d in corpus]
    kinds_in_corpus = Counter(d.name.rsplit(".", 1)[1] for d in corpus)
    file_megabytes = sum(len(d.data) for d in corpus) / 1e6
    print(
        f"corpus: {len(corpus)} documents "
        f"({', '.join(f'{n} {k}' for k, n in sorted(kinds_in_corpus.items()))}), "
        f"{file_megabytes:.1f} MB of files, "
        f"{sum(len(d.planted) for d in corpus)} planted identifiers, "
        f"{sum(d.near_misses for d in corpus)} near misses"
    )

    segments = [extract_segments(d.data, d.name) for d in corpus]
    texts = ["\n".join(s.text for s in doc) for doc in segments]
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"extracted text: {megabytes:.2f} MB in {sum(map(len, segments))} segments")
    print(f"machine: {os.cpu_count()} CPUs\n")
    files = len(corpus)

    # ---- 1. detection on the same extracted text -----------------------------------------
    recognizers = presidio_recognizers()
    (ours_times, detections), (theirs_times, presidio_found) = in_turn(
        args.repeat,
        lambda: [detect_identifiers(doc) for doc in segments],
        lambda: presidio_scan(recognizers, texts),
    )
    ours_best, theirs_best = min(ours_times), min(theirs_times)
    ours_median, theirs_median = statistics.median(ours_times), statistics.median(theirs_times)

    detector_score, presidio_score = Score(), Score()
    presidio_nhs_on_chi = 0
    for document, found, presidio_keys in zip(corpus, detections, presidio_found, strict=True):
        planted = planted_keys(document)
        detector_score.add(planted, Counter((d.kind, d.masked) for d in found), KINDS)
        presidio_score.add(planted, presidio_keys, SHARED_KINDS)
        chis = {masked for kind, masked in planted if kind == "chi"}
        presidio_nhs_on_chi += sum(
            n
            for (kind, masked), n in presidio_keys.items()
            if kind == "nhs_number" and masked in chis
        )

    print("1. DETECTION ON THE SAME EXTRACTED TEXT (the target)")
    print(f"   {args.repeat} rounds, the two sides taking turns; best round (median)\n")
    print(f"{'throughput':44s} {'seconds':>15s} {'files/s':>9s} {'MB/s':>8s}")
    for name, best, median in (
        ("spcheck detect_identifiers (9 kinds)", ours_best, ours_median),
        ("Presidio 4 pattern recognizers", theirs_best, theirs_median),
    ):
        seconds = f"{best:.3f} ({median:.3f})"
        print(f"{name:44s} {seconds:>15s} {files / best:9.1f} {megabytes / best:8.2f}")
    ratio, median_ratio = theirs_best / ours_best, theirs_median / ours_median
    first_ratio = theirs_times[0] / ours_times[0]
    print(
        f"\nratio spcheck / Presidio throughput: {ratio:.2f}x "
        f"(medians {median_ratio:.2f}x; same text, 9 kinds against 4)"
    )
    print(
        f"first round, spcheck's caches still empty: spcheck {ours_times[0]:.3f} s, "
        f"Presidio {theirs_times[0]:.3f} s, {first_ratio:.2f}x\n"
    )
    for line in score_table("recall / precision", detector_score, presidio_score):
        print(line)
    print(
        f"\nPresidio UK_NHS results that are planted CHI numbers (same check digit): "
        f"{presidio_nhs_on_chi} of {presidio_score.detected['nhs_number']}"
    )

    recall = detector_score.recall(KINDS)
    precision = detector_score.precision(KINDS)
    print("\ntargets: spcheck >= 10x Presidio's throughput, recall >= 0.98, precision >= 0.95")
    print(f"  throughput on the same text: {ratio:.2f}x  {'met' if ratio >= 10 else 'NOT met'}")
    print(f"  recall {recall:.3f}  {'met' if recall >= 0.98 else 'NOT met'}")
    print(f"  precision {precision:.3f}  {'met' if precision >= 0.95 else 'NOT met'}")

    # ---- 2. spcheck end to end, for information ------------------------------------------
    # The shared pool is warmed first, as in a long-running watcher.
    scan_many(items[:4], CONTENT, FILES, workers=args.workers)
    end_to_end, scans = best_of(
        min(args.repeat, 3), lambda: scan_many(items, CONTENT, FILES, workers=args.workers)
    )
    scan_score = Score()
    unscanned = 0
    for document, scan in zip(corpus, scans, strict=True):
        if scan.status == "error":
            unscanned += 1
        found = Counter(
            (f.kind or "", f.masked or "")
            for f in scan.findings
            if f.rule == "content.personal_identifier"
        )
        scan_score.add(planted_keys(document), found, KINDS)
    print("\n2. SPCHECK END TO END, FOR INFORMATION (sandboxed extraction + every check)")
    print(f"   scan_many, best of {min(args.repeat, 3)} runs\n")
    print(
        f"{'spcheck scan_many':44s} {end_to_end:9.2f} s {files / end_to_end:9.1f} files/s "
        f"{file_megabytes / end_to_end:6.2f} MB/s of files "
        f"{megabytes / end_to_end:6.2f} MB/s of text"
    )
    if unscanned:
        print(f"spcheck could not check {unscanned} files (status error)")
    print(
        f"recall / precision, all 9 kinds: {scan_score.recall(KINDS):.3f} / "
        f"{scan_score.precision(KINDS):.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
