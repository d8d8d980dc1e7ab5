"""Reorgs of depth 1 to 12 (``anvil_reorg``) and chains that come back shorter (``anvil_rollback``):
after each, the mirror that lived through it equals a fresh index of the canonical chain."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from indexer import DeepReorgError

from .conftest import Chain, MirrorFactory, chain_works, checkpoint_hash, dump, index_once


def _blocks_with_two_senders(chain: Chain, blocks: int) -> list[tuple[str, str]]:
    """Mine ``blocks`` blocks, each with one registration from account 1 and one from account 2."""
    chain.sync_nonces()
    a_txs = chain.signed_registrations(chain.accounts[1], blocks)
    b_txs = chain.signed_registrations(chain.accounts[2], blocks)
    chain.rpc("evm_setAutomine", [False])
    try:
        for a, b in zip(a_txs, b_txs, strict=True):
            chain.rpc("eth_sendRawTransaction", [a])
            chain.rpc("eth_sendRawTransaction", [b])
            chain.rpc("evm_mine")
    finally:
        chain.rpc("evm_setAutomine", [True])
    return list(zip(a_txs, b_txs, strict=True))


def _status(url: str) -> dict[str, object]:
    from indexer.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT reorgs_handled, last_reorg_depth, checkpoint_block FROM indexer_status")
        ).one()
    engine.dispose()
    return dict(row._mapping)


@pytest.mark.parametrize("depth", range(1, 13))
def test_reorg_rolls_back_and_reapplies(chain: Chain, new_mirror: MirrorFactory, depth: int) -> None:
    chain.mine(2)
    pairs = _blocks_with_two_senders(chain, depth + 1)
    lived = new_mirror()
    index_once(lived, chain)

    # replace the last `depth` blocks: account 1's txs there disappear, account 2's move (all into the
    # first new block, so their logs change block and position), and account 3 adds new ones
    moved = [b for _, b in pairs[-depth:]]
    chain.sync_nonces()
    fresh_txs = chain.signed_registrations(chain.accounts[3], 2)
    plan = [[tx, 0] for tx in moved] + [[tx, depth - 1] for tx in fresh_txs]
    chain.rpc("anvil_reorg", [depth, plan])
    chain.sync_nonces()

    index_once(lived, chain)
    rebuilt = new_mirror()
    index_once(rebuilt, chain)
    assert dump(lived.url) == dump(rebuilt.url)
    mirrored = dump(lived.url)
    assert len(mirrored["work"]) == chain_works(chain)
    status = _status(lived.url)
    assert status["reorgs_handled"] == 1
    assert status["last_reorg_depth"] == depth


@pytest.mark.parametrize("depth", [1, 5, 12])
def test_chain_that_comes_back_shorter_is_a_reorg(chain: Chain, new_mirror: MirrorFactory, depth: int) -> None:
    _blocks_with_two_senders(chain, depth + 1)
    lived = new_mirror()
    index_once(lived, chain)
    chain.rpc("anvil_rollback", [depth])
    chain.sync_nonces()
    index_once(lived, chain)  # the chain is now shorter than the checkpoint
    chain.register(2, per_block=1, account=4)
    index_once(lived, chain)
    rebuilt = new_mirror()
    index_once(rebuilt, chain)
    assert dump(lived.url) == dump(rebuilt.url)
    assert len(dump(lived.url)["work"]) == chain_works(chain)


def test_reorg_deeper_than_finality_stops_loudly(chain: Chain, new_mirror: MirrorFactory) -> None:
    _blocks_with_two_senders(chain, 6)
    lived = new_mirror()
    index_once(lived, chain, finality_depth=2)
    before = dump(lived.url)
    chain.rpc("anvil_reorg", [5, []])
    chain.sync_nonces()
    with pytest.raises(DeepReorgError, match="deeper than the finality depth"):
        index_once(lived, chain, finality_depth=2)
    assert dump(lived.url) == before


def test_running_mirror_equals_a_rebuild_after_activity_and_reorgs(chain: Chain, new_mirror: MirrorFactory) -> None:
    import threading
    import time

    from indexer import Indexer

    lived = new_mirror()
    ix = Indexer(lived.settings(chain, poll_interval=0.05))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            ix.run()
        except BaseException as exc:
            errors.append(exc)

    def checkpoint() -> str | None:
        return checkpoint_hash(lived.url)

    def wait_caught_up() -> None:
        head = chain.w3.eth.get_block("latest")["hash"].to_0x_hex()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and checkpoint() != head:
            time.sleep(0.05)
        assert checkpoint() == head, errors

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        for depth in (3, 1, 7):
            _blocks_with_two_senders(chain, depth + 2)
            wait_caught_up()
            chain.sync_nonces()
            chain.rpc("anvil_reorg", [depth, [[tx, 0] for tx in chain.signed_registrations(chain.accounts[3], 2)]])
            chain.sync_nonces()
            wait_caught_up()
    finally:
        ix.stop()
        thread.join(30)
    assert not errors, errors
    assert _status(lived.url)["reorgs_handled"] >= 3
    rebuilt = new_mirror()
    index_once(rebuilt, chain)
    assert dump(lived.url) == dump(rebuilt.url)
