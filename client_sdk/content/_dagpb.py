"""Minimal hand-written protobuf for dag-pb nodes and UnixFS ``Data`` messages.

Schemas (from the dag-pb and UnixFS specifications)::

    message PBLink { optional bytes Hash = 1; optional string Name = 2; optional uint64 Tsize = 3; }
    message PBNode { repeated PBLink Links = 2; optional bytes Data = 1; }   // Links serialised first
    message Data   { required DataType Type = 1; optional bytes Data = 2; optional uint64 filesize = 3;
                     repeated uint64 blocksizes = 4; ... }                   // File = 2, Raw = 0

kubo writes every file link with an empty ``Name`` (``12 00``) and ``blocksizes`` unpacked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._multiformats import read_varint, varint

UNIXFS_RAW = 0
UNIXFS_DIRECTORY = 1
UNIXFS_FILE = 2


@dataclass(frozen=True, slots=True)
class PBLink:
    hash: bytes  # binary CID (a bare multihash for CIDv0)
    name: str = ""
    tsize: int = 0


@dataclass(frozen=True, slots=True)
class PBNode:
    links: list[PBLink] = field(default_factory=list)
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class UnixFSData:
    type: int
    data: bytes = b""
    filesize: int | None = None
    blocksizes: list[int] = field(default_factory=list)


def _len_field(key: int, payload: bytes) -> bytes:
    return bytes((key,)) + varint(len(payload)) + payload


def encode_link(link_hash: bytes, tsize: int, name: str = "") -> bytes:
    return _len_field(0x0A, link_hash) + _len_field(0x12, name.encode()) + b"\x18" + varint(tsize)


def encode_node(links: list[bytes], data: bytes | None) -> bytes:
    """``links`` are already-encoded PBLink messages (see :func:`encode_link`)."""
    parts = [_len_field(0x12, link) for link in links]
    if data is not None:
        parts.append(_len_field(0x0A, data))
    return b"".join(parts)


def encode_unixfs_file(filesize: int, blocksizes: list[int]) -> bytes:
    """The UnixFS ``Data`` of an inner file node (no inline bytes)."""
    return b"\x08\x02\x18" + varint(filesize) + b"".join(b"\x20" + varint(b) for b in blocksizes)


def leaf_frame(n: int) -> tuple[bytes, bytes]:
    """Prefix and suffix that wrap ``n`` bytes of file data into a CIDv0 leaf block
    (a dag-pb node whose Data is UnixFS File with the bytes inline); empty data has no Data field."""
    inner_len = 2 + (1 + len(varint(n)) + n if n else 0) + 1 + len(varint(n))
    prefix = b"\x0a" + varint(inner_len) + b"\x08\x02"
    if n:
        prefix += b"\x12" + varint(n)
    return prefix, b"\x18" + varint(n)


def _fields(buf: bytes | memoryview):
    pos = 0
    end = len(buf)
    while pos < end:
        key, pos = read_varint(buf, pos)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = read_varint(buf, pos)
            yield num, wire, value
        elif wire == 2:
            size, pos = read_varint(buf, pos)
            if pos + size > end:
                raise ValueError("length-delimited field runs past the end of the message")
            yield num, wire, bytes(buf[pos : pos + size])
            pos += size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def decode_node(block: bytes) -> PBNode:
    links: list[PBLink] = []
    data: bytes | None = None
    for num, wire, value in _fields(block):
        if num == 2 and wire == 2:
            link_hash, name, tsize = b"", "", 0
            for lnum, lwire, lvalue in _fields(value):
                if lnum == 1 and lwire == 2:
                    link_hash = lvalue
                elif lnum == 2 and lwire == 2:
                    name = lvalue.decode()
                elif lnum == 3 and lwire == 0:
                    tsize = lvalue
            links.append(PBLink(link_hash, name, tsize))
        elif num == 1 and wire == 2:
            data = value
        else:
            raise ValueError(f"unexpected dag-pb field {num}")
    return PBNode(links, data)


def decode_unixfs(data: bytes) -> UnixFSData:
    type_: int | None = None
    inline = b""
    filesize: int | None = None
    blocksizes: list[int] = []
    for num, wire, value in _fields(data):
        if num == 1 and wire == 0:
            type_ = value
        elif num == 2 and wire == 2:
            inline = value
        elif num == 3 and wire == 0:
            filesize = value
        elif num == 4 and wire == 0:
            blocksizes.append(value)
        elif num == 4 and wire == 2:  # tolerate packed encoding
            pos = 0
            while pos < len(value):
                v, pos = read_varint(value, pos)
                blocksizes.append(v)
    if type_ is None:
        raise ValueError("UnixFS data has no Type")
    return UnixFSData(type_, inline, filesize, blocksizes)
