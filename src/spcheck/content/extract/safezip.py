"""OOXML packages read as zips under caps: entry count, total size, part size, inflate ratio.

Sizes come from the central directory; ``zipfile`` never inflates past an entry's
declared size (and fails its CRC check if the data says otherwise), so checking the
declared sizes before reading bounds what reading can cost.
"""

from __future__ import annotations

import lzma
import zipfile
import zlib
from io import BytesIO
from xml.etree.ElementTree import Element

from spcheck.content.extract import safexml
from spcheck.content.interface import Limits, MalformedFile, UnsafeFile


class SafeZip:
    """A zip whose every entry passed the caps; names are looked up case-insensitively."""

    def __init__(self, data: bytes, limits: Limits) -> None:
        try:
            self._zip = zipfile.ZipFile(BytesIO(data))
            infos = self._zip.infolist()
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            ValueError,
            EOFError,
            NotImplementedError,  # a zip version or feature zipfile does not know
        ):
            raise MalformedFile("not a readable zip package") from None
        if len(infos) > limits.max_entries:
            raise UnsafeFile(f"refused: {len(infos)} zip entries (cap {limits.max_entries})")
        total = 0
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise UnsafeFile("refused: a zip entry is encrypted")
            size = info.file_size
            ratio = size / max(info.compress_size, 1)
            if size >= limits.ratio_floor and ratio > limits.max_ratio:
                raise UnsafeFile(f"refused: a zip entry inflates {ratio:,.0f} times (zip bomb)")
            total += size
            if total > limits.max_total_uncompressed:
                raise UnsafeFile(f"refused: the package inflates past {total:,} bytes")
            key = info.filename.lstrip("/").lower()
            if key in self._infos:
                raise MalformedFile("a package with two parts of the same name")
            self._infos[key] = info
        self._max_part = limits.max_part_bytes
        self.names: tuple[str, ...] = tuple(
            info.filename.lstrip("/") for info in self._infos.values()
        )

    def has(self, name: str) -> bool:
        return name.lower() in self._infos

    def size(self, name: str) -> int:
        return self._infos[name.lower()].file_size

    def read(self, name: str) -> bytes:
        info = self._infos.get(name.lower())
        if info is None:
            raise MalformedFile(f"{name}: part missing from the package")
        # Checked when read, not on opening: a large video the checks never read is harmless.
        if info.file_size > self._max_part:
            raise UnsafeFile(f"refused: the part {name} inflates to {info.file_size:,} bytes")
        try:
            with self._zip.open(info) as stream:
                data = stream.read(info.file_size + 1)
        except (
            zipfile.BadZipFile,
            OSError,
            ValueError,
            EOFError,
            NotImplementedError,
            zlib.error,  # a damaged deflate stream
            lzma.LZMAError,
        ):
            raise MalformedFile(f"{name}: a corrupt zip entry") from None
        if len(data) != info.file_size:
            raise UnsafeFile(f"{name}: inflated size differs from the declared size")
        return data

    def xml(self, name: str) -> Element:
        return safexml.parse(self.read(name), name)

    def xml_or_none(self, name: str) -> Element | None:
        return self.xml(name) if self.has(name) else None
