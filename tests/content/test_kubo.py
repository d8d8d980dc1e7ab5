"""KuboStore against a loopback stand-in for kubo's RPC (kubo cannot run here; see fake_kubo)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from client_sdk.content import (
    CHUNK_SIZE,
    CID,
    BlockNotFound,
    ContentError,
    ContentStore,
    CorruptBlock,
    KuboStore,
    PublishingStore,
    StoreUnavailable,
    publish,
)
from client_sdk.content.cid import compute_cid
from client_sdk.metadata import WorkMetadata, store_metadata

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


def test_publication_is_kept_in_the_nodes_mfs_for_every_host(kubo: FakeKubo) -> None:
    with KuboStore(kubo.url) as store, KuboStore(kubo.url) as other_host:
        assert isinstance(store, PublishingStore)
        cid = store.add(DATA)
        assert not store.is_published(cid)
        publish(store, cid)
        publish(store, cid)  # twice is once (files/cp alone would refuse the existing entry)
        v1 = CID(1, cid.codec, cid.multihash)
        assert kubo.mfs == {f"/copyright-hub/public/{v1}": str(cid)}
        assert other_host.is_published(cid) and other_host.is_published(v1)  # one record, any CID version
        store.unpublish(v1)
        assert not other_host.is_published(cid) and kubo.mfs == {}
        store.unpublish(cid)  # already withdrawn: no error
        assert store.has(cid)  # withdrawn from the public, still stored


def test_kubo_publishes_no_dag_with_a_hole(kubo: FakeKubo) -> None:
    with KuboStore(kubo.url) as store:
        cid = store.add(DATA)
        leaf = list(store.blocks(cid))[-1][0]
        del kubo.blocks[leaf.multihash]
        with pytest.raises(BlockNotFound):
            store.publish(cid)
        assert not store.is_published(cid) and "/api/v0/files/cp" not in kubo.calls


def test_the_gateway_in_front_of_kubo_serves_what_was_published(kubo: FakeKubo, tmp_path: Path) -> None:
    app = create_app(Settings(content_dir=tmp_path / "unused", kubo_api_url=kubo.url))
    with KuboStore(kubo.url) as store, TestClient(app) as client:
        cid = store.add(DATA)
        assert client.get(f"/ipfs/{cid}").status_code == 403
        publish(store, cid)
        assert client.get(f"/ipfs/{cid}").content == DATA
        meta = store_metadata(store, WorkMetadata("film", title_en="Kept in kubo"))  # published when stored
        assert client.get(f"/ipfs/{meta}").json()["title"] == {"en": "Kept in kubo"}
