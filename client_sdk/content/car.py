"""CAR v1 (Content Addressable aRchive) export and import.

Format (from the CARv1 specification): ``varint(len(header)) header`` where the header is the
dag-cbor map ``{"roots": [CID, ...], "version": 1}``, then for every block
``varint(len(cid) + len(block)) cid block``. CIDs in dag-cbor are tag 42 over a byte string holding a
``0x00`` prefix and the binary CID. The tiny dag-cbor encoder/decoder here handles just that header.

Blocks are written depth-first, root first, each distinct block once (the IPFS trustless gateway's
``order=dfs; dups=n`` for ``dag-scope=all``). Import verifies every block against its CID before anything is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from . import _dagpb
from ._multiformats import DAG_PB, SHA2_256, read_varint, varint
from .cid import CID
from .errors import BlockNotFound, CarError, InvalidCID, MalformedDAG
from .store import ContentStore, LocalBlockStore

MAX_HEADER = 1 << 20
MAX_SECTION = 8 << 20  # a block larger than this is not something ipfs add makes


# -- minimal dag-cbor ------------------------------------------------------------------------------


def _cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes((major << 5 | n,))
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes((major << 5 | extra,)) + n.to_bytes(size, "big")
    raise ValueError("integer too large for CBOR")


def _cbor_text(s: str) -> bytes:
    raw = s.encode()
    return _cbor_head(3, len(raw)) + raw


def encode_header(roots: list[CID]) -> bytes:
    """dag-cbor ``{"roots": [...], "version": 1}`` (keys in dag-cbor's length-first order)."""
    out = _cbor_head(5, 2) + _cbor_text("roots") + _cbor_head(4, len(roots))
    for root in roots:
        payload = b"\x00" + root.to_bytes()
        out += b"\xd8\x2a" + _cbor_head(2, len(payload)) + payload
    return out + _cbor_text("version") + _cbor_head(0, 1)


class _Cbor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise CarError("CAR header is truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def item(self) -> Any:
        first = self._take(1)[0]
        major, info = first >> 5, first & 31
        if info < 24:
            n = info
        elif info in (24, 25, 26, 27):
            n = int.from_bytes(self._take(1 << (info - 24)), "big")
        else:
            raise CarError("CAR header uses CBOR features outside dag-cbor")
        if major == 0:
            return n
        if major in (2, 3):
            raw = self._take(n)
            return raw if major == 2 else raw.decode()
        if major == 4:
            return [self.item() for _ in range(n)]
        if major == 5:
            return {self.item(): self.item() for _ in range(n)}
        if major == 6 and n == 42:
            payload = self.item()
            if not isinstance(payload, bytes) or not payload.startswith(b"\x00"):
                raise CarError("CID in CAR header is not a tag-42 byte string with a 0x00 prefix")
            return CID.from_bytes(payload[1:])
        raise CarError(f"unexpected CBOR major type {major} in CAR header")


# -- writing ---------------------------------------------------------------------------------------


def car_section(cid: CID, block: bytes) -> bytes:
    """One CAR section: ``varint(len(cid) + len(block)) cid block``."""
    cid_bytes = cid.to_bytes()
    return varint(len(cid_bytes) + len(block)) + cid_bytes + block


def car_head(root: CID) -> bytes:
    """The length-prefixed CARv1 header naming ``root``."""
    header = encode_header([root])
    return varint(len(header)) + header


def unique_blocks(store: ContentStore, root: CID | str) -> Iterator[tuple[CID, bytes]]:
    """Every distinct block of the DAG under ``root`` once, depth-first pre-order, every block verified.

    A block (and its whole subtree) met a second time is skipped, so the walk and its output are
    bounded by the blocks the store holds: a DAG that links one subtree 174 times per level declares
    terabytes from a few hundred kilobytes, and a walk with duplicates would never end in practice.
    """
    seen: set[bytes] = set()
    stack = [CID.parse(root)]
    while stack:
        cid = stack.pop()
        if cid.multihash in seen:
            continue
        seen.add(cid.multihash)
        block = store.get_block(cid)
        yield cid, block
        if cid.codec == DAG_PB:
            try:
                links = _dagpb.decode_node(block).links
            except ValueError as exc:
                raise MalformedDAG(f"{cid} is not a readable dag-pb node: {exc}") from None
            stack.extend(CID.from_bytes(link.hash) for link in reversed(links))


def car_chunks(store: ContentStore, root: CID | str) -> Iterator[bytes]:
    """The CAR of the DAG under ``root`` as a stream of byte strings: depth-first, each distinct block
    once (the trustless gateway's ``order=dfs; dups=n``), every block verified on read."""
    root = CID.parse(root)
    yield car_head(root)
    for cid, block in unique_blocks(store, root):
        yield car_section(cid, block)


def export_car(store: ContentStore, root: CID | str, out: BinaryIO) -> int:
    """Write the CAR of ``root`` to ``out``; returns the number of bytes written."""
    written = 0
    for chunk in car_chunks(store, root):
        out.write(chunk)
        written += len(chunk)
    return written


# -- reading ---------------------------------------------------------------------------------------


def _read_exact(stream: BinaryIO, n: int, what: str) -> bytes:
    data = stream.read(n)
    if data is None or len(data) != n:
        raise CarError(f"CAR is truncated inside {what}")
    return data


def _read_varint(stream: BinaryIO) -> int | None:
    """A varint from the stream, or None at a clean end of stream."""
    raw = bytearray()
    while True:
        b = stream.read(1)
        if not b:
            if raw:
                raise CarError("CAR is truncated inside a length prefix")
            return None
        raw += b
        if not b[0] & 0x80:
            return read_varint(bytes(raw))[0]
        if len(raw) > 9:
            raise CarError("CAR length prefix is longer than 64 bits")


def _split_cid(section: bytes) -> tuple[CID, bytes]:
    try:
        if section[:2] == bytes((SHA2_256, 32)):
            return CID.from_bytes(section[:34]), section[34:]
        _v, pos = read_varint(section, 0)
        _codec, pos = read_varint(section, pos)
        _code, pos = read_varint(section, pos)
        length, pos = read_varint(section, pos)
        return CID.from_bytes(section[: pos + length]), section[pos + length :]
    except (ValueError, InvalidCID) as exc:
        raise CarError(f"CAR section does not start with a valid CID: {exc}") from None


def read_car(stream: BinaryIO) -> tuple[list[CID], Iterator[tuple[CID, bytes]]]:
    """Parse a CARv1: its roots, and an iterator over (cid, block) that verifies each block's hash."""
    hlen = _read_varint(stream)
    if hlen is None or hlen == 0 or hlen > MAX_HEADER:
        raise CarError("not a CAR file: missing or oversized header")
    header = _Cbor(_read_exact(stream, hlen, "the header")).item()
    if not isinstance(header, dict) or header.get("version") != 1:
        raise CarError("only CAR version 1 is supported")
    roots = header.get("roots")
    if not isinstance(roots, list) or not all(isinstance(r, CID) for r in roots):
        raise CarError("CAR header has no list of root CIDs")

    def sections() -> Iterator[tuple[CID, bytes]]:
        while True:
            n = _read_varint(stream)
            if n is None:
                return
            if n > MAX_SECTION:
                raise CarError(f"CAR section of {n} bytes is larger than any block this hub makes")
            cid, block = _split_cid(_read_exact(stream, n, "a block"))
            if not cid.verify(block):
                raise CarError(f"block {cid} in the CAR does not match its CID; the CAR is corrupted")
            yield cid, block

    return roots, sections()


def import_car(store: ContentStore, stream: BinaryIO) -> list[CID]:
    """Verify and store every block of a CAR; returns its roots. On a local store it is all-or-nothing,
    and a CAR whose roots are not all inside it is refused."""
    roots, blocks = read_car(stream)
    if isinstance(store, LocalBlockStore):
        try:
            store.import_blocks(blocks, roots)
        except BlockNotFound as exc:
            raise CarError(f"the CAR does not contain its root {exc.cid}; nothing was imported") from None
        return roots
    for cid, block in blocks:
        store.put_block(cid, block)
    return roots
