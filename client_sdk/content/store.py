"""Content stores: where blocks live. :class:`ContentStore` is the interface, :class:`LocalBlockStore`
the embedded default, :class:`~client_sdk.content.kubo.KuboStore` the adapter for a kubo node.

What the gateway may serve is a record the studio controls, kept beside the blocks: holding a block is
not publishing it. :meth:`LocalBlockStore.publish` marks a root as public (metadata, posters, previews,
ciphertext; a plaintext master only when its studio asks; a kubo node keeps the same record in its MFS,
shared by every API host using it), :func:`is_published` is what the gateway asks before it serves a
root, and a store that keeps no such record (:class:`PublishingStore`) has published nothing, so a
gateway in front of it serves nothing but identity CIDs.

Every block read is re-hashed against its CID before anything is returned, so a corrupted store
raises :class:`CorruptBlock` and never serves the bad bytes. Reading a file walks its UnixFS DAG one
verified block at a time; byte ranges skip whole subtrees using the ``blocksizes`` in each node.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from .._files import atomic_write
from . import _dagpb
from ._multiformats import DAG_PB, RAW, b32encode
from .cid import CID, Progress, import_stream, open_regular_file
from .errors import BlockNotFound, CorruptBlock, MalformedDAG, NotPublishable

Source = str | os.PathLike[str] | bytes | BinaryIO


@runtime_checkable
class ContentStore(Protocol):
    """What the SDK, CLI and gateway need from a store of IPFS blocks."""

    def add(self, source: Source, cid_version: int = 0, *, on_progress: Progress | None = None) -> CID:
        """Import a file (path, bytes or binary stream) as ``ipfs add`` would; return its root CID.
        Either the whole DAG is stored or nothing is."""
        ...

    def cat(self, cid: CID | str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Stream the file bytes ``[start, end)`` of a UnixFS file, every block verified."""
        ...

    def size(self, cid: CID | str) -> int:
        """The file size recorded in a UnixFS root (or a raw block's length)."""
        ...

    def has(self, cid: CID | str) -> bool:
        """True when the store holds this block (locally: no network fetches)."""
        ...

    def get_block(self, cid: CID | str) -> bytes:
        """One block, verified against its CID."""
        ...

    def put_block(self, cid: CID | str, block: bytes) -> None:
        """Store one block after checking it hashes to ``cid``."""
        ...

    def pin(self, cid: CID | str) -> None:
        """Keep this DAG (checks that every block is present and intact)."""
        ...

    def blocks(self, cid: CID | str) -> Iterator[tuple[CID, bytes]]:
        """Every block of the DAG under ``cid``, depth-first pre-order (CAR / trustless gateway order)."""
        ...


@runtime_checkable
class PublishingStore(Protocol):
    """A store that records which roots its owner published as public (what a gateway may serve)."""

    def publish(self, cid: CID | str) -> None:
        """Mark the DAG under ``cid`` public (every block must be present and intact)."""
        ...

    def unpublish(self, cid: CID | str) -> None:
        """Withdraw ``cid`` from what is public (its blocks stay stored)."""
        ...

    def is_published(self, cid: CID | str) -> bool:
        """True when ``cid`` (as a CIDv0 or CIDv1 of the same bytes) was published."""
        ...


def publish(store: ContentStore, cid: CID | str) -> None:
    """Publish ``cid`` in ``store``; a store that keeps no publication record refuses (it would serve nothing)."""
    if not isinstance(store, PublishingStore):
        raise NotPublishable(store)
    store.publish(cid)


def unpublish(store: ContentStore, cid: CID | str) -> None:
    """Withdraw ``cid`` from what ``store`` serves publicly; a store without a publication record refuses."""
    if not isinstance(store, PublishingStore):
        raise NotPublishable(store)
    store.unpublish(cid)


def is_published(store: ContentStore, cid: CID | str) -> bool:
    """True when ``store`` records ``cid`` as published; a store without a record has published nothing."""
    return isinstance(store, PublishingStore) and store.is_published(cid)


def _verified(cid: CID, block: bytes, where: str) -> bytes:
    if not cid.verify(block):
        raise CorruptBlock(cid, where)
    return block


