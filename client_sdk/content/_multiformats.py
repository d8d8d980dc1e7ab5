"""Hand-written encoders for the small wire formats under a CID: unsigned varints, multihash,
base58btc (CIDv0) and RFC 4648 base32 lower-case without padding (multibase ``b``, CIDv1).

Facts from the multiformats specifications; see https://github.com/multiformats/multiformats.
"""

from __future__ import annotations

SHA2_256 = 0x12  # multihash code
SHA2_256_LEN = 32
DAG_PB = 0x70  # multicodec codes
RAW = 0x55
DAG_CBOR = 0x71

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_B32_INDEX = {c: i for i, c in enumerate(_B32)}


def varint(n: int) -> bytes:
    """Unsigned LEB128, as used by protobuf, multiformats and CAR."""
    if n < 0:
        raise ValueError("varint must be non-negative")
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_varint(buf: bytes | memoryview, pos: int = 0) -> tuple[int, int]:
    """Decode a varint at ``pos``; returns (value, next position). Raises ValueError if cut short."""
    value = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint longer than 64 bits")


def sha256_multihash(digest: bytes) -> bytes:
    return bytes((SHA2_256, SHA2_256_LEN)) + digest


def b58encode(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    n = int.from_bytes(data, "big")
    chars = []
    while n:
        n, r = divmod(n, 58)
        chars.append(_B58[r])
    return "1" * zeros + "".join(reversed(chars))


def b58decode(text: str) -> bytes:
    n = 0
    for c in text:
        try:
            n = n * 58 + _B58_INDEX[c]
        except KeyError:
            raise ValueError(f"{c!r} is not a base58btc character") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def b32encode(data: bytes) -> str:
    """RFC 4648 base32, lower case, no padding (multibase prefix ``b`` is added by the caller)."""
    bits = 0
    acc = 0
    out = []
    for byte in data:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append(_B32[(acc >> bits) & 31])
    if bits:
        out.append(_B32[(acc << (5 - bits)) & 31])
    return "".join(out)


def b32decode(text: str) -> bytes:
    bits = 0
    acc = 0
    out = bytearray()
    for c in text.lower():
        try:
            acc = (acc << 5) | _B32_INDEX[c]
        except KeyError:
            raise ValueError(f"{c!r} is not a base32 character") from None
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits >= 5 or acc & ((1 << bits) - 1):
        raise ValueError("base32 text has trailing bits")
    return bytes(out)
