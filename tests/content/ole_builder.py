"""OLE compound files written by the tests, as Word stores an embedded object.

The tests need OLE objects with chosen streams (an OLE Package, an Office document kept
whole, an Acrobat document) and none ship with the project, so they are written here
byte by byte ([MS-CFB] version 3, 512-byte sectors). A stream of 4,096 bytes or more
sits in regular sectors; a smaller one in the mini stream, as Office puts it, so that
every stream keeps its true size (olefile reads a stream smaller than the cutoff from
the mini stream whatever sectors it names).
"""

from __future__ import annotations

import struct

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SECTOR = 512
_MINI_SECTOR = 64
_CUTOFF = 4096  # streams below this size live in the mini stream
_END, _FREE, _FAT_SECTOR = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
_ENTRY = 128


def _sectors(size: int, unit: int) -> int:
    return -(-size // unit)


def _chain(start: int, count: int) -> list[int]:
    """FAT (or mini FAT) entries for ``count`` sectors from ``start``, one after another."""
    return [start + i + 1 for i in range(count - 1)] + [_END] if count else []


def _entry(name: str, kind: int, start: int, size: int, child: int, right: int) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0"
    record = bytearray(_ENTRY)
    record[0 : len(raw)] = raw
    struct.pack_into("<HBB", record, 64, len(raw), kind, 1)  # black in the red-black tree
    struct.pack_into("<III", record, 68, _FREE, right, child)
    struct.pack_into("<II", record, 116, start, size)
    return bytes(record)


def ole_compound(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file holding ``streams`` (name -> content) at its root. Office
    balances the directory as a red-black tree; a chain of right siblings (the first the
    root's child) is as valid to a reader and keeps the writer short."""
    small = {name: data for name, data in streams.items() if len(data) < _CUTOFF}
    large = {name: data for name, data in streams.items() if len(data) >= _CUTOFF}

    # The mini stream: small streams in 64-byte mini sectors, chained in the mini FAT.
    mini_start: dict[str, int] = {}
    mini_fat: list[int] = []
    mini_stream = b""
    for name, data in small.items():
        count = _sectors(len(data), _MINI_SECTOR)
        mini_start[name] = len(mini_fat) if count else _END
        mini_fat += _chain(len(mini_fat), count)
        mini_stream += data.ljust(count * _MINI_SECTOR, b"\0")

    entries = 1 + len(streams)
    dir_sectors = _sectors(entries * _ENTRY, _SECTOR)
    mini_fat_sectors = _sectors(len(mini_fat) * 4, _SECTOR)
    container_sectors = _sectors(len(mini_stream), _SECTOR)
    data_sectors = sum(_sectors(len(data), _SECTOR) for data in large.values())
    rest = dir_sectors + mini_fat_sectors + container_sectors + data_sectors
    fat_sectors = 1
    while fat_sectors * (_SECTOR // 4) < fat_sectors + rest:
        fat_sectors += 1
    assert fat_sectors <= 109, "more FAT sectors than the header's DIFAT holds"

    # Regular sectors in order: FAT, directory, mini FAT, mini stream, large streams.
    fat = [_FAT_SECTOR] * fat_sectors
    first_dir = len(fat)
    fat += _chain(first_dir, dir_sectors)
    first_mini_fat = len(fat) if mini_fat_sectors else _END
    fat += _chain(len(fat), mini_fat_sectors)
    container_start = len(fat) if container_sectors else _END
    fat += _chain(len(fat), container_sectors)
    large_start: dict[str, int] = {}
    for name, data in large.items():
        large_start[name] = len(fat)
        fat += _chain(len(fat), _sectors(len(data), _SECTOR))
    fat += [_FREE] * (fat_sectors * (_SECTOR // 4) - len(fat))

    header = bytearray(_SECTOR)
    header[0:8] = OLE_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into(
        "<IIIIIIIII",
        header,
        40,
        0,  # directory sectors: always 0 in version 3
        fat_sectors,
        first_dir,
        0,  # transaction signature
        _CUTOFF,
        first_mini_fat,
        mini_fat_sectors,
        _END,  # no DIFAT sectors beyond the header's 109 entries
        0,
    )
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    struct.pack_into("<109I", header, 76, *difat)

    names = list(streams)
    directory = _entry(
        "Root Entry", 5, container_start, len(mini_stream), 1 if names else _FREE, _FREE
    )
    for index, name in enumerate(names, start=1):
        start = mini_start[name] if name in small else large_start[name]
        right = index + 1 if index < len(names) else _FREE
        directory += _entry(name, 2, start, len(streams[name]), _FREE, right)
    directory = directory.ljust(dir_sectors * _SECTOR, b"\0")

    def padded(data: bytes) -> bytes:
        return data.ljust(_sectors(len(data), _SECTOR) * _SECTOR, b"\0")

    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    mini_fat_bytes += struct.pack("<I", _FREE) * (mini_fat_sectors * (_SECTOR // 4) - len(mini_fat))
    return (
        bytes(header)
        + struct.pack(f"<{len(fat)}I", *fat)
        + directory
        + mini_fat_bytes
        + padded(mini_stream)
        + b"".join(padded(data) for data in large.values())
    )


def ole10native(
    label: str,
    data: bytes,
    source: str | None = None,
    temporary: str | None = None,
) -> bytes:
    """An ``\\x01Ole10Native`` stream of an OLE Package holding ``data`` ([MS-OLEDS] 2.3.6,
    as Office writes it for "Create from file"): the size of the rest, flags 2, the
    label, the source path, two 16-bit values, the temporary path with its length, the
    data with its size."""
    source = source if source is not None else f"C:\\Users\\sso\\Documents\\{label}"
    temporary = (
        temporary if temporary is not None else f"C:\\Users\\sso\\AppData\\Local\\Temp\\{label}"
    )
    path = temporary.encode("cp1252") + b"\0"
    body = (
        struct.pack("<H", 2)
        + label.encode("cp1252")
        + b"\0"
        + source.encode("cp1252")
        + b"\0"
        + struct.pack("<HHI", 0, 3, len(path))
        + path
        + struct.pack("<I", len(data))
        + data
    )
    return struct.pack("<I", len(body)) + body
