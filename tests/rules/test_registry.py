"""The rule registry: one rule per catalogue id, each with a runbook that exists; the
evaluator survives a broken rule and applies the policy's severities."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from spcheck.domain.catalogue import RULE_IDS
from spcheck.domain.findings import Finding, Severity
from spcheck.rules import (
    RuleContext,
    RuleError,
    RuleSpec,
    all_rules,
    evaluate,
    get_rule,
    registry,
    rule,
)
from tests.conftest import ROOT
from tests.rules.builders import (
    SAMPLE,
    clean_snapshot,
    clean_uploads,
    file,
    loaded,
    only,
    run,
    with_policy,
)


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a file's headings (lower case, punctuation dropped)."""
    anchors = set()
    for line in markdown.splitlines():
        heading = re.match(r"^#{1,6}\s+(.*?)\s*$", line)
        if heading:
            text = heading.group(1).strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return anchors


def test_every_catalogue_id_has_exactly_one_rule() -> None:
    ids = [spec.id for spec in all_rules()]
    assert sorted(ids) == sorted(RULE_IDS)
    assert len(ids) == len(set(ids))


def test_each_rule_carries_its_catalogue_entry() -> None:
    for spec in all_rules():
        severity, description = RULE_IDS[spec.id]
        assert spec.severity == severity
        assert spec.description == description
        assert spec.family in registry.FAMILIES


@pytest.mark.parametrize("spec", all_rules(), ids=lambda s: s.id)
def test_runbook_file_and_anchor_exist(spec: RuleSpec) -> None:
    target, _, anchor = spec.runbook.partition("#")
    path = ROOT / target
    assert path.is_file(), spec.runbook
    assert anchor in github_anchors(path.read_text(encoding="utf-8")), spec.runbook


def test_runbooks_are_listed_in_the_index() -> None:
    index = (ROOT / "runbooks" / "README.md").read_text(encoding="utf-8")
    for target in {spec.runbook.partition("#")[0] for spec in all_rules()}:
        assert f"({Path(target).name})" in index


def test_unknown_or_duplicate_registration_is_refused() -> None:
    with pytest.raises(RuleError, match="not in the rule catalogue"):
        rule("records.typo", runbook="runbooks/records.md#recordstypo")
    with pytest.raises(RuleError, match="runbook"):
        rule("records.naming", runbook="https://example.invalid/x")
    with pytest.raises(RuleError, match="registered twice"):
        rule("records.naming", runbook="runbooks/records.md#recordsnaming")(lambda ctx: ())


def test_get_rule_names_unknown_ids() -> None:
    assert get_rule("pir.missing").runbook == "runbooks/pir.md#pirmissing"
    with pytest.raises(RuleError):
        get_rule("pir.absent")


def test_a_failing_rule_becomes_unverifiable_and_the_rest_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(ctx: RuleContext) -> Iterator[Finding]:
        raise ZeroDivisionError("bug")

    spec = get_rule("records.naming")
    monkeypatch.setitem(registry._REGISTRY, spec.id, dataclasses.replace(spec, check=broken))
    uploads = [*clean_uploads(), file(f"{SAMPLE}/GM-0001.pdf")]
    result = run(clean_snapshot(uploads=uploads))
    failed = only(result, "check.unverifiable")
    assert len(failed) == 1
    assert "records.naming" in failed[0].message
    assert "ZeroDivisionError" in failed[0].message
    assert only(result, "records.unexpected")  # other rules ran
    assert result.status == "error"


def test_a_rule_reporting_another_rules_id_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong(ctx: RuleContext) -> Iterator[Finding]:
        yield ctx.finding("records.unexpected", "not mine to report")

    spec = get_rule("file.empty")
    monkeypatch.setitem(registry._REGISTRY, spec.id, dataclasses.replace(spec, check=wrong))
    result = run()
    assert not only(result, "records.unexpected")
    assert "file.empty" in only(result, "check.unverifiable")[0].message


def test_the_policy_sets_the_severity() -> None:
    uploads = [*clean_uploads(), file(f"{SAMPLE}/~scan.pdf")]
    default = run(clean_snapshot(uploads=uploads))
    assert [f.severity for f in only(default, "records.naming")] == [Severity.WARNING]
    assert default.status == "warning"
    stricter = with_policy(rules={**loaded().policy.rules, "records.naming": Severity.ERROR})
    result = run(clean_snapshot(uploads=uploads), inspection=stricter)
    assert [f.severity for f in only(result, "records.naming")] == [Severity.ERROR]
    assert result.status == "error"


def test_clean_inspection_has_no_findings() -> None:
    result = run()
    assert result.findings == ()
    assert result.status == "ok"
    assert result.week == 8
    assert result.records.sample_uploaded == 60
    assert result.records.reserves_uploaded == 15


def test_findings_are_sorted_by_severity_then_rule_then_path() -> None:
    uploads = [
        *clean_uploads(),
        file(f"{SAMPLE}/~zz notes.pdf"),
        file(f"{SAMPLE}/GM-0002.pdf"),
        file(f"{SAMPLE}/(aa) notes.pdf"),
        file(f"{SAMPLE}/GM-0001.pdf"),
    ]
    result = run(clean_snapshot(uploads=uploads))
    keys = [(-f.severity.rank, f.rule, f.path or "") for f in result.findings]
    assert keys == sorted(keys)
    assert [f.rule for f in result.findings] == [
        "records.unexpected",
        "records.unexpected",
        "records.naming",
        "records.naming",
    ]


def test_context_refuses_naive_time_and_another_inspections_snapshot() -> None:
    import datetime as dt

    from spcheck.domain.timeline import Timeline

    snap = clean_snapshot()
    timeline = Timeline(loaded().inspection, loaded().policy)
    with pytest.raises(ValueError, match="timezone-aware"):
        RuleContext(snap, loaded(), timeline, dt.datetime(2026, 11, 10))
    other = dataclasses.replace(snap, inspection_id="kinloch-2026")
    with pytest.raises(ValueError, match="kinloch-2026"):
        RuleContext(other, loaded(), timeline, dt.datetime(2026, 11, 10, tzinfo=dt.UTC))


def test_naive_as_of_is_read_in_the_policy_zone() -> None:
    import datetime as dt

    ctx = RuleContext.build(clean_snapshot(), loaded(), dt.datetime(2026, 10, 2, 23, 0))
    assert ctx.as_of.utcoffset() == dt.timedelta(hours=1)
    assert evaluate(ctx).week == 3
