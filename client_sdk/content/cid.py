"""Content identifiers: the one module that computes CIDs.

:func:`compute_cid` is a streaming UnixFS importer that gives exactly the CID kubo's ``ipfs add``
prints with its default settings, and with ``--cid-version 1``:

* the file is cut into fixed-size chunks of 256 KiB (262144 bytes);
* CIDv0 (default): each chunk becomes a dag-pb leaf whose UnixFS ``Data`` is ``File`` with the bytes
  inline; CIDv1: each chunk is a ``raw`` block (kubo turns on raw leaves with CIDv1);
* leaves are joined into a *balanced* DAG of dag-pb ``File`` nodes with at most 174 links each; a file of
  one chunk is its own root; every hash is sha2-256; CIDv1 prints in base32 (``bafy…``/``bafk…``).

The tree is built level by level as chunks stream in: each level keeps at most 174 pending links, so
memory is bounded by ``174 × depth`` links whatever the file size. File bytes are read with
``readinto`` into one reused buffer and hashed through ``memoryview`` slices, without copies, unless the
caller asks for the blocks (``on_block``, used by the stores and CAR export).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from . import _dagpb
from ._multiformats import (
    DAG_CBOR,
    DAG_PB,
    RAW,
    SHA2_256,
    SHA2_256_LEN,
    b32decode,
    b32encode,
    b58decode,
    b58encode,
    read_varint,
    sha256_multihash,
    varint,
)
from .errors import InvalidCID, NotAFile, UnsupportedHash

CHUNK_SIZE = 262_144
"""kubo's default chunker: ``size-262144``."""
MAX_LINKS = 174
"""kubo's balanced layout: at most 174 links per node."""
READ_SIZE = 16 * CHUNK_SIZE
"""Bytes per ``readinto`` (4 MiB): large reads keep the per-call overhead out of the hash loop."""

CODEC_NAMES = {DAG_PB: "dag-pb", RAW: "raw", DAG_CBOR: "dag-cbor"}


@dataclass(frozen=True, slots=True)
class CID:
    """A content identifier: version, multicodec of the block, multihash of the block."""

    version: int
    codec: int
    multihash: bytes

    # -- construction ------------------------------------------------------------------------------

    @classmethod
    def for_block(cls, block: bytes | memoryview, *, version: int, codec: int) -> CID:
        return cls.from_digest(hashlib.sha256(block).digest(), version=version, codec=codec)

    @classmethod
    def from_digest(cls, digest: bytes, *, version: int, codec: int) -> CID:
        if version == 0 and codec != DAG_PB:
            raise InvalidCID(digest, "CIDv0 can only name dag-pb blocks")
        return cls(version, codec, sha256_multihash(digest))

    @classmethod
    def parse(cls, value: str | bytes | CID) -> CID:
        """Read a CID from its text (``Qm…`` or multibase ``b``/``B``/``z``) or binary form."""
        if isinstance(value, CID):
            return value
        if isinstance(value, bytes | bytearray | memoryview):
            return cls.from_bytes(bytes(value))
        if not isinstance(value, str) or not value:
            raise InvalidCID(value, "empty or not text")
        text = value.strip()
        try:
            if len(text) == 46 and text.startswith("Qm"):
                raw = b58decode(text)
                cid = cls.from_bytes(raw)
            elif text[0] in "bB":
                cid = cls.from_bytes(b32decode(text[1:]))
            elif text[0] == "z":
                cid = cls.from_bytes(b58decode(text[1:]))
            else:
                raise InvalidCID(value, "unknown multibase prefix")
        except InvalidCID as exc:
            raise InvalidCID(value, exc.reason) from None  # name the text the caller gave, not its bytes
        except ValueError as exc:
            raise InvalidCID(value, str(exc)) from None
        return cid  # other encodings of the same CID are accepted; str() gives the canonical one

    @classmethod
    def from_bytes(cls, raw: bytes) -> CID:
        if len(raw) == 34 and raw[0] == SHA2_256 and raw[1] == SHA2_256_LEN:
            return cls(0, DAG_PB, bytes(raw))
        try:
            version, pos = read_varint(raw, 0)
            if version != 1:
                raise InvalidCID(raw, f"unsupported CID version {version}")
            codec, pos = read_varint(raw, pos)
            _code, mh_pos = read_varint(raw, pos)
            length, digest_pos = read_varint(raw, mh_pos)
        except InvalidCID:
            raise
        except ValueError as exc:
            raise InvalidCID(raw, str(exc)) from None
        if digest_pos + length != len(raw):
            raise InvalidCID(raw, "multihash length does not match the digest")
        return cls(1, codec, bytes(raw[pos:]))

    # -- views -------------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Binary CID: the bare multihash for CIDv0, ``<version><codec><multihash>`` for CIDv1."""
        if self.version == 0:
            return self.multihash
        return varint(1) + varint(self.codec) + self.multihash

    @property
    def hash_code(self) -> int:
        return read_varint(self.multihash, 0)[0]

    @property
    def digest(self) -> bytes:
        code_end = read_varint(self.multihash, 0)[1]
        _length, start = read_varint(self.multihash, code_end)
        return self.multihash[start:]

    @property
    def codec_name(self) -> str:
        return CODEC_NAMES.get(self.codec, hex(self.codec))

    def verify(self, block: bytes | memoryview) -> bool:
        """True when ``block`` hashes to this CID. Raises :class:`UnsupportedHash` for non-sha2-256."""
        if self.hash_code != SHA2_256:
            raise UnsupportedHash(f"{self} uses multihash {self.hash_code:#x}; only sha2-256 can be verified here")
        return hashlib.sha256(block).digest() == self.digest

    def __str__(self) -> str:
        if self.version == 0:
            return b58encode(self.multihash)
        return "b" + b32encode(self.to_bytes())

    def __repr__(self) -> str:
        return f"CID({self})"


