"""OLE objects: the file an embedded OLE object wraps, so it can be checked like any other.

Word and Excel store "Insert > Object > Create from file" as an OLE compound file
(``oleObject1.bin``) whose content is recoverable: an OLE Package holding the file as
it was (``\\x01Ole10Native``), an Office document kept whole (``Package``) or an Acrobat
document (``CONTENTS``). Left unread, each would make its container unverifiable; read,
the file inside goes through the same extraction, caps and nesting limit as any other
embedded object (the caller's job: this module only unwraps, and never recurses).

Everything here is untrusted: a length is checked against the stream it claims to
measure before it is used, and whatever olefile raises on a hostile file becomes a
reason, never an exception. The label an OLE Package shows under its icon is the
partnership's text (often a child's name): it only tells the inner file's type, and
the name handed back carries nothing of it but a known extension.
"""

from __future__ import annotations

import io
import struct

from spcheck.content.extract import type_from_name

# Why an object was not opened: safe to print, since none quotes the object.
UNKNOWN_KIND = "an OLE object of a kind spcheck does not open"
DAMAGED = "a damaged OLE object, which spcheck could not read"
DAMAGED_PACKAGE = "an OLE package whose content could not be read (damaged)"

# What the inner file is called for the extractor: the type, and nothing of the label.
INNER_NAME = "embedded object"

_NATIVE = "\x01Ole10Native"
_PACKAGE = "Package"
_CONTENTS = "CONTENTS"
_ZIP = b"PK\x03\x04"
_PDF = b"%PDF-"
# MS-OLEDS 2.3.6: the OLENativeStream of an OLE Package starts with this 16-bit value,
# then the label; any other value is raw native data of some other OLE 1.0 class.
_PACKAGE_FLAGS = 2
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")


class _Damaged(Exception):
    """A length or terminator in an OLENativeStream that the stream cannot hold."""


class _Reader:
    """Reads an OLENativeStream forward; every read is checked against what is left,
    so a hostile length is a ``_Damaged``, not a slice past the end or a huge copy."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, size: int) -> bytes:
        if size < 0 or self.at + size > len(self.data):
            raise _Damaged
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def u16(self) -> int:
        value: int = _U16.unpack(self.take(2))[0]
        return value

    def u32(self) -> int:
        value: int = _U32.unpack(self.take(4))[0]
        return value

    def zero_terminated(self) -> bytes:
        end = self.data.find(b"\0", self.at)
        if end < 0:
            raise _Damaged
        text = self.data[self.at : end]
        self.at = end + 1
        return text


def _inner_name(*names: bytes) -> str:
    """The extractor needs the extension to tell text from CSV, and nothing else: so the
    name is ``embedded object`` plus the first known extension among ``names`` (label,
    source path, temporary path), and no other character of them can reach a finding."""
    for raw in names:
        name = raw.decode("latin-1").replace("\\", "/").rpartition("/")[2]
        if type_from_name(name) != "other":
            return f"{INNER_NAME}.{name.rpartition('.')[2].lower()}"
    return INNER_NAME


def native_file(stream: bytes) -> tuple[str, bytes] | str:
    """The file an OLE Package holds: "Create from file" of any type keeps the file whole
    in its ``\\x01Ole10Native`` stream, behind a header read here field by field.

    The layout (MS-OLEDS 2.3.6, as Apache POI's ``Ole10Native`` and oletools'
    ``OleNativeStream`` read it): uint32 size of the rest; uint16 flags (2 for a
    package); the label (zero-terminated); the source path (zero-terminated); two
    uint16 (oletools: one uint32) of unknown use; uint32 length of the temporary
    path; the temporary path (zero-terminated); uint32 size of the data; the data.
    What may follow (Unicode copies of the paths) is not needed.
    """
    reader = _Reader(stream)
    try:
        total = reader.u32()
        if total > len(stream) - reader.at:
            return DAMAGED_PACKAGE
        # Every later read stays inside the size the stream declares for itself.
        reader = _Reader(reader.take(total))
        if reader.u16() != _PACKAGE_FLAGS:
            return UNKNOWN_KIND
        label = reader.zero_terminated()
        source = reader.zero_terminated()
        reader.take(4)
        # The length of the temporary path repeats its terminator: the terminator rules.
        reader.u32()
        temporary = reader.zero_terminated()
        data = reader.take(reader.u32())
    except _Damaged:
        return DAMAGED_PACKAGE
    return _inner_name(label, source, temporary), data


def inner_file(data: bytes) -> tuple[str, bytes] | str:
    """The file inside the OLE object ``data`` (a name telling only its type, its bytes), or
    why there is none. Only unwrapping happens here, so that the caller reads the file
    under the same caps and nesting limit as one embedded directly."""
    import olefile  # here, not at the top: commands that never scan do not pay for it

    try:
        # Bytes shorter than 1,536 would be taken for a path: always hand olefile a file.
        # DEFECT_INCORRECT: a structure that breaks the format is refused, not patched up.
        with olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT) as ole:
            streams = {
                path[0].lower(): path[0]
                for path in ole.listdir(streams=True, storages=False)
                if len(path) == 1
            }

            def read(name: str) -> bytes:
                # olefile caps its FAT at the file's own sectors, so no stream can be
                # longer than the object: a larger declared size is a damaged object.
                if ole.get_size(name) > len(data):
                    raise _Damaged
                with ole.openstream(name) as stream:
                    content: bytes = stream.read()
                return content

            if _PACKAGE.lower() in streams:
                package = read(streams[_PACKAGE.lower()])
                return (INNER_NAME, package) if package.startswith(_ZIP) else UNKNOWN_KIND
            if _CONTENTS.lower() in streams:
                contents = read(streams[_CONTENTS.lower()])
                return (INNER_NAME, contents) if contents.startswith(_PDF) else UNKNOWN_KIND
            if _NATIVE.lower() in streams:
                return native_file(read(streams[_NATIVE.lower()]))
            return UNKNOWN_KIND
    except MemoryError:
        raise  # the sandbox's memory cap at work: it reports the file, not this module
    except Exception:
        # olefile on a hostile file can raise almost anything (OleFileError, OSError,
        # ValueError, struct.error, IndexError, RecursionError in a deep directory...):
        # each is an object that was not read, a gap rather than a failed scan.
        return DAMAGED
