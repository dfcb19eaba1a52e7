"""The Azure Storage connection string behind ``SPCHECK_STATE=azure-table:...``.

It is checked before any network call (a malformed one is a ``ConfigError``
naming SPCHECK_STATE), and shown only as its account name: the key or SAS
token it carries never reaches a message, a ``location`` or a log line.
``UseDevelopmentStorage=true`` means the local emulator (Azurite) on its
default ports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from spcheck.errors import ConfigError

# The fixed, published development account of every Azure Storage emulator; not a secret.
DEV_ACCOUNT = "devstoreaccount1"
DEV_ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
DEV_TABLE_ENDPOINT = "http://127.0.0.1:10002/devstoreaccount1"
DEV_BLOB_ENDPOINT = "http://127.0.0.1:10000/devstoreaccount1"
DEV_QUEUE_ENDPOINT = "http://127.0.0.1:10001/devstoreaccount1"

_EXPECTED = (
    "expected azure-table:<Azure Storage connection string> with AccountName and AccountKey "
    "(or a SharedAccessSignature and TableEndpoint), or azure-table:UseDevelopmentStorage=true"
)


@dataclass(frozen=True, slots=True)
class StorageConnection:
    """A parsed connection string; ``value`` is the secret-bearing text (never shown)."""

    account: str
    value: str = field(repr=False)

    @property
    def shown(self) -> str:
        return self.account


def _fail(reason: str, variable: str) -> ConfigError:
    return ConfigError(f"{variable}: {reason}; {_EXPECTED}")


def parse_connection(text: str, variable: str = "SPCHECK_STATE") -> StorageConnection:
    """Parse and check a connection string; never echoes any part of it but the account."""
    parts: dict[str, str] = {}
    for piece in text.strip().split(";"):
        if not piece.strip():
            continue
        name, sep, value = piece.partition("=")
        if not sep or not name.strip():
            raise _fail("a part of the connection string is not Name=Value", variable)
        parts[name.strip().lower()] = value.strip()
    if parts.get("usedevelopmentstorage", "").lower() == "true":
        value = (
            f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};"
            f"AccountKey={DEV_ACCOUNT_KEY};BlobEndpoint={DEV_BLOB_ENDPOINT};"
            f"QueueEndpoint={DEV_QUEUE_ENDPOINT};TableEndpoint={DEV_TABLE_ENDPOINT};"
        )
        return StorageConnection(DEV_ACCOUNT, value)
    account = parts.get("accountname", "")
    endpoint = parts.get("tableendpoint", "")
    has_key = bool(parts.get("accountkey"))
    has_sas = bool(parts.get("sharedaccesssignature"))
    if not (has_key or has_sas):
        raise _fail("the connection string has no AccountKey or SharedAccessSignature", variable)
    if has_key and not account:
        raise _fail("the connection string has an AccountKey but no AccountName", variable)
    if not account:
        if not endpoint:
            raise _fail("the connection string has neither AccountName nor TableEndpoint", variable)
        account = (urlsplit(endpoint).hostname or "").split(".")[0]
        if not account:
            raise _fail("TableEndpoint is not a URL", variable)
    protocol = parts.get("defaultendpointsprotocol", "https").lower()
    if protocol not in ("http", "https"):
        raise _fail("DefaultEndpointsProtocol must be http or https", variable)
    return StorageConnection(account, text.strip())
