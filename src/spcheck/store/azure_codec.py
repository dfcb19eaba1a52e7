"""How spcheck's records become Azure Table entities: keys, sortable numbers, long text.

Table keys may not hold ``/ \\ # ?`` or control characters and are at most 1 KiB;
a string property holds at most 32K UTF-16 units and an entity at most 1 MiB.
Every original id is also kept as a property, so nothing depends on reading a
key back.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

from spcheck.store.interface import StoreError

# A key longer than this (after escaping) is replaced by its digest: Table keys stop at 1 KiB.
MAX_KEY_BYTES = 512
# Text up to this many characters is kept readable; a string property holds 32K UTF-16 units,
# and a character outside the BMP takes two of them.
PLAIN_TEXT_CHARS = 16_000
BINARY_CHUNK = 60_000  # bytes per Edm.Binary property (limit 64 KiB)
MAX_COMPRESSED = 800_000  # leaves room in the 1 MiB entity for the other properties

_FORBIDDEN = frozenset("/\\#?%")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class TooLarge(StoreError):
    """A value that does not fit in one Table entity, even compressed."""


def key(value: str) -> str:
    """A PartitionKey or RowKey for ``value``: forbidden characters (and ``%``) percent-escaped."""
    escaped = "".join(
        f"%{ord(ch):02X}" if ch in _FORBIDDEN or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F else ch
        for ch in value
    )
    if len(escaped.encode("utf-8")) > MAX_KEY_BYTES:
        # "%H" cannot come out of the escaping above (a literal % is always %25).
        return "%H" + hashlib.sha256(value.encode("utf-8")).hexdigest()
    return escaped


def digest_key(value: str) -> str:
    """A fixed-length key for values that may be long and carry any character."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def micros(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime, exactly (no float rounding)."""
    return (moment.astimezone(UTC) - _EPOCH) // _MICROSECOND


def newest_first(moment: datetime) -> str:
    """A fixed-width text that sorts later instants first."""
    return f"{10**17 - micros(moment):018d}"


def highest_first(number: int) -> str:
    """A fixed-width text that sorts larger numbers first."""
    return f"{10**15 - number:016d}"


def aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return value


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def when(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def number(value: object) -> int | None:
    """An Int32 comes back as int, an Int64 as an EntityProperty holding one."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    inner = getattr(value, "value", None)
    if isinstance(inner, int):
        return inner
    raise StoreError(f"state store: expected a number, found {type(value).__name__}")


def int64(value: int | None) -> Any:
    """An Edm.Int64 property (the SDK refuses a Python int above 2**31 otherwise)."""
    if value is None:
        return None
    from azure.data.tables import EdmType, EntityProperty

    return EntityProperty(value, EdmType.INT64)


def put_text(entity: MutableMapping[str, Any], name: str, text: str) -> None:
    """Store ``text`` readable when short, else zlib-compressed across binary properties."""
    if len(text) <= PLAIN_TEXT_CHARS:
        entity[name] = text
        return
    packed = zlib.compress(text.encode("utf-8"), 6)
    if len(packed) > MAX_COMPRESSED:
        raise TooLarge(
            f"state store: {name} is too large for one table entity "
            f"({len(text)} characters, {len(packed)} bytes compressed)"
        )
    chunks = [packed[i : i + BINARY_CHUNK] for i in range(0, len(packed), BINARY_CHUNK)]
    entity[f"{name}_z"] = len(chunks)
    for index, chunk in enumerate(chunks):
        entity[f"{name}_z{index}"] = chunk


def get_text(entity: Mapping[str, Any], name: str, default: str = "") -> str:
    plain = entity.get(name)
    if isinstance(plain, str):
        return plain
    count = number(entity.get(f"{name}_z"))
    if count is None:
        return default
    packed = b"".join(bytes(entity[f"{name}_z{index}"]) for index in range(count))
    try:
        return zlib.decompress(packed).decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as error:
        raise StoreError(f"state store: {name} is damaged ({type(error).__name__})") from None
