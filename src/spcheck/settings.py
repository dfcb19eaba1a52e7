"""Settings from SPCHECK_* environment variables or a .env file (docs/configuration.md).

A missing or malformed setting becomes one ``ConfigError`` line that names the
variable and what it expects; secrets are ``SecretStr`` and never reach any
message, ``repr`` or log.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from spcheck.domain.inspection import is_email_address
from spcheck.errors import ConfigError

ENV_PREFIX = "SPCHECK_"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
# What azure-identity accepts as a tenant: a directory id (a GUID) or a domain name.
_TENANT = re.compile(r"[A-Za-z0-9.-]{1,253}")
# An app registration's client id is a GUID; a name of the same characters is let through.
_CLIENT = re.compile(r"[A-Za-z0-9._-]{1,128}")
MAX_ALERT_RECIPIENTS = 50


class AuthMode(StrEnum):
    AUTO = "auto"
    MANAGED_IDENTITY = "managed-identity"
    CERTIFICATE = "certificate"
    SECRET = "secret"  # noqa: S105 - the name of a mode, not a secret
    CLI = "cli"
    NONE = "none"


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """All of spcheck's configuration. Field names map to SPCHECK_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
    )

    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    certificate_path: Path | None = None
    certificate_password: SecretStr | None = None
    auth: AuthMode = AuthMode.AUTO
    site: str | None = None
    graph_url: str = DEFAULT_GRAPH_URL
    root_folder: str = "Inspections"
    inspections: Path = Path("./inspections")
    policies: Path = Path("./policies")
    state: str = "sqlite:///spcheck-state.db"
    ru_per_minute: int = Field(default=600, ge=10, le=100_000)
    concurrency: int = Field(default=4, ge=1, le=32)
    alert_to: str | None = None
    alert_from: str | None = None
    trace: Path | None = None
    # Who is at the keyboard: named on acceptances, attestations and every audited change
    # (--by overrides it); --apply needs one.
    operator: str | None = None
    # Change notifications (docs/notifications.md).
    notify_url: SecretStr | None = None
    notify_secret: SecretStr | None = None
    notify_debounce: float = Field(default=5.0, ge=0.0, le=60.0)
    safety_net_minutes: int = Field(default=120, ge=15, le=1440)

    @field_validator("site")
    @classmethod
    def _site_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, sep, path = value.partition(":")
        if (
            not sep
            or not host
            or "." not in host
            or not path.startswith("/sites/")
            or len(path) <= 7
        ):
            raise ValueError(
                "expected hostname:/sites/path, e.g. contoso.sharepoint.com:/sites/inspections"
            )
        return value

    @field_validator("graph_url")
    @classmethod
    def _graph_url_shape(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("expected an https URL such as https://graph.microsoft.com/v1.0")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            raise ValueError(
                "http is accepted only for loopback (localhost, 127.0.0.1, ::1); use https"
            )
        return value.rstrip("/")

    @field_validator("root_folder")
    @classmethod
    def _root_folder_shape(cls, value: str) -> str:
        cleaned = value.strip("/")
        if not cleaned or any(ch in cleaned for ch in '"*:<>?\\|#%'):
            raise ValueError(
                'expected a folder path under the drive root without " * : < > ? \\ | # %'
            )
        return cleaned

    @field_validator("state")
    @classmethod
    def _state_shape(cls, value: str) -> str:
        if value.startswith("sqlite:///") and len(value) > len("sqlite:///"):
            return value
        if value.startswith("azure-table:") and len(value) > len("azure-table:"):
            return value
        raise ValueError("expected sqlite:///path.db or azure-table:<connection string>")

    @field_validator("operator")
    @classmethod
    def _operator_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        cleaned = value.strip()
        if not cleaned or len(cleaned) > 200 or not cleaned.isprintable():
            raise ValueError("expected a name of 1 to 200 printable characters")
        return cleaned

    @field_validator("notify_url")
    @classmethod
    def _notify_url_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        parts = urlsplit(value.get_secret_value().strip())
        loopback_http = parts.scheme == "http" and is_loopback_host(parts.hostname)
        if not parts.hostname or not (parts.scheme == "https" or loopback_http):
            raise ValueError(
                "expected the https URL of spcheck's notification endpoint, e.g. "
                "https://<app>.azurewebsites.net/api/notify?code=<function key> "
                "(plain http only on loopback)"
            )
        return value

    @field_validator("notify_secret")
    @classmethod
    def _notify_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < 32:
            raise ValueError("expected at least 32 random characters")
        return value

    @field_validator("client_id", "tenant_id")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("tenant_id")
    @classmethod
    def _tenant_shape(cls, value: str | None) -> str | None:
        if value is not None and not _TENANT.fullmatch(value):
            raise ValueError(
                "expected the directory (tenant) id, a GUID such as "
                "00000000-0000-0000-0000-000000000000, or the tenant's domain name"
            )
        return value

    @field_validator("client_id")
    @classmethod
    def _client_shape(cls, value: str | None) -> str | None:
        if value is not None and not _CLIENT.fullmatch(value):
            raise ValueError(
                "expected the app registration's application (client) id, a GUID such as "
                "00000000-0000-0000-0000-000000000000"
            )
        return value

    @field_validator("alert_to")
    @classmethod
    def _alert_to_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        addresses = [part.strip() for part in value.split(",")]
        if not any(addresses):
            raise ValueError("empty; expected one address or several separated by commas")
        if len(addresses) > MAX_ALERT_RECIPIENTS:
            raise ValueError(f"{len(addresses)} addresses; at most {MAX_ALERT_RECIPIENTS}")
        for number, address in enumerate(addresses, start=1):
            if not is_email_address(address):
                # The value is not repeated: it may be someone's address.
                raise ValueError(
                    f"address {number} of {len(addresses)} is not an email address "
                    "(expected name@domain, several separated by commas)"
                )
        return ",".join(addresses)

    @field_validator("alert_from")
    @classmethod
    def _alert_from_shape(cls, value: str | None) -> str | None:
        if value is not None and not is_email_address(value.strip()):
            raise ValueError(
                "not an email address; expected the mailbox alerts are sent from "
                "(name@domain, one address)"
            )
        return value.strip() if value is not None else None

    def __repr__(self) -> str:  # SecretStr already masks; keep repr short and safe
        shown = {
            k: v
            for k, v in self.__dict__.items()
            if k not in ("client_secret", "certificate_password", "notify_url", "notify_secret")
        }
        return f"Settings({shown!r})"

    def site_parts(self) -> tuple[str, str]:
        """Hostname and server-relative path of the inspection site."""
        if self.site is None:
            raise ConfigError(
                "SPCHECK_SITE: not set; expected hostname:/sites/path of the inspection site"
            )
        host, _, path = self.site.partition(":")
        return host, path

    def resolve_auth(self, environ: Mapping[str, str] | None = None) -> list[AuthMode]:
        """The credential modes to try, in order; ``auto`` is docs/configuration.md's order."""
        env = os.environ if environ is None else environ
        if self.auth is not AuthMode.AUTO:
            self._require_for(self.auth)
            return [self.auth]
        modes: list[AuthMode] = []
        if env.get("IDENTITY_ENDPOINT") or env.get("MSI_ENDPOINT"):
            modes.append(AuthMode.MANAGED_IDENTITY)
        if self.certificate_path is not None:
            modes.append(AuthMode.CERTIFICATE)
        if self.client_secret is not None:
            modes.append(AuthMode.SECRET)
        modes.append(AuthMode.CLI)
        for mode in modes:
            if mode in (AuthMode.CERTIFICATE, AuthMode.SECRET):
                self._require_for(mode)
        return modes

    def _require_for(self, mode: AuthMode) -> None:
        if mode in (AuthMode.CERTIFICATE, AuthMode.SECRET):
            for name in ("tenant_id", "client_id"):
                if getattr(self, name) is None:
                    raise ConfigError(
                        f"{ENV_PREFIX}{name.upper()}: not set; {mode.value} authentication needs it"
                    )
        if mode is AuthMode.CERTIFICATE:
            if self.certificate_path is None:
                raise ConfigError(
                    "SPCHECK_CERTIFICATE_PATH: not set; certificate authentication needs it"
                )
            if not self.certificate_path.is_file():
                raise ConfigError(
                    f"SPCHECK_CERTIFICATE_PATH: {self.certificate_path} is not a readable file"
                )
        if mode is AuthMode.SECRET and self.client_secret is None:
            raise ConfigError("SPCHECK_CLIENT_SECRET: not set; secret authentication needs it")
        if mode is AuthMode.NONE and not is_loopback_host(urlsplit(self.graph_url).hostname):
            raise ConfigError(
                "SPCHECK_AUTH: 'none' is allowed only with a loopback "
                "SPCHECK_GRAPH_URL (the emulator)"
            )


def _describe(error: ValidationError) -> str:
    first = error.errors(include_input=False, include_url=False)[0]
    field = str(first["loc"][0]) if first["loc"] else "settings"
    reason = str(first["msg"]).removeprefix("Value error, ")
    return f"{ENV_PREFIX}{field.upper()}: {reason}"


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and .env; a bad value raises a one-line ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
    except UnicodeDecodeError:
        raise ConfigError(".env: not UTF-8 text; save it as UTF-8") from None
    except OSError as error:
        raise ConfigError(f".env: cannot be read ({error.strerror or error})") from None
