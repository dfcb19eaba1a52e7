"""The command line: version, help, timeline on the examples, exit codes, start-up cost."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from spcheck import __version__
from tests.conftest import CliResult


def test_version(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"spcheck {__version__}"


def test_help_does_not_import_graph_or_azure() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['spcheck', '--help']\n"
        "from spcheck.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('msgraph', 'msgraph_core', 'azure', 'kiota_abstractions', 'pdfplumber', 'pypdf',"
        " 'holidays'))\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "timeline" in done.stdout
    assert "HEAVY=\n" in done.stdout, done.stdout


def test_timeline_table_on_both_examples(
    run_cli: Callable[..., CliResult], example_env: dict[str, str]
) -> None:
    wide = {**example_env, "COLUMNS": "200"}
    glen = run_cli("timeline", "glenmorven-2026", "--as-of", "2026-10-01", env=wide)
    assert glen.exit_code == 0, glen.stderr
    assert "week 3" in glen.stdout
    assert "Fri 02 Oct 2026 23:59 BST" in glen.stdout  # PIR, Friday of week 3
    assert "Fri 06 Nov 2026 23:59 GMT" in glen.stdout  # records, after the paused week and BST
    # Records reading, weeks 8 to 12, counted past the paused week.
    assert (
        "team window records-reading: from Mon 09 Nov 2026 00:00 until Fri 11 Dec 2026 23:59"
        in (glen.stdout)
    )
    kin = run_cli("timeline", "kinloch-2026", "--as-of", "2026-11-26", env=wide)
    assert kin.exit_code == 0, kin.stderr
    assert "Fri 18 Dec 2026 23:59 GMT" in kin.stdout
    assert "set for this inspection" in kin.stdout
    assert "attested" in kin.stdout  # PD1 and the other steps that are not uploads
    assert "attested: met when the SSO records it (spcheck attest)" in kin.stdout


def test_timeline_json(run_cli: Callable[..., CliResult], example_env: dict[str, str]) -> None:
    result = run_cli(
        "timeline", "kinloch-2026", "--format", "json", "--as-of", "2027-01-06", env=example_env
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == "spcheck.timeline/v1"
    assert {w["name"] for w in document["team_windows"]} == {
        "inspection",
        "reader-training",
        "records-reading",
    }
    assert document["week"] == 4  # two paused weeks over Christmas are not counted
    due = {m["id"]: m["due"] for m in document["milestones"]}
    assert due == {
        "contacts": "2026-12-11T17:00:00+00:00",
        "pir": "2026-12-18T23:59:00+00:00",
        "survey-distribution": "2026-12-18T23:59:00+00:00",
        "pd1": "2027-01-08T23:59:00+00:00",  # week 4, after the two paused weeks
        "sample": "2027-01-08T17:00:00+00:00",
        "survey-closed": "2027-01-22T23:59:00+00:00",
        "records": "2027-01-29T23:59:00+00:00",
        "training": "2027-01-29T23:59:00+00:00",
        "reader-training": "2027-01-29T23:59:00+00:00",
        "position-statement": "2027-02-12T23:59:00+00:00",
    }
    kinds = {m["id"]: m["satisfied_by"] for m in document["milestones"]}
    assert kinds["pd1"] == kinds["survey-closed"] == "attested"
    assert kinds["pir"] == "file"
    pir = next(m for m in document["milestones"] if m["id"] == "pir")
    assert pir["overridden"] is True
    local = {m["id"]: m["local_default"] for m in document["milestones"]}
    # The PIR date was agreed for this inspection: not the policy's default any more.
    assert local["pir"] is None
    assert local["records"] == "the schedule gives no deadline for the sampled records"
    assert local["position-statement"].startswith("the schedule gives no deadline")
    assert document["access"] == {
        "from": "2026-12-07T00:00:00+00:00",
        "until": "2027-03-12T23:59:00+00:00",
        "local_default": (
            "the schedule gives no access window; week 2 to the end of week 13 is this policy's"
        ),
    }
    listed = {entry["key"]: entry["note"] for entry in document["local_defaults"]}
    assert {
        "milestones.records.due",
        "milestones.position-statement.due",
        "milestones.pir.satisfied_by.extensions",
        "folders.position-statement.content.word_limit",
        "access",
    } <= set(listed)


def test_timeline_table_marks_local_defaults(
    run_cli: Callable[..., CliResult], example_env: dict[str, str]
) -> None:
    wide = {**example_env, "COLUMNS": "220"}
    result = run_cli("timeline", "glenmorven-2026", "--as-of", "2026-10-01", env=wide)
    assert result.exit_code == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "Fri 20 Nov 2026" in line]
    assert len(rows) == 1
    assert "local default" in rows[0]  # position statement
    assert "(local default: confirm with the inspection lead)" in result.stdout  # the window
    assert (
        "folders.position-statement.content.word_limit: the schedule gives no word limit"
        in result.stdout
    )


def test_unknown_inspection_exits_2(
    run_cli: Callable[..., CliResult], example_env: dict[str, str]
) -> None:
    result = run_cli("timeline", "nowhere-2026", env=example_env)
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "spcheck: inspection 'nowhere-2026': no nowhere-2026.yaml under "
        + example_env["SPCHECK_INSPECTIONS"]
    )


def test_bad_as_of_exits_2(run_cli: Callable[..., CliResult], example_env: dict[str, str]) -> None:
    result = run_cli("timeline", "kinloch-2026", "--as-of", "26/11/2026", env=example_env)
    assert result.exit_code == 2
    assert "--as-of" in result.stderr


def test_usage_error_exits_2(run_cli: Callable[..., CliResult]) -> None:
    assert run_cli("timeline").exit_code == 2
    assert run_cli("no-such-command").exit_code == 2


def test_rules_lists_the_catalogue(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("rules", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for rule_id in ("records.unexpected", "content.bad_redaction", "check.unverifiable"):
        assert rule_id in result.stdout


def test_rules_with_an_id_shows_what_to_do_about_it(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("rules", "records.unexpected", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert text.startswith("records.unexpected (error by default):")
    assert "Restrict the folder at once" in text
    assert "## records.missing" not in result.stdout  # only this rule's section
    assert "records.missing" not in text
    assert "from runbooks/records.md#recordsunexpected" in text


def test_rules_with_an_unknown_id_is_one_line_and_exit_2(
    run_cli: Callable[..., CliResult],
) -> None:
    result = run_cli("rules", "records.unknown")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "spcheck: RULE: no rule 'records.unknown'; `spcheck rules` lists every rule id"
    )


def test_every_rule_has_a_runbook_section_to_show() -> None:
    from spcheck.commands.rules import runbook_section
    from spcheck.rules.registry import all_rules

    for spec in all_rules():
        section = runbook_section(spec.runbook)
        assert section, spec.id
        assert not section.startswith("#"), spec.id


def test_packaged_policy_used_when_none_configured(
    run_cli: Callable[..., CliResult], example_env: dict[str, str]
) -> None:
    env = {"SPCHECK_INSPECTIONS": example_env["SPCHECK_INSPECTIONS"]}
    result = run_cli("timeline", "glenmorven-2026", "--format", "json", env=env)
    assert result.exit_code == 0, result.stderr


def test_scan_does_not_import_graph_or_azure(tmp_path: object) -> None:
    from pathlib import Path

    note = Path(str(tmp_path)) / "note.txt"
    note.write_text("Plan agreed at the review; next review in six weeks.\n")
    code = (
        "import sys\n"
        f"sys.argv = ['spcheck', 'scan', {str(note)!r}, '--format', 'json']\n"
        "from spcheck.cli import main\n"
        "try:\n    main()\nexcept SystemExit as done:\n    print('EXIT', done.code)\n"
        # Nor, for a text file, the OCR engine and what it runs on.
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('msgraph', 'msgraph_core', 'azure', 'kiota_abstractions', "
        "'rapidocr', 'onnxruntime', 'cv2', 'pypdfium2'))\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "EXIT 0" in done.stdout, done.stdout + done.stderr
    assert "HEAVY=\n" in done.stdout, done.stdout


def test_attest_and_accept_from_the_command_line(
    run_cli: Callable[..., CliResult], example_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**example_env, "SPCHECK_STATE": f"sqlite:///{tmp_path / 'state.db'}"}
    # Accepting needs a recorded check: with none, one line and exit 2, and no state made.
    refused = run_cli(
        "accept", "glenmorven-2026", "pir.missing", "--reason", "agreed", "--by", "Ailsa", env=env
    )
    assert refused.exit_code == 2
    assert refused.stderr.strip().count("\n") == 0
    assert "run `spcheck check` first" in refused.stderr
    assert not (tmp_path / "state.db").exists()
    missing = run_cli("accept", "glenmorven-2026", "pir.missing", env=env)
    assert missing.exit_code == 2  # --reason is required
    named = run_cli(
        "attest",
        "glenmorven-2026",
        "survey-distribution",
        "--value",
        "143",
        "--on",
        "2026-10-01",
        "--by",
        "Ailsa Placeholder (SSO)",
        env=env,
    )
    assert named.exit_code == 0, named.stderr
    assert "attested survey-distribution (Partnership returns how many staff" in named.stdout
    assert "by Ailsa Placeholder (SSO)" in named.stdout
    nobody = run_cli("unattest", "glenmorven-2026", "survey-distribution", env=env)
    assert nobody.exit_code == 2
    assert "--by: say who you are (or set SPCHECK_OPERATOR)" in nobody.stderr
    undone = run_cli(
        "unattest",
        "glenmorven-2026",
        "survey-distribution",
        env={**env, "SPCHECK_OPERATOR": "Duty SSO"},
    )
    assert undone.exit_code == 0, undone.stderr
    audit = run_cli("audit", "glenmorven-2026", "--format", "json", env=env)
    entries = json.loads(audit.stdout)["entries"]
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("unattest", "Duty SSO"),
        ("attest", "Ailsa Placeholder (SSO)"),
    ]
