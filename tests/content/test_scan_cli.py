"""``spcheck scan``: the JSON schema, the table, exit codes, unreadable paths, and no
output ever holding an unmasked identifier."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from spcheck.content.cli import run_scan
from spcheck.domain.findings import mask
from spcheck.errors import InputError
from tests.content import builders
from tests.content.builders import CHI_DOC_TEST, PLANTED
from tests.report.schemas import problems


def _leaks(output: str) -> list[str]:
    """Planted values found in ``output``, whole or as their bare digits."""
    digits = re.sub(r"\D", "", output)
    leaked = [value for value in PLANTED if value in output]
    leaked += [value for value in PLANTED if value.isdigit() and value.lstrip("0") in digits]
    return leaked


@pytest.fixture(scope="module")
def folder(tmp_path_factory, documents) -> Path:
    directory = tmp_path_factory.mktemp("upload")
    for name, data in documents.items():
        (directory / name).write_bytes(data)
    (directory / f"{CHI_DOC_TEST} notes.txt").write_text("nothing else\n")
    return directory


def test_json_is_exactly_the_scan_schema(folder, strict, file_rules, capsys):
    paths = [folder / "planted.docx", folder / "near-miss.txt"]
    code = run_scan(paths, strict, file_rules, "json", folder_key="training")
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert set(document) == {"schema", "files"}
    assert document["schema"] == "spcheck.scan/v1"
    planted, clean = document["files"]
    assert set(planted) == {"path", "type", "status", "findings"}
    assert (planted["path"], planted["type"], planted["status"]) == (
        str(folder / "planted.docx"),
        "docx",
        "fail",
    )
    for finding in planted["findings"]:
        assert set(finding) == {"rule", "kind", "severity", "location", "masked", "message"}
    chi = next(f for f in planted["findings"] if f["masked"] == mask(builders.CHI_DELETED))
    assert (chi["rule"], chi["kind"], chi["severity"]) == (
        "content.personal_identifier",
        "chi",
        "error",
    )
    assert (clean["status"], clean["findings"]) == ("pass", [])
    assert problems(document, "scan") == []


def test_every_scan_follows_the_published_schema(folder, strict, file_rules, capsys):
    """Every built document (hostile ones, a macro file, an unreadable path) in one scan."""
    files = type(file_rules)(allowed_extensions=[*file_rules.allowed_extensions, "docm"])
    paths = [*sorted(folder.iterdir()), folder / "no-such-file.pdf"]
    run_scan(paths, strict, files, "json", folder_key=None)
    document = json.loads(capsys.readouterr().out)
    assert {f["status"] for f in document["files"]} == {"pass", "fail", "error"}
    assert problems(document, "scan") == []
    # The schema is strict: what the code does not write, it refuses.
    document["files"][0]["extra"] = True
    document["files"][1]["status"] = "ok"
    del document["files"][2]["type"]
    assert [line.partition(":")[0] for line in problems(document, "scan")] == [
        "files/0",
        "files/1/status",
        "files/2",
    ]


def test_clean_files_exit_zero(folder, strict, file_rules, capsys):
    code = run_scan([folder / "near-miss.pdf"], strict, file_rules, "json", folder_key=None)
    assert code == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["status"] == "pass"


def test_a_missing_path_is_a_finding_not_a_traceback(folder, strict, file_rules, capsys):
    paths = [folder / "no-such-file.docx", folder / "near-miss.txt"]
    code = run_scan(paths, strict, file_rules, "json", folder_key=None)
    missing, clean = json.loads(capsys.readouterr().out)["files"]
    assert code == 1
    assert [f["rule"] for f in missing["findings"]] == ["file.unreadable"]
    assert (missing["type"], missing["status"]) == ("docx", "error")
    assert clean["status"] == "pass"


def test_a_folder_means_every_file_in_it(folder, tmp_path, strict, file_rules, capsys):
    records = tmp_path / "records"
    (records / "GM-0001").mkdir(parents=True)
    (records / "GM-0001" / "notes.txt").write_bytes((folder / "near-miss.txt").read_bytes())
    (records / "boxes.pdf").write_bytes((folder / "boxes.pdf").read_bytes())
    code = run_scan([records], strict, file_rules, "json", folder_key=None)
    scanned = json.loads(capsys.readouterr().out)["files"]
    assert code == 1
    assert [(Path(f["path"]).relative_to(records).as_posix(), f["status"]) for f in scanned] == [
        ("GM-0001/notes.txt", "pass"),
        ("boxes.pdf", "fail"),
    ]


def test_an_empty_folder_is_refused(tmp_path, strict, file_rules):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="empty: a folder with no files in it"):
        run_scan([tmp_path / "empty"], strict, file_rules, "json", folder_key=None)


def test_the_table_shows_each_file_status_and_findings(folder, strict, file_rules, capsys):
    paths = [folder / "boxes.pdf", folder / "near-miss.docx"]
    code = run_scan(paths, strict, file_rules, "table", folder_key="training")
    out = capsys.readouterr().out
    assert code == 1
    assert "boxes.pdf" in out
    assert "FAIL" in out
    assert "PASS" in out
    assert "content.bad_redaction" in out
    assert mask(builders.CHI_BOXED) in out
    assert "2 files: 1 pass, 1 fail" in out


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_no_output_holds_an_unmasked_identifier(folder, strict, file_rules, capsys, fmt):
    files = type(file_rules)(allowed_extensions=[*file_rules.allowed_extensions, "docm"])
    paths = sorted(folder.iterdir())
    run_scan(paths, strict, files, fmt, folder_key=None)
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert mask(CHI_DOC_TEST) in output  # the file name's CHI, masked in the path
    assert _leaks(output) == []


def test_spcheck_scan_through_the_cli(folder, run_cli, example_env):
    result = run_cli(
        "scan",
        str(folder / "boxes.pdf"),
        "--policy-folder",
        "training",
        "--format",
        "json",
        env=example_env,
    )
    assert result.exit_code == 1, result.stderr
    (scanned,) = json.loads(result.stdout)["files"]
    rules = {f["rule"] for f in scanned["findings"]}
    assert {"content.bad_redaction", "content.personal_identifier"} <= rules
    assert _leaks(result.stdout + result.stderr) == []


def test_the_progress_bar_path_gives_the_same_results(folder, strict, file_rules):
    from spcheck.content.cli import scan_paths

    paths = [folder / "near-miss.txt", folder / "boxes.pdf"]
    quiet = scan_paths(paths, strict, file_rules)
    shown = scan_paths(paths, strict, file_rules, show_progress=True)
    assert shown == quiet


def test_no_ocr_names_the_pages_it_left_unread(run_cli, tmp_path):
    from tests.content import scans

    picture = tmp_path / "referral.png"
    picture.write_bytes(scans.png(scans.typed([f"CHI number: {CHI_DOC_TEST}"], scans.Ageing(150))))
    result = run_cli("scan", str(picture), "--policy-folder", "training", "--no-ocr")
    assert result.exit_code == 1
    assert "1 scanned page or picture went unread with OCR off" in result.stdout
    assert "referral.png: page 1 (an image file)" in result.stdout
    assert CHI_DOC_TEST not in result.stdout
