"""The smallest true piece of the registry: register a work through the SDK and read it back."""

from __future__ import annotations

import pytest

from client_sdk import ConfigurationError, Hub, WorkAlreadyRegistered, WorkNotFound
from tests.factories import fake_cid, unique_digest


def test_register_then_read_back(studio_hub: Hub, reader_hub: Hub, studio) -> None:
    digest = unique_digest()
    reg = studio_hub.register_work(digest, "bafycontent", "bafymeta", work_type=2)
    work = reader_hub.get_work(reg.work_id)
    assert work.owner == studio.address
    assert work.content_digest == digest
    assert (work.content_cid, work.metadata_cid, work.work_type) == ("bafycontent", "bafymeta", 2)
    assert work.registered_at == reader_hub.w3.eth.get_block(reg.block_number)["timestamp"]
    assert reader_hub.registry.functions.workIdByDigest(digest).call() == reg.work_id


def test_register_refuses_duplicate_digest_naming_existing_work(studio_hub: Hub, buyer_hub: Hub, w3) -> None:
    digest = unique_digest()
    first = studio_hub.register_work(digest, fake_cid(), fake_cid("meta"))
    height = w3.eth.block_number
    with pytest.raises(WorkAlreadyRegistered) as info:
        buyer_hub.register_work(digest, fake_cid(), fake_cid("meta"))
    assert info.value.args_by_name == {"contentDigest": digest, "existingWorkId": first.work_id}
    assert w3.eth.block_number == height  # refused before sending: nothing mined


def test_get_unknown_work_raises_work_not_found(reader_hub: Hub) -> None:
    with pytest.raises(WorkNotFound) as info:
        reader_hub.get_work(999_999)
    assert info.value.args_by_name == {"workId": 999_999}
    assert isinstance(info.value, LookupError)


def test_register_rejects_short_digest_before_touching_chain(studio_hub: Hub) -> None:
    with pytest.raises(ConfigurationError, match="32 bytes"):
        studio_hub.register_work(b"\x01" * 31, fake_cid(), fake_cid("meta"))


def test_register_without_account_says_how_to_fix(reader_hub: Hub) -> None:
    with pytest.raises(ConfigurationError, match="account="):
        reader_hub.register_work(unique_digest(), fake_cid(), fake_cid("meta"))


def test_snapshot_isolation_starts_each_test_on_the_deployed_chain(reader_hub: Hub) -> None:
    # The other tests registered works; each was reverted, so id 1 does not exist here.
    with pytest.raises(WorkNotFound):
        reader_hub.get_work(1)
