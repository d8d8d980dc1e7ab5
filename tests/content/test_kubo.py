"""KuboStore against a loopback stand-in for kubo's RPC (kubo cannot run here; see fake_kubo)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from client_sdk.content import (
    CHUNK_SIZE,
    BlockNotFound,
    ContentError,
    ContentStore,
    CorruptBlock,
    KuboStore,
    StoreUnavailable,
)
from client_sdk.content.cid import compute_cid

from .fake_kubo import FakeKubo

DATA = b"kubo" * (CHUNK_SIZE // 2) + b"!"


@pytest.fixture
def kubo() -> Iterator[FakeKubo]:
    with FakeKubo() as fake:
        yield fake


@pytest.mark.parametrize("version", [0, 1])
def test_add_cat_has_pin_through_the_rpc(kubo: FakeKubo, version: int) -> None:
    with KuboStore(kubo.url) as store:
        assert isinstance(store, ContentStore)
        cid = store.add(DATA, version)
        assert cid == compute_cid(DATA, version)
        assert str(cid) in kubo.pins
        assert store.has(cid)
        assert b"".join(store.cat(cid, 10, CHUNK_SIZE + 10)) == DATA[10 : CHUNK_SIZE + 10]
        store.pin(cid)
        assert "/api/v0/pin/add" in kubo.calls


def test_put_block_and_unknown_block(kubo: FakeKubo) -> None:
    with KuboStore(kubo.url) as store:
        cid = compute_cid(b"one block", 1)
        assert not store.has(cid)
        # the fake answers "not found" only to an offline request; anything else would search the network
        with pytest.raises(BlockNotFound):
            store.get_block(cid)
        store.put_block(cid, b"one block")
        assert store.get_block(cid) == b"one block"


def test_the_fake_refuses_a_lookup_that_would_search_the_network(kubo: FakeKubo) -> None:
    """The check above depends on this: a lookup without offline=true is not answered "not found"."""
    with KuboStore(kubo.url) as store, pytest.raises(StoreUnavailable, match="lacks offline=true"):
        store._post("block/get", {"arg": str(compute_cid(b"absent", 1))})


@pytest.mark.parametrize("version", [0, 1])
def test_a_node_whose_add_builds_another_dag_is_refused(version: int) -> None:
    with FakeKubo(add_mode="other-dag") as kubo, KuboStore(kubo.url) as store:
        ours, theirs = compute_cid(DATA, version), compute_cid(DATA, 1 - version)
        with pytest.raises(ContentError, match=f"kubo computed {theirs} but ipfs-add defaults give {ours}"):
            store.add(DATA, version)


def test_a_node_storing_a_block_under_another_key_is_refused() -> None:
    with FakeKubo(put_hash="blake2b-256") as kubo, KuboStore(kubo.url) as store:
        cid = compute_cid(b"one block", 1)
        with pytest.raises(ContentError, match=f"kubo stored the block under b\\w+, expected {cid}") as info:
            store.put_block(cid, b"one block")
        assert not isinstance(info.value, StoreUnavailable | BlockNotFound)
        assert not store.has(cid)


def test_a_node_serving_wrong_bytes_is_caught(kubo: FakeKubo) -> None:
    with KuboStore(kubo.url) as store:
        cid = store.add(DATA)
        leaf = list(store.blocks(cid))[-1][0]
        kubo.blocks[leaf.multihash] = b"evil" + kubo.blocks[leaf.multihash][4:]
        with pytest.raises(CorruptBlock, match="corrupted"):
            b"".join(store.cat(cid))


def test_unreachable_node_is_store_unavailable() -> None:
    with KuboStore("http://127.0.0.1:9") as store, pytest.raises(StoreUnavailable, match="is the daemon running"):
        store.has(compute_cid(b""))
