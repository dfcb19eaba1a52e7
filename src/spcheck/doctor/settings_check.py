"""The first doctor check: every SPCHECK_ setting as spcheck reads it, and the credentials
the ``auto`` chain will try. Values are shown as an administrator may paste them into a
ticket: secrets as set or not, ids and addresses masked, a storage connection string as
its account name only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from spcheck.doctor.interface import CheckResult, failed, passed, section
from spcheck.domain.findings import mask
from spcheck.errors import ConfigError
from spcheck.settings import ENV_PREFIX, AuthMode, Settings, load_settings

_SECRETS = frozenset({"client_secret", "certificate_password"})
_MASKED = frozenset({"tenant_id", "client_id", "alert_from"})
_WHY = {
    AuthMode.MANAGED_IDENTITY: "IDENTITY_ENDPOINT is set",
    AuthMode.CERTIFICATE: "SPCHECK_CERTIFICATE_PATH is set",
    AuthMode.SECRET: "SPCHECK_CLIENT_SECRET is set",
    AuthMode.CLI: "an Azure CLI sign-in, if there is one",
}


def shown(name: str, value: object) -> str:
    """A setting's value as the doctor prints it."""
    if value is None:
        return "not set"
    if name in _SECRETS:
        return "set (not shown)"
    text = str(value)
    if name in _MASKED:
        return mask(text)
    if name == "alert_to":
        return ", ".join(mask(part.strip()) for part in text.split(",") if part.strip())
    if name == "state" and text.startswith("azure-table:"):
        from spcheck.store.azure_connection import parse_connection

        try:
            account = parse_connection(text[len("azure-table:") :]).shown
        except ConfigError:
            return "azure-table:<not a valid connection string>"
        return f"azure-table:{account} (key not shown)"
    return text


def _dotenv_names(path: Path = Path(".env")) -> set[str]:
    if not path.is_file():
        return set()
    from dotenv import dotenv_values

    return {name.upper() for name in dotenv_values(path)}


def describe_auth(settings: Settings, environ: Mapping[str, str]) -> str:
    """Which credential will be used: the mode, or the order ``auto`` will try them in."""
    modes = settings.resolve_auth(environ)
    if settings.auth is not AuthMode.AUTO:
        return settings.auth.value
    tried = [f"{mode.value} ({_WHY[mode]})" for mode in modes]
    return "auto: " + ", then ".join(tried)


def check_settings(
    environ: Mapping[str, str] | None = None, given: Settings | None = None
) -> tuple[CheckResult, Settings | None]:
    """The settings check, and the settings for the other checks (None when they are broken)."""
    env = os.environ if environ is None else environ
    configure = section("configure-spcheck")
    try:
        settings = given if given is not None else load_settings()
    except ConfigError as error:
        return failed("settings", str(error), "correct that setting", configure), None
    try:
        settings.site_parts()
        auth = describe_auth(settings, env)
    except ConfigError as error:
        return failed("settings", str(error), "set it as the runbook shows", configure), None
    from_file = _dotenv_names()
    details: dict[str, str] = {}
    for name in Settings.model_fields:
        variable = f"{ENV_PREFIX}{name.upper()}"
        source = (
            "environment" if variable in env else ".env" if variable in from_file else "default"
        )
        details[variable] = f"{shown(name, getattr(settings, name))} ({source})"
    if bool(settings.alert_to) != bool(settings.alert_from):
        missing = "SPCHECK_ALERT_FROM" if settings.alert_to else "SPCHECK_ALERT_TO"
        result = failed(
            "settings",
            f"{missing}: not set; alerts need both SPCHECK_ALERT_TO and SPCHECK_ALERT_FROM",
            f"set {missing}, or unset the other to send no mail",
            configure,
        )
        return replace(result, details=details), None
    return passed("settings", f"credential {auth}; site {settings.site}", **details), settings
