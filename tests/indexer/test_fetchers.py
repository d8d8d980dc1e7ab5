"""The backfill's two fetchers (a forked process, a thread) sit behind one range iterator and give the
same mirror; the range reader proves each range's anchor before reading it."""

from __future__ import annotations

import pytest

from indexer._rpc import Rpc
from indexer.decode import EventRegistry
from indexer.settings import IndexerSettings
from indexer.sync.pipeline import AncestorGone, RangeReader

from .conftest import Chain, MirrorFactory, dump, index_once


def test_thread_and_process_fetchers_give_the_same_mirror(chain: Chain, new_mirror: MirrorFactory) -> None:
    chain.register(40, per_block=10, account=3)
    by_process, by_thread = new_mirror(), new_mirror()
    index_once(by_process, chain, finality_depth=0, fetch_process=True, initial_block_range=1)
    index_once(by_thread, chain, finality_depth=0, fetch_process=False, initial_block_range=1)
    assert dump(by_process.url) == dump(by_thread.url)
    assert dump(by_thread.url)["work"]


def test_a_range_whose_anchor_block_changed_raises_ancestor_gone(chain: Chain) -> None:
    chain.register(2, per_block=1, account=3)
    contracts = {name: c.address.lower() for name, c in chain.deployment.contracts.items()}
    settings = IndexerSettings(rpc_url=chain.node.url)
    rpc = Rpc(chain.node.url)
    try:
        reader = RangeReader(rpc, sorted(contracts.values()), EventRegistry(contracts), settings, 4)
        head = int(chain.rpc("eth_blockNumber", []), 16)
        first = head - 1
        held = chain.rpc("eth_getBlockByNumber", [hex(first - 1), False])["hash"].lower()
        assert [last for last, _, _ in reader.ranges(first, head, held)] == [head]
        with pytest.raises(AncestorGone) as gone:
            next(reader.ranges(first, head, "0x" + "ab" * 32))
        assert gone.value.number == first - 1
    finally:
        rpc.close()
