"""What a stored content verdict is keyed by, and which verdicts are not kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from spcheck.content.api import checks_fingerprint
from spcheck.content.interface import Limits
from spcheck.cycle.content import STRICT, cache_key
from spcheck.domain.findings import Severity
from spcheck.domain.policy import ContentRules
from spcheck.loader import load_policies
from spcheck.store.interface import StoredItem
from tests.conftest import POLICIES
from tests.content.builders import pdf_long
from tests.cycle.conftest import EILIDH, World, inspection_of, local

ITEM = StoredItem(
    id="i1",
    name="Plan.pdf",
    path="Inspections/x/05 Training materials (redacted)/Plan.pdf",
    parent_id="p",
    is_folder=False,
    first_seen=datetime(2026, 11, 2, tzinfo=UTC),
    quick_xor="aGFzaA==",
)
SEVERITIES = {"content.hidden_data": Severity.WARNING, "check.unverifiable": Severity.ERROR}


def key(**changes: object) -> str | None:
    files = next(iter(load_policies(POLICIES).values())).files
    given: dict[str, object] = {
        "item": ITEM,
        "rules": STRICT,
        "files": files,
        "severities": SEVERITIES,
        "checks": "build-1",
        **changes,
    }
    return cache_key(**given)  # type: ignore[arg-type]


def test_the_same_file_judged_the_same_way_has_the_same_key() -> None:
    assert key() == key()
    assert key(item=replace(ITEM, id="i2", name="Copy.pdf")) == key()


def test_anything_that_could_change_the_verdict_changes_the_key() -> None:
    base = key()
    assert key(item=replace(ITEM, quick_xor="b3RoZXI=")) != base
    assert key(rules=ContentRules(identifiers="forbid", redaction="none")) != base
    # scanned pages left unread, or document properties reported otherwise
    assert key(rules=STRICT.model_copy(update={"ocr": "off"})) != base
    properties = STRICT.properties.model_copy(update={"severity": Severity.ERROR})
    assert key(rules=STRICT.model_copy(update={"properties": properties})) != base
    # a policy that now makes hidden data an error must not reuse a verdict of "warning"
    assert key(severities={**SEVERITIES, "content.hidden_data": Severity.ERROR}) != base
    # a build that finds more checks every file again
    assert key(checks="build-2") != base


def test_a_file_with_nothing_to_trust_has_no_key() -> None:
    assert key(item=replace(ITEM, quick_xor=None, sha256=None, ctag=None)) is None


def test_the_checks_fingerprint_is_stable_within_a_build() -> None:
    first = checks_fingerprint()
    assert first == checks_fingerprint()
    assert len(first) == 16
    int(first, 16)


def test_a_check_cut_short_is_reported_then_tried_again(world: World) -> None:
    world.upload("training", "Long plan.pdf", pdf_long(), EILIDH, local("2026-11-04T09:30"))
    path = "05 Training materials (redacted)/Long plan.pdf"

    def unverifiable(outcome: object) -> list[str]:
        return [
            f["message"]
            for f in inspection_of(outcome)["findings"]
            if f["rule"] == "check.unverifiable" and f["path"] == path
        ]

    first = world.cycle(local("2026-11-05T12:00"), limits=Limits(time_limit=0.3))
    [stopped] = unverifiable(first)
    assert "the check of this file stopped" in stopped
    second = world.cycle(local("2026-11-05T12:30"))
    assert second.stats.downloads == 1  # not kept: checked again, in full this time
    assert unverifiable(second) == []
    third = world.cycle(local("2026-11-05T13:00"))
    assert third.stats.downloads == 0
