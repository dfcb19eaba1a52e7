"""Content scan benchmark: spcheck against Presidio's pattern recognizers (not a test).

    .venv/bin/python bench/content_scan.py [--count 240] [--repeat 3] [--workers N]

Needs the ``bench`` extra (presidio-analyzer); no spaCy model is loaded and no NLP engine
is built: Presidio's UkNinoRecognizer, NhsRecognizer, EmailRecognizer and PhoneRecognizer
are called directly. The corpus (bench/corpus.py) is generated, and the generator knows
what it planted.

What is measured (each the best of ``--repeat`` runs, wall clock):
- spcheck end to end: ``scan_many`` on the raw files (sandboxed extraction in a warm
  process pool, every content check, the nine identifier kinds);
- spcheck detectors alone: ``detect_identifiers`` on the segments ``extract_segments``
  returns, in this process;
- Presidio: the four recognizers on the same extracted text, one call per recognizer per
  document (the segments joined by newlines: Presidio's cheapest way to see them).
MB/s is UTF-8 megabytes of that extracted text per second, for every side.

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=240, help="documents in the corpus")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="runs per side; best is kept")
    parser.add_argument("--workers", type=int, default=None, help="scan_many pool size")
    args = parser.parse_args(argv)

    corpus = build_corpus(args.count, args.seed)
    items = [(d.name, d.data) for d in corpus]
    kinds_in_corpus = Counter(d.name.rsplit(".", 1)[1] for d in corpus)
    print(
        f"corpus: {len(corpus)} documents "
        f"({', '.join(f'{n} {k}' for k, n in sorted(kinds_in_corpus.items()))}), "
        f"{sum(len(d.data) for d in corpus) / 1e6:.1f} MB of files, "
        f"{sum(len(d.planted) for d in corpus)} planted identifiers, "
        f"{sum(d.near_misses for d in corpus)} near misses"
    )

    segments = [extract_segments(d.data, d.name) for d in corpus]
    texts = ["\n".join(s.text for s in doc) for doc in segments]
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"extracted text: {megabytes:.2f} MB in {sum(map(len, segments))} segments")
    print(f"machine: {os.cpu_count()} CPUs; best of {args.repeat} runs per side\n")

    # spcheck end to end. The shared pool is warmed first, as in a long-running watcher.
    scan_many(items[:4], CONTENT, FILES, workers=args.workers)
    spcheck_seconds, scans = best_of(
        args.repeat, lambda: scan_many(items, CONTENT, FILES, workers=args.workers)
    )
    detectors_seconds, _ = best_of(
        args.repeat, lambda: [detect_identifiers(doc) for doc in segments]
    )
    recognizers = presidio_recognizers()
    presidio_seconds, presidio_found = best_of(
        args.repeat, lambda: presidio_scan(recognizers, texts)
    )

    spcheck_score, presidio_score = Score(), Score()
    unscanned = 0
    presidio_nhs_on_chi = 0
    for document, scan, presidio_keys in zip(corpus, scans, presidio_found, strict=True):
        planted = planted_keys(document)
        if scan.status == "error":
            unscanned += 1
        detected = Counter(
            (f.kind or "", f.masked or "")
            for f in scan.findings
            if f.rule == "content.personal_identifier"
        )
        spcheck_score.add(planted, detected, KINDS)
        presidio_score.add(planted, presidio_keys, SHARED_KINDS)
        chis = {masked for kind, masked in planted if kind == "chi"}
        presidio_nhs_on_chi += sum(
            n
            for (kind, masked), n in presidio_keys.items()
            if kind == "nhs_number" and masked in chis
        )

    files = len(corpus)
    rows = [
        ("spcheck scan_many (end to end)", spcheck_seconds),
        ("spcheck detectors on extracted text", detectors_seconds),
        ("Presidio 4 recognizers on extracted text", presidio_seconds),
    ]
    print(f"{'throughput':44s} {'seconds':>8s} {'files/s':>9s} {'MB/s':>8s}")
    for name, seconds in rows:
        print(f"{name:44s} {seconds:8.2f} {files / seconds:9.1f} {megabytes / seconds:8.2f}")
    print(
        f"\nratio spcheck end to end / Presidio:  {presidio_seconds / spcheck_seconds:6.2f}x"
        f"\nratio spcheck detectors / Presidio:   {presidio_seconds / detectors_seconds:6.2f}x"
        " (same text, 9 kinds against 4)"
    )
    if unscanned:
        print(f"spcheck could not check {unscanned} files (status error)")

    print(f"\n{'recall / precision':18s} {'planted':>8s} {'spcheck':>17s} {'Presidio':>17s}")
    all_kinds = sorted(spcheck_score.planted | spcheck_score.detected)
    for kind in all_kinds:
        ours = f"{spcheck_score.recall([kind]):.3f} / {spcheck_score.precision([kind]):.3f}"
        theirs = (
            f"{presidio_score.recall([kind]):.3f} / {presidio_score.precision([kind]):.3f}"
            if kind in SHARED_KINDS
            else "-"
        )
        print(f"{kind:18s} {spcheck_score.planted[kind]:8d} {ours:>17s} {theirs:>17s}")
    shared = (
        f"{spcheck_score.recall(SHARED_KINDS):.3f} / {spcheck_score.precision(SHARED_KINDS):.3f}"
    )
    theirs = (
        f"{presidio_score.recall(SHARED_KINDS):.3f} / {presidio_score.precision(SHARED_KINDS):.3f}"
    )
    overall = f"{spcheck_score.recall(all_kinds):.3f} / {spcheck_score.precision(all_kinds):.3f}"
    print(
        f"{'4 shared kinds':18s} {sum(spcheck_score.planted[k] for k in SHARED_KINDS):8d} "
        f"{shared:>17s} {theirs:>17s}"
    )
    print(f"{'all 9 kinds':18s} {sum(spcheck_score.planted.values()):8d} {overall:>17s} {'-':>17s}")
    print(
        f"\nPresidio UK_NHS results that are planted CHI numbers (same check digit): "
        f"{presidio_nhs_on_chi} of {presidio_score.detected['nhs_number']}"
    )

    recall, precision = spcheck_score.recall(all_kinds), spcheck_score.precision(all_kinds)
    ratio = presidio_seconds / spcheck_seconds
    print("\ntargets: spcheck >= 10x Presidio's throughput, recall >= 0.98, precision >= 0.95")
    print(f"  throughput end to end: {ratio:.2f}x  {'met' if ratio >= 10 else 'NOT met'}")
    print(f"  recall {recall:.3f}  {'met' if recall >= 0.98 else 'NOT met'}")
    print(f"  precision {precision:.3f}  {'met' if precision >= 0.95 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