BlockSink = Callable[[CID, bytes], None]
"""Receives every block of a DAG as it is made (children before parents)."""
Progress = Callable[[int], None]
"""Receives the number of file bytes consumed since the last call."""


@dataclass(frozen=True, slots=True)
class _Link:
    cid: CID
    tsize: int  # bytes of the whole subtree's blocks
    filesize: int  # file bytes under the subtree


class _BalancedBuilder:
    """Builds kubo's balanced DAG bottom-up while leaves stream in; memory is ``MAX_LINKS × depth``.

    Grouping each level into runs of 174 as soon as a run is full gives the same tree as kubo's
    balanced builder: every node is full except the last one of each level.
    """

    def __init__(self, version: int, on_block: BlockSink | None, max_links: int = MAX_LINKS) -> None:
        self.version = version
        self.max_links = max_links
        self.on_block = on_block
        self.levels: list[list[_Link]] = [[]]

    def add_leaf(self, link: _Link) -> None:
        self._push(0, link)

    def _push(self, level: int, link: _Link) -> None:
        pending = self.levels[level]
        pending.append(link)
        if len(pending) == self.max_links:
            self._emit(level)

    def _emit(self, level: int) -> None:
        children = self.levels[level]
        self.levels[level] = []
        if level + 1 == len(self.levels):
            self.levels.append([])
        encoded = [_dagpb.encode_link(c.cid.to_bytes(), c.tsize) for c in children]
        total = sum(c.filesize for c in children)
        data = _dagpb.encode_unixfs_file(total, [c.filesize for c in children])
        block = _dagpb.encode_node(encoded, data)
        cid = CID.for_block(block, version=self.version, codec=DAG_PB)
        if self.on_block is not None:
            self.on_block(cid, block)
        self._push(level + 1, _Link(cid, len(block) + sum(c.tsize for c in children), total))

    def finish(self) -> CID:
        """Close every level bottom-up; the root is the one node left on the top level."""
        level = 0
        while True:
            pending = self.levels[level]
            if len(pending) == 1 and not any(self.levels[level + 1 :]):
                return pending[0].cid  # a one-chunk file is its own root
            if pending:
                self._emit(level)
            level += 1


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What :func:`import_stream` made: the root CID, file size in bytes, and number of blocks."""

    cid: CID
    size: int
    blocks: int


def _fill(reader: BinaryIO, view: memoryview) -> int:
    """``readinto`` until the buffer is full or the stream ends (pipes return short reads)."""
    got = 0
    while got < len(view):
        n = reader.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            break
        got += n
    return got


def _leaf_maker(cid_version: int, chunk_size: int, on_block: BlockSink | None) -> Callable[[memoryview], _Link]:
    """The function that turns one chunk into its leaf block, hands the block to ``on_block`` and
    returns the link to it: a raw leaf for CIDv1 (raw leaves), a dag-pb UnixFS file node for CIDv0.
    The dag-pb frame of a full chunk is computed once; only a short last chunk needs its own."""
    sha256 = hashlib.sha256

    def raw_leaf(chunk: memoryview) -> _Link:
        leaf = CID(1, RAW, b"\x12\x20" + sha256(chunk).digest())
        if on_block is not None:
            on_block(leaf, bytes(chunk))
        return _Link(leaf, len(chunk), len(chunk))

    full_prefix, full_suffix = _dagpb.leaf_frame(chunk_size)

    def dag_pb_leaf(chunk: memoryview) -> _Link:
        n = len(chunk)
        prefix, suffix = (full_prefix, full_suffix) if n == chunk_size else _dagpb.leaf_frame(n)
        h = sha256(prefix)
        h.update(chunk)
        h.update(suffix)
        leaf = CID(0, DAG_PB, b"\x12\x20" + h.digest())
        if on_block is not None:
            on_block(leaf, prefix + bytes(chunk) + suffix)
        return _Link(leaf, len(prefix) + n + len(suffix), n)

    return raw_leaf if cid_version == 1 else dag_pb_leaf


def import_stream(
    reader: BinaryIO,
    cid_version: int = 0,
    *,
    on_block: BlockSink | None = None,
    on_progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    max_links: int = MAX_LINKS,
) -> ImportResult:
    """Chunk, hash and link a byte stream exactly like ``ipfs add`` (see the module docstring).

    ``chunk_size`` and ``max_links`` are kubo's defaults; other values exist for comparing with other
    chunker settings and for testing deep trees on small inputs.
    """
    if cid_version not in (0, 1):
        raise ValueError("cid_version must be 0 or 1")
    if chunk_size < 1 or max_links < 2:
        raise ValueError("chunk_size must be >= 1 and max_links >= 2")
    builder = _BalancedBuilder(cid_version, on_block, max_links)
    make_leaf = _leaf_maker(cid_version, chunk_size, on_block)
    read_size = chunk_size * max(1, READ_SIZE // chunk_size)
    view = memoryview(bytearray(read_size))
    size = 0
    blocks = 0
    while True:
        got = _fill(reader, view)
        if got == 0 and size > 0:
            break
        for off in range(0, max(got, 1), chunk_size):  # an empty stream still has one (empty) leaf
            builder.add_leaf(make_leaf(view[off : min(off + chunk_size, got)]))
            blocks += 1
        size += got
        if on_progress is not None and got:
            on_progress(got)
        if got < read_size:
            break
    root = builder.finish()
    return ImportResult(root, size, blocks)


def compute_cid(
    source: str | os.PathLike[str] | bytes | BinaryIO,
    cid_version: int = 0,
    *,
    on_block: BlockSink | None = None,
    on_progress: Progress | None = None,
) -> CID:
    """The CID ``ipfs add [--cid-version 1]`` gives for a file path, bytes, or a binary stream.

    Raises :class:`~client_sdk.content.errors.NotAFile` for a missing path or a folder.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        import io

        return import_stream(io.BytesIO(source), cid_version, on_block=on_block, on_progress=on_progress).cid
    if isinstance(source, str | os.PathLike):
        with open_regular_file(source) as fh:
            return import_stream(fh, cid_version, on_block=on_block, on_progress=on_progress).cid
    return import_stream(source, cid_version, on_block=on_block, on_progress=on_progress).cid


def cid_of_bytes(data: bytes, cid_version: int = 0) -> str:
    """The CID text ``ipfs add`` gives a file holding ``data`` (a shorthand for :func:`compute_cid`)."""
    return str(compute_cid(data, cid_version))


def open_regular_file(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for binary reading, or raise :class:`NotAFile` saying why not."""
    p = Path(path)
    if not p.exists():
        raise NotAFile(p, "no such file")
    if p.is_dir():
        raise NotAFile(p, "is a folder, not a file")
    try:
        return open(p, "rb", buffering=0)
    except OSError as exc:
        raise NotAFile(p, exc.strerror or str(exc)) from None
