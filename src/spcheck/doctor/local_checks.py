"""The doctor's checks that do not touch Graph: the state store and the policy files."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from spcheck.doctor.interface import CheckResult, failed, passed, section, warned
from spcheck.errors import ConfigError, InputError
from spcheck.settings import Settings
from spcheck.store.factory import AZURE_PREFIX, open_store, sqlite_path
from spcheck.store.interface import StoreError


def check_state(settings: Settings) -> CheckResult:
    if settings.state.startswith(AZURE_PREFIX):
        return _azure_state(settings.state)
    here = section("doctor-state")
    path_text = sqlite_path(settings.state)
    if path_text == ":memory:":
        return warned(
            "state",
            "SPCHECK_STATE is an in-memory database: nothing is remembered between runs",
            "set SPCHECK_STATE=sqlite:///path/to/spcheck-state.db",
            here,
        )
    path = Path(path_text)
    directory = path.parent
    if not directory.is_dir():
        return failed(
            "state",
            f"SPCHECK_STATE: the directory {directory} does not exist",
            "create the directory, or point SPCHECK_STATE at one that exists",
            here,
        )
    if not os.access(directory, os.W_OK):
        return failed(
            "state",
            f"SPCHECK_STATE: the directory {directory} cannot be written (SQLite needs to "
            "write its journal beside the file)",
            "give the account that runs spcheck write access to it",
            here,
        )
    if not path.exists():
        try:
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".spcheck-doctor-"):
                pass
        except OSError as error:
            return failed(
                "state",
                f"SPCHECK_STATE: cannot create a file in {directory} ({error.strerror})",
                "give the account that runs spcheck write access to it",
                here,
            )
        return passed("state", f"{path} does not exist yet; the first run creates it there")
    try:
        with open_store(settings.state):
            pass
    except (StoreError, ConfigError) as error:
        return failed("state", str(error), "point SPCHECK_STATE at spcheck's state file", here)
    if not os.access(path, os.W_OK):
        return failed(
            "state",
            f"SPCHECK_STATE: {path} is read-only",
            "give the account that runs spcheck write access to it",
            here,
        )
    return passed("state", f"{path}: spcheck's state, readable and writable")


def _azure_state(setting: str) -> CheckResult:
    from spcheck.store.azure_table import AzureTableStore

    here = section("doctor-state")
    try:
        store = open_store(setting)
    except ConfigError as error:
        return failed("state", str(error), "correct SPCHECK_STATE", here)
    except StoreError as error:
        return failed(
            "state",
            str(error),
            "check the account name, key and network access to Table Storage",
            here,
            exit_code=3,
        )
    try:
        assert isinstance(store, AzureTableStore)
        store.check_lease()
        where = store.location
    except StoreError as error:
        return failed(
            "state",
            str(error),
            "check the account's permissions (the key or SAS must allow update and delete)",
            here,
            exit_code=3,
        )
    finally:
        store.close()
    return passed("state", f"{where}: tables reachable, write lease taken and given back")


def check_policy(settings: Settings) -> CheckResult:
    from spcheck.loader import load_all, load_policies, policies_dir

    try:
        policies = load_policies(policies_dir(settings.policies))
        loaded = load_all(settings.inspections, policies)
    except InputError as error:
        return failed(
            "policy",
            str(error),
            "correct the file named, then run spcheck policy validate",
            "runbooks/new-inspection.md#2-check-it",
        )
    with_samples = sum(1 for item in loaded if item.sample is not None)
    return passed(
        "policy",
        f"{len(policies)} polic{'y' if len(policies) == 1 else 'ies'} and {len(loaded)} "
        f"inspection definition(s) valid ({with_samples} with a sample list)",
    )
