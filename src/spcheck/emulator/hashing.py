"""QuickXorHash, the only file hash SharePoint and OneDrive for Business return.

The algorithm is Microsoft's published one: each byte is XORed into a 160-bit
circular register at a bit offset that advances by 11 per byte, and the length is
XORed into the last eight bytes. Bytes whose offsets coincide (every 160th byte)
are folded together first, so a file costs one big-integer XOR per 160 bytes.
"""

from __future__ import annotations

import base64

_WIDTH_BITS = 160
_WIDTH_BYTES = _WIDTH_BITS // 8
_SHIFT = 11
_MASK = (1 << _WIDTH_BITS) - 1


def quick_xor_hash(data: bytes) -> str:
    """Base64 QuickXorHash of ``data``, as Graph reports in ``file.hashes.quickXorHash``."""
    folded = 0
    for start in range(0, len(data), _WIDTH_BITS):
        folded ^= int.from_bytes(data[start : start + _WIDTH_BITS], "little")
    register = 0
    for index in range(min(len(data), _WIDTH_BITS)):
        byte = (folded >> (8 * index)) & 0xFF
        if byte:
            shifted = byte << ((index * _SHIFT) % _WIDTH_BITS)
            register ^= (shifted & _MASK) | (shifted >> _WIDTH_BITS)
    digest = bytearray(register.to_bytes(_WIDTH_BYTES, "little"))
    for offset, length_byte in enumerate(len(data).to_bytes(8, "little")):
        digest[_WIDTH_BYTES - 8 + offset] ^= length_byte
    return base64.b64encode(bytes(digest)).decode("ascii")
