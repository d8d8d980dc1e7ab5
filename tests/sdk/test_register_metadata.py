"""A Hub with a content store never registers metadata that is stored nowhere: documents are stored
before the transaction, and a CID the store lacks (or whose document is invalid) is refused before
anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from client_sdk import ConfigurationError, Hub, WorkInput
from client_sdk.content import LocalBlockStore, cid_of_bytes
from client_sdk.manifest import Deployment
from client_sdk.metadata import InvalidMetadata, MetadataNotStored, WorkMetadata, read_metadata
from tests.factories import fake_cid, unique_digest

HARBOUR = WorkMetadata("episode", title_en="River Harbour, Episode 1", title_zh="港湾河流 第一集")


@pytest.fixture
def store(tmp_path: Path) -> LocalBlockStore:
    return LocalBlockStore(tmp_path / "content")


@pytest.fixture
def hub(w3: Web3, deployment: Deployment, studio: LocalAccount, store: LocalBlockStore) -> Hub:
    return Hub(w3, deployment, studio, store=store)


def test_a_document_is_stored_then_registered_and_reads_back_from_the_store(hub: Hub, store: LocalBlockStore) -> None:
    reg = hub.register_work(unique_digest(), fake_cid(), HARBOUR, HARBOUR.chain_work_type)
    work = hub.get_work(reg.work_id)
    assert work.metadata_cid == HARBOUR.cid() and work.work_type == HARBOUR.chain_work_type
    assert WorkMetadata.from_document(read_metadata(store, work.metadata_cid)) == HARBOUR
    restored = WorkMetadata("episode", title_en="River Harbour, Episode 1 (restored)")
    assert hub.update_metadata(reg.work_id, restored) == 1
    assert hub.get_work(reg.work_id).metadata_cid == restored.cid() and store.has(restored.cid())


def test_a_cid_the_store_lacks_is_refused_before_anything_is_sent(hub: Hub, store: LocalBlockStore, w3: Web3) -> None:
    height = w3.eth.block_number
    missing = HARBOUR.cid()  # a real CID of a valid document, just never stored
    with pytest.raises(MetadataNotStored) as caught:
        hub.register_work(unique_digest(), fake_cid(), missing)
    message = str(caught.value)
    assert caught.value.cid == missing and isinstance(caught.value, LookupError)
    assert f"not in the content store at {store.root}" in message and "store the document first" in message
    with pytest.raises(MetadataNotStored):
        hub.register_works([WorkInput(unique_digest(), fake_cid(), missing, 0)])
    with pytest.raises(InvalidMetadata, match="is not a CID"):
        hub.register_work(unique_digest(), fake_cid(), "bafymeta")
    invalid = str(store.add(b'{"schemaVersion": 1, "workType": "film", "title": "just a string"}'))
    with pytest.raises(InvalidMetadata, match="metadata at title"):
        hub.register_work(unique_digest(), fake_cid(), invalid)
    with pytest.raises(InvalidMetadata, match="workType"):
        hub.register_work(unique_digest(), fake_cid(), {"schemaVersion": 1, "title": {"en": "no type"}})
    assert w3.eth.block_number == height  # nothing was sent
    assert not store.has(cid_of_bytes(b'{"schemaVersion":1,"title":{"en":"no type"}}'))


def test_a_stored_cid_registers_and_batches_check_every_work(hub: Hub, w3: Web3) -> None:
    cid = hub.store_metadata(HARBOUR)
    assert hub.register_work(unique_digest(), fake_cid(), cid).work_id > 0
    other = hub.store_metadata(WorkMetadata("film", title_zh="月光狐"), cid_version=1)
    regs = hub.register_works([WorkInput(unique_digest(), fake_cid(), c, 0) for c in (cid, other)])
    assert [hub.get_work(r.work_id).metadata_cid for r in regs] == [cid, other]


def test_without_a_store_a_document_cannot_be_registered(
    w3: Web3, deployment: Deployment, studio: LocalAccount
) -> None:
    bare = Hub(w3, deployment, studio)
    with pytest.raises(ConfigurationError, match="no content store to put metadata in; pass store="):
        bare.register_work(unique_digest(), fake_cid(), HARBOUR)
