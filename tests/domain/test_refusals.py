"""Every refusal names the file and the field (or CSV line), and the CLI exits 2."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_POLICY, EXAMPLES, CliResult

GOOD = (EXAMPLES / "glenmorven-2026.yaml").read_text()
SAMPLE = (EXAMPLES / "glenmorven-2026.sample.csv").read_text()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "policies").mkdir()
    shutil.copy(DEFAULT_POLICY, tmp_path / "policies")
    (tmp_path / "inspections").mkdir()
    (tmp_path / "inspections" / "glenmorven-2026.sample.csv").write_text(SAMPLE)
    return tmp_path


def validate(run_cli: Callable[..., CliResult], workspace: Path, *files: Path) -> CliResult:
    env = {
        "SPCHECK_POLICIES": str(workspace / "policies"),
        "SPCHECK_INSPECTIONS": str(workspace / "inspections"),
    }
    return run_cli("policy", "validate", *map(str, files), env=env)


DEFINITION_CASES = [
    ("unknown key", lambda t: t + "colour: blue\n", "colour: unknown key"),
    ("bad date", lambda t: t.replace("2026-09-07", "2026-02-30"), "notification_date:"),
    ("bad id", lambda t: t.replace("id: glenmorven-2026", "id: Glenmorven_2026"), "id:"),
    (
        "duplicate contact",
        lambda t: t.replace(
            "eilidh.placeholder@glenmorven-council.example",
            "morag.testperson@glenmorven-council.example",
        ),
        "contacts.2.email: duplicate contact",
    ),
    (
        "email outside allowed domains",
        lambda t: t.replace(
            "iain.sampleton@nhs-glenmorven.example", "iain.sampleton@outsider.example"
        ),
        "contacts.1.email: domain outsider.example is not in allowed_domains",
    ),
    (
        "unknown milestone in an override",
        lambda t: t.replace("deadline_overrides: {}", "deadline_overrides: {prr: 2026-10-02}"),
        "deadline_overrides.prr: unknown milestone",
    ),
    (
        "unknown folder for a contact",
        lambda t: t.replace("folders: [records, records-reserves]", "folders: [records, reserves]"),
        "contacts.1.folders.1: unknown folder 'reserves'",
    ),
    (
        "a folder closed to the partnership",
        lambda t: t.replace("folders: [records, records-reserves]", "folders: [sso]"),
        "contacts.1.folders.0: folder 'sso' is closed to the partnership",
    ),
    (
        "paused week not a Monday",
        lambda t: t.replace("paused_weeks: [2026-10-12]", "paused_weeks: [2026-10-14]"),
        "paused_weeks: item 0: 2026-10-14 is not a Monday",
    ),
    ("duplicate YAML key", lambda t: t + "partnership: Again\n", "duplicate key 'partnership'"),
    (
        "unknown programme",
        lambda t: t.replace("programme: children-at-risk-of-harm", "programme: adult-support"),
        "programme: no policy",
    ),
    ("not a mapping", lambda t: "- just\n- a list\n", "expected a mapping"),
]


@pytest.mark.parametrize(
    ("case", "change", "expected"), DEFINITION_CASES, ids=[c[0] for c in DEFINITION_CASES]
)
def test_definition_refusals(
    run_cli: Callable[..., CliResult],
    workspace: Path,
    case: str,
    change: Callable[[str], str],
    expected: str,
) -> None:
    path = workspace / "inspections" / "glenmorven-2026.yaml"
    path.write_text(change(GOOD))
    result = validate(run_cli, workspace, path)
    assert result.exit_code == 2, case
    assert f"{path}: " in result.stderr, result.stderr
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _rows() -> list[str]:
    return SAMPLE.strip().splitlines()


def _sample_without(index: int) -> str:
    rows = _rows()
    return "\n".join(rows[:index] + rows[index + 1 :]) + "\n"


def _with_row_changed(index: int, row: str) -> str:
    rows = _rows()
    rows[index] = row
    return "\n".join(rows) + "\n"


FIRST_ID = _rows()[1].split(",")[0]
SAMPLE_CASES = [
    (
        "duplicate id",
        _with_row_changed(5, f"{FIRST_ID.lower()},sample,false"),
        "line 6, record_id: duplicate of line 2",
    ),
    (
        "too few sample records",
        _sample_without(3),
        "sample: 59 records, the policy children-at-risk-of-harm expects 60",
    ),
    ("too few reserves", _sample_without(70), "reserve: 14 records"),
    (
        "CHI as a record id",
        _with_row_changed(4, "0101011237,sample,false"),
        "line 5, record_id: looks like a CHI",
    ),
    (
        "bad kind",
        _with_row_changed(4, "GM-0001,spare,false"),
        "line 5, kind: expected sample or reserve",
    ),
    ("bad flag", _with_row_changed(4, "GM-0001,sample,maybe"), "line 5, network_of_support"),
    (
        "flagged reserve",
        _with_row_changed(70, "GM-0001,reserve,true"),
        "line 71, network_of_support: only sample",
    ),
    ("bad header", "id,kind,flag\n" + "\n".join(_rows()[1:]), "line 1: expected the header"),
    (
        "name as a record id",
        _with_row_changed(4, "Jane Doe,sample,false"),
        "line 5, record_id: not a case reference",
    ),
    (
        "word as a record id",
        _with_row_changed(4, "JaneDoe,sample,false"),
        "line 5, record_id: not a case reference",
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "expected"), SAMPLE_CASES, ids=[c[0] for c in SAMPLE_CASES]
)
def test_sample_refusals(
    run_cli: Callable[..., CliResult], workspace: Path, case: str, text: str, expected: str
) -> None:
    definition = workspace / "inspections" / "glenmorven-2026.yaml"
    definition.write_text(GOOD)
    sample = workspace / "inspections" / "glenmorven-2026.sample.csv"
    sample.write_text(text)
    result = validate(run_cli, workspace, definition)
    assert result.exit_code == 2, case
    assert f"{sample}: " in result.stderr, result.stderr
    assert expected in result.stderr, result.stderr


def test_network_of_support_count(run_cli: Callable[..., CliResult], workspace: Path) -> None:
    definition = workspace / "inspections" / "glenmorven-2026.yaml"
    definition.write_text(GOOD)
    rows = _rows()
    flagged = next(i for i, row in enumerate(rows) if row.endswith(",true"))
    rows[flagged] = rows[flagged].replace(",true", ",false")
    (workspace / "inspections" / "glenmorven-2026.sample.csv").write_text("\n".join(rows) + "\n")
    result = validate(run_cli, workspace, definition)
    assert result.exit_code == 2
    assert (
        "network_of_support: 11 records, the policy children-at-risk-of-harm expects 12"
        in result.stderr
    )


POLICY_TEXT = DEFAULT_POLICY.read_text()
POLICY_CASES = [
    (
        "unknown key",
        POLICY_TEXT.replace("  max_size_mb: 250", "  max_size_mb: 250\n  max_files: 3"),
        "files.max_files: unknown key",
    ),
    (
        "unknown rule id",
        POLICY_TEXT.replace("  check.unverifiable: error", "  check.unverified: error"),
        "rules: unknown rule id 'check.unverified'",
    ),
    (
        "unknown folder in a milestone",
        POLICY_TEXT.replace("    folder: training\n", "    folder: trainin\n"),
        "milestones.7.folder: unknown folder 'trainin'",
    ),
    (
        "unknown milestone in a folder",
        POLICY_TEXT.replace("    milestone: training\n", "    milestone: trainig\n"),
        "folders.4.milestone: unknown milestone 'trainig'",
    ),
    (
        "bad severity",
        POLICY_TEXT.replace("  records.naming: warning", "  records.naming: fatal"),
        "rules.records.naming:",
    ),
    (
        "unquoted time",
        POLICY_TEXT.replace('time: "17:00"', "time: 17:00"),
        'milestones.0.due.time: expected a quoted time such as "17:00"',
    ),
    (
        "bad time zone",
        POLICY_TEXT.replace("timezone: Europe/London", "timezone: Europe/Glasgow"),
        "calendar.timezone: unknown time zone",
    ),
    (
        "bad weekday",
        POLICY_TEXT.replace('weekday: friday, time: "17:00"', 'weekday: fri, time: "17:00"'),
        "milestones.0.due.weekday:",
    ),
    (
        "named documents on a milestone that is not a file",
        POLICY_TEXT.replace(
            "    satisfied_by: {kind: contacts}",
            '    satisfied_by: {kind: contacts, documents: [{name: list, match: ["*list*"]}]}',
        ),
        "milestones.0.satisfied_by: documents: only a 'file' milestone has documents",
    ),
    (
        "a document pattern that matches any file",
        POLICY_TEXT.replace('match: ["*plan*"]', 'match: ["*"]'),
        "milestones.7.satisfied_by.documents.1.match: item 0: '*' would match any file",
    ),
    (
        "a document pattern with a folder",
        POLICY_TEXT.replace('match: ["*plan*"]', 'match: ["plans/*plan*"]'),
        "documents.1.match: item 0: a pattern matches a file name, not a path",
    ),
    (
        "two documents of one name",
        POLICY_TEXT.replace("{name: plan,", "{name: Redacted Assessment,"),
        "documents.1.name: duplicate 'redacted assessment'",
    ),
    (
        "an unknown key in a document",
        POLICY_TEXT.replace(
            '{name: plan, match: ["*plan*"]}', '{name: plan, match: ["*plan*"], must: true}'
        ),
        "milestones.7.satisfied_by.documents.1.must: unknown key",
    ),
    (
        "local default naming an unknown milestone",
        POLICY_TEXT.replace("  milestones.records.due:", "  milestones.record.due:"),
        "local_defaults.milestones.record.due: no item 'record' in that list",
    ),
    (
        "local default naming an unknown key",
        POLICY_TEXT.replace("  milestones.records.due:", "  milestones.records.deu:"),
        "local_defaults.milestones.records.deu: 'deu' is not a key of the policy there",
    ),
    (
        "local default naming a value the policy does not set",
        POLICY_TEXT.replace(
            "  access: the schedule", "  folders.pir.content.word_limit: x\n  access: the schedule"
        ),
        "local_defaults.folders.pir.content.word_limit: the policy sets no value there",
    ),
    (
        "local default without a reason",
        POLICY_TEXT.replace(
            "  access: the schedule gives no access window; week 2 to the end of week 13 is "
            "this policy's",
            '  access: ""',
        ),
        "local_defaults.access:",
    ),
    (
        "duplicate folder key",
        POLICY_TEXT.replace("  - key: staff-survey", "  - key: sso"),
        "folders.6.key: duplicate 'sso'",
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "expected"), POLICY_CASES, ids=[c[0] for c in POLICY_CASES]
)
def test_policy_refusals(
    run_cli: Callable[..., CliResult], workspace: Path, case: str, text: str, expected: str
) -> None:
    assert text != POLICY_TEXT, "the test's edit did not apply"
    path = workspace / "policies" / "children-at-risk-of-harm.yaml"
    path.write_text(text)
    result = validate(run_cli, workspace, path)
    assert result.exit_code == 2, case
    assert f"{path}: " in result.stderr, result.stderr
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_timeline_of_a_broken_definition_exits_2(
    run_cli: Callable[..., CliResult], workspace: Path
) -> None:
    path = workspace / "inspections" / "glenmorven-2026.yaml"
    path.write_text(GOOD + "colour: blue\n")
    env = {
        "SPCHECK_POLICIES": str(workspace / "policies"),
        "SPCHECK_INSPECTIONS": str(workspace / "inspections"),
    }
    result = run_cli("timeline", "glenmorven-2026", env=env)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"spcheck: {path}: colour: unknown key"


def test_shipped_policy_and_examples_are_accepted(
    run_cli: Callable[..., CliResult], example_env: dict[str, str]
) -> None:
    result = run_cli("policy", "validate", env=example_env)
    assert result.exit_code == 0, result.stderr
    assert "ok: inspection" in result.stdout
    assert result.stdout.count("ok: inspection") == len(list(EXAMPLES.glob("*.yaml")))


def test_a_sample_list_given_alone_is_checked_against_the_definition_that_names_it(
    run_cli: Callable[..., CliResult], workspace: Path
) -> None:
    (workspace / "inspections" / "glenmorven-2026.yaml").write_text(GOOD)
    sample = workspace / "inspections" / "glenmorven-2026.sample.csv"
    result = validate(run_cli, workspace, sample)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == (
        f"ok: sample list {sample} of glenmorven-2026 "
        "(60 sample, 15 reserve, 12 for network of support)"
    )
    sample.write_text(_sample_without(3))
    result = validate(run_cli, workspace, sample)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"refused: {sample}: sample: 59 records, the policy children-at-risk-of-harm expects 60"
    )


def test_a_sample_list_no_definition_names_yet_is_checked_against_the_policy(
    run_cli: Callable[..., CliResult], workspace: Path
) -> None:
    chosen = workspace / "inspections" / "newtown-2026.sample.csv"
    chosen.write_text(SAMPLE)
    result = validate(run_cli, workspace, chosen)
    assert result.exit_code == 0, result.stderr
    assert "checked against the policy children-at-risk-of-harm" in result.stdout
    rows = _rows()
    flagged = next(i for i, row in enumerate(rows) if row.endswith(",true"))
    rows[flagged] = rows[flagged].replace(",true", ",false")
    rows.pop()  # a reserve lost as well: both counts are named, on one line
    chosen.write_text("\n".join(rows) + "\n")
    result = validate(run_cli, workspace, chosen)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"refused: {chosen}: reserve: 14 records, the policy children-at-risk-of-harm expects "
        "15; network_of_support: 11 records, the policy children-at-risk-of-harm expects 12"
    )
    chosen.write_text(_with_row_changed(4, "0101011237,sample,false"))
    result = validate(run_cli, workspace, chosen)
    assert result.exit_code == 2
    assert "line 5, record_id: looks like a CHI" in result.stderr
    missing = validate(run_cli, workspace, workspace / "inspections" / "nowhere.sample.csv")
    assert missing.exit_code == 2
    assert "nowhere.sample.csv: no such file" in missing.stderr


def test_with_several_policies_a_sample_list_needs_its_definition(
    run_cli: Callable[..., CliResult], workspace: Path
) -> None:
    other = DEFAULT_POLICY.read_text().replace(
        "programme: children-at-risk-of-harm", "programme: another-programme"
    )
    (workspace / "policies" / "another-programme.yaml").write_text(other)
    chosen = workspace / "inspections" / "newtown-2026.sample.csv"
    chosen.write_text(SAMPLE)
    result = validate(run_cli, workspace, chosen)
    assert result.exit_code == 2
    assert "no definition beside it names it" in result.stderr
    assert "another-programme, children-at-risk-of-harm" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_policy_giving_a_volunteer_records_is_valid_but_says_every_plan_refuses_it(
    run_cli: Callable[..., CliResult], workspace: Path
) -> None:
    import yaml

    policy = workspace / "policies" / DEFAULT_POLICY.name
    data = yaml.safe_load(policy.read_text())
    data["team"]["roles"]["young-inspection-volunteer"]["access"] = [
        {"folders": ["pir", "records"], "role": "read", "window": "inspection"}
    ]
    policy.write_text(yaml.safe_dump(data))
    result = validate(run_cli, workspace, policy)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"ok: policy {policy}",
        f"note: {policy}: team.roles.young-inspection-volunteer.access.0.folders.1: 'records' "
        "is refused at every plan: a young inspection volunteer never has access to children's "
        "records",
    ]
    shipped = validate(run_cli, workspace, DEFAULT_POLICY)
    assert "note:" not in shipped.stdout
