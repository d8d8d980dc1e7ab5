"""The local block store: round trips, ranges, pins, corruption detection, nothing partial."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client_sdk.content import (
    CHUNK_SIZE,
    CID,
    BlockNotFound,
    ContentStore,
    CorruptBlock,
    LocalBlockStore,
    NotAFile,
    compute_cid,
)

DATA = bytes(range(256)) * (3 * CHUNK_SIZE // 256) + b"tail"


def test_local_store_is_a_content_store(store: LocalBlockStore) -> None:
    assert isinstance(store, ContentStore)


@pytest.mark.parametrize("version", [0, 1])
def test_add_then_cat_round_trips_and_cid_matches_compute(store: LocalBlockStore, version: int) -> None:
    cid = store.add(DATA, version)
    assert cid == compute_cid(DATA, version)
    assert store.has(cid)
    assert store.size(cid) == len(DATA)
    assert b"".join(store.cat(cid)) == DATA


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), version=st.sampled_from([0, 1]), a=st.integers(0, 3100), b=st.integers(0, 3100))
def test_any_range_of_any_file_round_trips(store: LocalBlockStore, data: bytes, version: int, a: int, b: int) -> None:
    from client_sdk.content.cid import import_stream

    # small chunks and fan-out so ranges cross leaves and inner nodes
    def sink(cid: CID, block: bytes) -> None:
        store.put_block(cid, block)

    cid = import_stream(io.BytesIO(data), version, on_block=sink, chunk_size=100, max_links=3).cid
    start, end = sorted((min(a, len(data)), min(b, len(data))))
    assert b"".join(store.cat(cid, start, end)) == data[start:end]


def test_add_a_path_and_pin(store: LocalBlockStore, tmp_path: Path) -> None:
    f = tmp_path / "work.mp4"
    f.write_bytes(DATA)
    cid = store.add(f)
    store.pin(cid)
    assert store.pins() == [cid]
    store.unpin(cid)
    assert store.pins() == []


def test_unknown_cid_is_block_not_found(store: LocalBlockStore) -> None:
    cid = compute_cid(b"never stored")
    assert not store.has(cid)
    with pytest.raises(BlockNotFound, match="does not hold"):
        store.get_block(cid)


@pytest.mark.parametrize("which", ["root", "leaf"])
def test_a_flipped_byte_is_reported_and_never_served(store: LocalBlockStore, which: str) -> None:
    cid = store.add(DATA)
    blocks = list(store.blocks(cid))
    target = blocks[0][0] if which == "root" else blocks[-1][0]
    path = store.block_path(target)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptBlock, match="corrupted"):
        store.get_block(target)
    with pytest.raises(CorruptBlock):
        b"".join(store.cat(cid))
    with pytest.raises(CorruptBlock):
        store.pin(cid)


def test_put_block_refuses_bytes_that_do_not_match(store: LocalBlockStore) -> None:
    cid = compute_cid(b"abc")
    with pytest.raises(CorruptBlock):
        store.put_block(cid, b"not the block")
    assert not store.has(cid)


class _Exploding(io.RawIOBase):
    """Gives good bytes, then fails like a disk error half way."""

    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def, override]
        if self.left <= 0:
            raise OSError("disk went away")
        n = min(len(b), self.left, CHUNK_SIZE)
        b[:n] = b"x" * n
        self.left -= n
        return n


def test_a_failed_add_leaves_nothing_in_the_store(store: LocalBlockStore) -> None:
    with pytest.raises(OSError):
        store.add(_Exploding(5 * CHUNK_SIZE))  # type: ignore[arg-type]
    assert not [p for p in (store.root / "blocks").rglob("*") if p.is_file()]
    assert not any((store.root / "tmp").iterdir())
    store.add(b"x" * (2 * CHUNK_SIZE))  # the same look finds blocks after a successful add
    assert [p for p in (store.root / "blocks").rglob("*") if p.is_file()]


def test_add_missing_path_or_folder(store: LocalBlockStore, tmp_path: Path) -> None:
    with pytest.raises(NotAFile):
        store.add(tmp_path / "missing")
    with pytest.raises(NotAFile):
        store.add(tmp_path)
