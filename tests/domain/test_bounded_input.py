"""Hostile or broken input costs little and is refused in one line naming the file and the
limit: deep YAML, aliases, too many values, huge files, huge CSV cells and rows, and alert
addresses or ids that are not what they should be."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from spcheck.domain.parse import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_SAMPLE_ROWS,
    MAX_TEXT_CHARS,
    parse_inspection,
    parse_policy,
    parse_sample,
)
from spcheck.errors import ConfigError, InputError
from spcheck.settings import load_settings
from tests.conftest import DEFAULT_POLICY, EXAMPLES, POLICIES, CliResult

LABEL = "inspections/odd-2026.yaml"


def one_line(error: pytest.ExceptionInfo[InputError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    assert error.value.exit_code == 2
    return message


def test_a_definition_nested_thousands_of_levels_deep_is_one_line() -> None:
    deep = "id: odd-2026\nextra: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(InputError) as refused:
        parse_inspection(deep, LABEL)
    assert one_line(refused) == f"{LABEL}: line 2: nested more than {MAX_DEPTH} levels deep"


def test_the_shipped_policy_is_well_inside_the_limits() -> None:
    parse_policy(DEFAULT_POLICY.read_text(), str(DEFAULT_POLICY))


def test_aliases_are_refused_before_they_can_multiply() -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(8)
    )
    with pytest.raises(InputError) as refused:
        parse_policy(laughs, "policies/laughs.yaml")
    assert "aliases (*name) are not accepted" in one_line(refused)


def test_too_many_values_and_too_much_text_are_refused() -> None:
    many = "id: odd-2026\nwaived: [" + ",".join(["x"] * (MAX_NODES + 10)) + "]\n"
    with pytest.raises(InputError) as refused:
        parse_inspection(many, LABEL)
    assert f"more than {MAX_NODES:,} values in one file" in one_line(refused)
    huge = "id: odd-2026\n# " + "x" * MAX_TEXT_CHARS + "\n"
    with pytest.raises(InputError) as refused:
        parse_inspection(huge, LABEL)
    assert one_line(refused).endswith(f"over the {MAX_TEXT_CHARS:,}-character limit")


def sample_text() -> str:
    return (EXAMPLES / "glenmorven-2026.sample.csv").read_text()


def policy() -> object:
    return parse_policy(DEFAULT_POLICY.read_text(), str(DEFAULT_POLICY))


def test_a_sample_cell_over_the_csv_limit_is_one_line_naming_file_and_limit() -> None:
    lines = sample_text().splitlines()
    lines[3] = "GM-" + "7" * 131_073 + ",sample,false"
    with pytest.raises(InputError) as refused:
        parse_sample("\n".join(lines) + "\n", "inspections/x.sample.csv", policy())  # type: ignore[arg-type]
    assert one_line(refused) == (
        "inspections/x.sample.csv: line 4: a cell over the 131,072-character limit"
    )


def test_a_nul_or_too_many_rows_in_a_sample_list_is_one_line() -> None:
    with pytest.raises(InputError) as refused:
        parse_sample(sample_text().replace("GM-9233", "GM-\x009233"), "s.csv", policy())  # type: ignore[arg-type]
    assert one_line(refused).startswith("s.csv: line 3, record_id: not a case reference")
    assert "\x00" not in str(refused.value)
    with pytest.raises(InputError) as refused:
        parse_sample(sample_text() + 'GM-1,"open quote\n', "s.csv", policy())  # type: ignore[arg-type]
    assert one_line(refused).startswith("s.csv: line 77: not valid CSV (unexpected end of data)")
    rows = sample_text() + "".join(f"ZZ-{n:05d},sample,false\n" for n in range(MAX_SAMPLE_ROWS))
    with pytest.raises(InputError) as refused:
        parse_sample(rows, "s.csv", policy())  # type: ignore[arg-type]
    assert f"more than {MAX_SAMPLE_ROWS:,} rows" in one_line(refused)


def test_the_cli_says_it_in_one_line_with_exit_code_2(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    inspections = tmp_path / "inspections"
    inspections.mkdir()
    for name in ("glenmorven-2026.yaml", "glenmorven-2026.sample.csv"):
        shutil.copy(EXAMPLES / name, inspections / name)
    env = {"SPCHECK_INSPECTIONS": str(inspections), "SPCHECK_POLICIES": str(POLICIES)}
    sample = inspections / "glenmorven-2026.sample.csv"
    lines = sample.read_text().splitlines()
    lines[3] = "GM-" + "7" * 200_000 + ",sample,false"
    sample.write_text("\n".join(lines) + "\n")
    result = run_cli("timeline", "glenmorven-2026", env=env)
    assert result.exit_code == 2
    assert result.stderr == (
        f"spcheck: {sample}: line 4: a cell over the 131,072-character limit\n"
    )
    sample.unlink()
    (inspections / "glenmorven-2026.yaml").write_text(
        "id: glenmorven-2026\nx: " + "[" * 3000 + "]" * 3000 + "\n"
    )
    result = run_cli("timeline", "glenmorven-2026", env=env)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "nested more than 32 levels deep" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("SPCHECK_ALERT_TO", "not-an-email", "address 1 of 1 is not an email address"),
        ("SPCHECK_ALERT_TO", "sso@ci.example, nobody", "address 2 of 2 is not an email address"),
        ("SPCHECK_ALERT_FROM", "not a mailbox", "not an email address"),
        ("SPCHECK_TENANT_ID", "contoso tenant/../x", "expected the directory (tenant) id"),
        ("SPCHECK_CLIENT_ID", "app id with spaces", "application (client) id"),
    ],
)
def test_addresses_and_ids_are_checked_when_settings_load(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    message = str(refused.value)
    assert message.startswith(f"{name}: ")
    assert reason in message
    assert refused.value.exit_code == 2
    if name.startswith("SPCHECK_ALERT"):
        assert value not in message  # an address is not repeated