class DagReader:
    """UnixFS reading shared by every store; subclasses provide :meth:`get_block` (verified)."""

    def get_block(self, cid: CID | str) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def _unixfs(self, cid: CID, block: bytes) -> tuple[bytes, list[_dagpb.PBLink], list[int], int]:
        """(inline data, links, blocksizes, filesize) of a file node."""
        if cid.codec == RAW:
            return block, [], [], len(block)
        if cid.codec != DAG_PB:
            raise MalformedDAG(f"{cid} is a {cid.codec_name} block, not a UnixFS file")
        try:
            node = _dagpb.decode_node(block)
            if node.data is None:
                raise ValueError("dag-pb node without UnixFS data")
            fs = _dagpb.decode_unixfs(node.data)
        except ValueError as exc:
            raise MalformedDAG(f"{cid} is not a readable UnixFS node: {exc}") from None
        if fs.type not in (_dagpb.UNIXFS_FILE, _dagpb.UNIXFS_RAW):
            raise MalformedDAG(f"{cid} is a UnixFS type {fs.type} node; only files can be read")
        if len(fs.blocksizes) != len(node.links):
            raise MalformedDAG(f"{cid} has {len(node.links)} links but {len(fs.blocksizes)} blocksizes")
        filesize = fs.filesize if fs.filesize is not None else len(fs.data) + sum(fs.blocksizes)
        return fs.data, node.links, fs.blocksizes, filesize

    def size(self, cid: CID | str) -> int:
        c = CID.parse(cid)
        return self._unixfs(c, self.get_block(c))[3]

    def cat(self, cid: CID | str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        c = CID.parse(cid)
        if end is None:
            end = self.size(c)
        if start < 0 or end < start:
            raise ValueError(f"bad byte range [{start}, {end})")
        if end > start:
            yield from self._cat(c, start, end)

    def _cat(self, cid: CID, start: int, end: int) -> Iterator[bytes]:
        inline, links, blocksizes, _size = self._unixfs(cid, self.get_block(cid))
        if start < len(inline):
            yield inline[start : min(end, len(inline))]
        pos = len(inline)
        for link, bs in zip(links, blocksizes, strict=True):
            if pos >= end:
                break
            if pos + bs > start:
                yield from self._cat(CID.from_bytes(link.hash), max(start - pos, 0), min(end - pos, bs))
            pos += bs

    def blocks(self, cid: CID | str) -> Iterator[tuple[CID, bytes]]:
        c = CID.parse(cid)
        block = self.get_block(c)
        yield c, block
        if c.codec == DAG_PB:
            try:
                links = _dagpb.decode_node(block).links
            except ValueError as exc:
                raise MalformedDAG(f"{c} is not a readable dag-pb node: {exc}") from None
            for link in links:
                yield from self.blocks(CID.from_bytes(link.hash))


class LocalBlockStore(DagReader):
    """The embedded default: one file per block under ``root/blocks``, keyed by multihash.

    Layout (like kubo's flatfs ``next-to-last/2``): ``blocks/<2 chars>/<base32 multihash>``;
    ``public/<base32 multihash>`` marks a published root (:class:`PublishingStore`). Blocks are
    keyed by multihash, so the same bytes under a CIDv0 or CIDv1 are stored once. Writes go to a
    temporary file in ``root/tmp`` and are renamed into place; :meth:`add` and :meth:`import_blocks`
    stage a whole DAG and move it in only when it is complete, the root last, so a reader that sees
    the root sees every block under it and a failed import leaves nothing behind.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._blocks = self.root / "blocks"
        self._tmp = self.root / "tmp"
        self._pins = self.root / "pins"
        self._public = self.root / "public"
        for d in (self._blocks, self._tmp, self._pins, self._public):
            d.mkdir(parents=True, exist_ok=True)

    # -- paths -------------------------------------------------------------------------------------

    @staticmethod
    def _key(cid: CID) -> str:
        return b32encode(cid.multihash)

    def block_path(self, cid: CID | str) -> Path:
        key = self._key(CID.parse(cid))
        return self._blocks / key[-3:-1] / key

    # -- blocks ------------------------------------------------------------------------------------

    def has(self, cid: CID | str) -> bool:
        return self.block_path(cid).is_file()

    def get_block(self, cid: CID | str) -> bytes:
        c = CID.parse(cid)
        path = self.block_path(c)
        try:
            block = path.read_bytes()
        except FileNotFoundError:
            raise BlockNotFound(c) from None
        return _verified(c, block, str(path))

    def put_block(self, cid: CID | str, block: bytes) -> None:
        c = CID.parse(cid)
        _verified(c, block, "the block being stored")
        self._write_atomic(self.block_path(c), block)

    def _write_atomic(self, dest: Path, data: bytes) -> None:
        if dest.exists():
            return  # content-addressed: same name, same bytes
        atomic_write(dest, data, tmp_dir=self._tmp)

    # -- whole DAGs --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _staging(self) -> Iterator[Path]:
        stage = self._tmp / f"stage-{uuid.uuid4().hex}"
        stage.mkdir()
        try:
            yield stage
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def _commit(self, stage: Path, roots: list[CID]) -> None:
        root_keys = [self._key(r) for r in roots]
        for entry in os.scandir(stage):
            if entry.name not in root_keys:
                self._move(Path(entry.path), entry.name)
        for key in root_keys:
            if (stage / key).exists():
                self._move(stage / key, key)

    def _move(self, src: Path, key: str) -> None:
        dest = self._blocks / key[-3:-1] / key
        dest.parent.mkdir(exist_ok=True)
        os.replace(src, dest)

    def add(self, source: Source, cid_version: int = 0, *, on_progress: Progress | None = None) -> CID:
        with self._staging() as stage:

            def sink(cid: CID, block: bytes) -> None:
                (stage / self._key(cid)).write_bytes(block)

            if isinstance(source, bytes | bytearray | memoryview):
                import io

                root = import_stream(io.BytesIO(bytes(source)), cid_version, on_block=sink, on_progress=on_progress)
            elif isinstance(source, str | os.PathLike):
                with open_regular_file(source) as fh:
                    root = import_stream(fh, cid_version, on_block=sink, on_progress=on_progress)
            else:
                root = import_stream(source, cid_version, on_block=sink, on_progress=on_progress)
            self._commit(stage, [root.cid])
        return root.cid

    def import_blocks(self, blocks: Iterator[tuple[CID, bytes]], roots: list[CID]) -> int:
        """Store verified blocks all-or-nothing (CAR import), roots moved in last; returns the block count.

        Raises :class:`BlockNotFound` (and stores nothing) when a root is neither imported nor present.
        """
        count = 0
        with self._staging() as stage:
            for cid, block in blocks:
                _verified(cid, block, "the block being imported")
                (stage / self._key(cid)).write_bytes(block)
                count += 1
            for root in roots:
                if not (stage / self._key(root)).exists() and not self.has(root):
                    raise BlockNotFound(root, "the imported blocks")
            self._commit(stage, roots)
        return count

    # -- pins --------------------------------------------------------------------------------------

    def pin(self, cid: CID | str) -> None:
        c = CID.parse(cid)
        for _ in self.blocks(c):  # every block present and intact, or raise
            pass
        (self._pins / str(c)).touch()

    def unpin(self, cid: CID | str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self._pins / str(CID.parse(cid))).unlink()

    def pins(self) -> list[CID]:
        return [CID.parse(p.name) for p in sorted(self._pins.iterdir())]

    # -- publication (what a gateway may serve) ---------------------------------------------------

    def publish(self, cid: CID | str) -> None:
        from .car import unique_blocks

        c = CID.parse(cid)
        for _ in unique_blocks(self, c):  # every distinct block present and intact, or raise: no holes
            pass
        marker = self._public / self._key(c)
        if not marker.exists():
            atomic_write(marker, b"", tmp_dir=self._tmp)

    def unpublish(self, cid: CID | str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self._public / self._key(CID.parse(cid))).unlink()

    def is_published(self, cid: CID | str) -> bool:
        return (self._public / self._key(CID.parse(cid))).is_file()
