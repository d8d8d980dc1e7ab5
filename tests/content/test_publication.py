"""Masters stay private: the gateway serves only roots its store records as published, and says so
(403 problem) for content it holds that nobody published; publishing is explicit and can be withdrawn."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from client_sdk.content import LocalBlockStore, NotPublishable, is_published, publish
from client_sdk.content.errors import BlockNotFound
from client_sdk.metadata import WorkMetadata, store_metadata

MASTER = b"the studio's plaintext master " * 20_000  # several blocks


@pytest.fixture
def gateway(tmp_path: Path) -> tuple[TestClient, LocalBlockStore]:
    return TestClient(create_app(Settings(content_dir=tmp_path / "content"))), LocalBlockStore(tmp_path / "content")


@pytest.mark.parametrize("how", ["", "?format=raw", "?format=car"])
def test_a_stored_master_nobody_published_is_refused_in_every_form(
    gateway: tuple[TestClient, LocalBlockStore], how: str
) -> None:
    client, store = gateway
    cid = store.add(MASTER)
    for method in (client.get, client.head):
        r = method(f"/ipfs/{cid}{how}")
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
        assert MASTER[:100] not in r.content
    assert "not published" in client.get(f"/ipfs/{cid}{how}").json()["detail"]


def test_publishing_serves_it_and_unpublishing_withdraws_it(gateway: tuple[TestClient, LocalBlockStore]) -> None:
    client, store = gateway
    cid = store.add(MASTER)
    publish(store, cid)
    assert is_published(store, cid) and client.get(f"/ipfs/{cid}").content == MASTER
    store.unpublish(cid)
    assert client.get(f"/ipfs/{cid}").status_code == 403
    assert client.get("/ipfs/bafkqaaa").status_code == 200  # identity CIDs carry their bytes: always answered


def test_metadata_is_published_when_stored(gateway: tuple[TestClient, LocalBlockStore]) -> None:
    client, store = gateway
    cid = store_metadata(store, WorkMetadata("film", title_en="Public by design"))
    assert client.get(f"/ipfs/{cid}").json()["title"] == {"en": "Public by design"}


def test_nothing_incomplete_is_published_and_unknown_content_stays_404(
    gateway: tuple[TestClient, LocalBlockStore],
) -> None:
    client, store = gateway
    cid = store.add(MASTER)
    leaf = next(c for c, _b in store.blocks(cid) if c != cid)
    store.block_path(leaf).unlink()  # a hole in the DAG
    with pytest.raises(BlockNotFound):
        store.publish(cid)
    assert not store.is_published(cid)
    unknown = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
    assert client.get(f"/ipfs/{unknown}").status_code == 404


def test_a_store_without_a_publication_record_cannot_publish(tmp_path: Path) -> None:
    class NoRecord:
        """A store that keeps no publication record (kubo keeps one in its MFS: test_kubo)."""

    with pytest.raises(NotPublishable, match="no record of what is public"):
        publish(NoRecord(), "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")  # type: ignore[arg-type]
    assert not is_published(NoRecord(), "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")  # type: ignore[arg-type]
