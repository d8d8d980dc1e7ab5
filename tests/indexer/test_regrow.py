"""A devnet that crashes, comes back shorter (from its last state snapshot) and grows past the finality
depth before the follower looks again. The follower must see that its checkpoint is no longer on the
chain, and roll back, whether it was down, waiting between RPC retries, or in a long backfill.

Every test kills a real anvil (SIGKILL of its state keeper) and restarts it from the state file, then
compares the mirror with a fresh rebuild, table by table, and with the chain itself (owners, splits,
offers, licences, credits). A gate in front of anvil (a stand-in for an RPC outage or a slow provider,
nothing else) holds the follower's calls back while the chain changes.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from web3 import Web3

from client_sdk.accounts import from_mnemonic
from client_sdk.chain import connect
from client_sdk.deploy import deploy
from client_sdk.manifest import Deployment
from copyright_hub.devnet import AnvilProcess, DevnetConfig, free_port, load_config, spawn_anvil
from indexer import DeepReorgError, Indexer

from .chaos import Activity, chain_diffs
from .conftest import Mirror, MirrorFactory, checkpoint_hash, dump, scalar
from .rpcproxy import RpcProxy, serve

DEPTH = 12


@dataclass
class Devnet:
    """A private devnet with a state file that tests crash and restart; the hub deployed on it."""

    config: DevnetConfig
    state: Path
    port: int
    node: AnvilProcess
    deployments_dir: Path
    deployment: Deployment
    activity: Activity

    @property
    def url(self) -> str:
        return self.node.url

    @property
    def w3(self) -> Web3:
        return self.activity.w3

    def save(self) -> None:
        """Stop gracefully (the keeper writes a snapshot) and start again: the chain so far is kept."""
        self.node.stop()
        self._start()

    def crash(self) -> int:
        """SIGKILL and restart from the last snapshot; returns how many blocks were lost."""
        before = self.height()
        self.node.kill()
        self._start()
        lost = before - self.height()
        assert lost > 0, "the crash lost nothing: the test would not exercise a shorter chain"
        return lost

    def _start(self) -> None:
        self.node = spawn_anvil(config=self.config, state=self.state, port=self.port)

    def height(self) -> int:
        return int(self.w3.eth.block_number)

    def act(self, steps: int) -> None:
        """``steps`` actions the chain accepted (a step on an id a crash took away is refused and retried)."""
        done = 0
        for _ in range(10 * steps):
            if self.activity.step() != "refused":
                done += 1
                if done == steps:
                    return
        raise AssertionError(f"the chain refused the activity: {done} of {steps} steps done")

    def regrow(self, blocks: int = 3 * DEPTH) -> None:
        """New activity, then empty blocks: the chain grows past the finality depth on another branch."""
        self.act(4)
        self.w3.provider.make_request("anvil_mine", [hex(blocks)])  # type: ignore[arg-type]

    def mirror_settings(self, mirror: Mirror, **kw: Any) -> Any:
        from indexer import IndexerSettings

        kw.setdefault("rpc_url", self.url)
        return IndexerSettings(database_url=mirror.url, deployments_dir=self.deployments_dir, finality_depth=DEPTH, **kw)

    def index_once(self, mirror: Mirror, **kw: Any) -> Indexer:
        ix = Indexer(self.mirror_settings(mirror, **kw))
        ix.run(once=True)
        ix.engine.dispose()
        return ix

    def assert_mirror_is_the_chain(self, mirror: Mirror, new_mirror: MirrorFactory) -> None:
        fresh = new_mirror()
        self.index_once(fresh)
        assert dump(mirror.url) == dump(fresh.url)
        accounts = [a.address for a in self.activity.accounts]
        assert chain_diffs(mirror.url, self.w3, self.deployment, accounts) == []


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[Devnet]:
    # snapshots only when the test asks (graceful stop), so what a crash loses is exactly known
    config = DevnetConfig(**{**load_config().__dict__, "state_interval": 3600})
    state = tmp_path / "state" / "anvil-state.json"
    port = free_port()
    node = spawn_anvil(config=config, state=state, port=port)
    net: Devnet | None = None
    try:
        w3 = connect(node.url)
        accounts = [from_mnemonic(config.mnemonic, i) for i in range(6)]
        directory = tmp_path / "deployments"
        deployment = deploy(w3, accounts[0], directory).deployment
        activity = Activity(w3, deployment, accounts, random.Random(7))
        activity.grant_roles()
        net = Devnet(config, state, port, node, directory, deployment, activity)
        net.act(12)
        yield net
    finally:
        (net.node if net is not None else node).stop()


def _status(mirror: Mirror) -> dict[str, Any]:
    engine = mirror.engine()
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM indexer_status")).mappings().one()
    engine.dispose()
    return dict(row)


def test_shorter_chain_regrown_past_finality_while_the_indexer_is_down(
    devnet: Devnet, new_mirror: MirrorFactory
) -> None:
    devnet.save()
    lived = new_mirror()
    devnet.act(6)
    devnet.index_once(lived)  # following the head: the blocks above the snapshot are in the mirror
    devnet.crash()
    devnet.regrow()
    devnet.index_once(lived)  # the checkpoint is below safe now: straight into a backfill
    devnet.assert_mirror_is_the_chain(lived, new_mirror)
    status = _status(lived)
    assert status["reorgs_handled"] == 1
    assert status["last_reorg_block"] is not None and status["last_reorg_at"] is not None


def test_reorg_count_survives_an_indexer_restart(devnet: Devnet, new_mirror: MirrorFactory) -> None:
    devnet.save()
    lived = new_mirror()
    devnet.act(4)
    devnet.index_once(lived)
    devnet.crash()
    devnet.regrow()
    devnet.index_once(lived)
    first = _status(lived)
    devnet.act(2)
    devnet.index_once(lived)  # a new process: it must carry the totals on, not start from zero
    after = _status(lived)
    assert after["reorgs_handled"] == first["reorgs_handled"] == 1
    assert (after["last_reorg_depth"], after["last_reorg_block"], after["last_reorg_at"]) == (
        first["last_reorg_depth"], first["last_reorg_block"], first["last_reorg_at"],
    )  # fmt: skip
    assert after["events_total"] > first["events_total"]


class _Gate(RpcProxy):
    """While ``closed`` answers 503 (an outage the follower retries); ``on_logs`` runs before the n-th
    ``eth_getLogs`` range query is forwarded."""

    closed = threading.Event()
    refused = 0
    range_queries = 0
    on_logs: ClassVar[dict[int, Callable[[], None]]] = {}

    def intercept(self, request: Any) -> tuple[int, bytes] | None:
        cls = type(self)
        if cls.closed.is_set():
            with cls.lock:
                cls.refused += 1
            return 503, b"gate closed"
        calls = request if isinstance(request, list) else [request]
        if any(c.get("method") == "eth_getLogs" and "fromBlock" in c["params"][0] for c in calls):
            with cls.lock:
                cls.range_queries += 1
                hook = cls.on_logs.pop(cls.range_queries, None)
            if hook is not None:
                hook()
        return None


@pytest.fixture
def gate(devnet: Devnet) -> Iterator[tuple[str, type[_Gate]]]:
    with serve(_Gate, devnet.url, closed=threading.Event(), refused=0, range_queries=0, on_logs={}) as proxy:
        yield proxy


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_shorter_chain_regrown_while_the_follower_waits_between_retries(
    devnet: Devnet, new_mirror: MirrorFactory, gate: tuple[str, type[_Gate]]
) -> None:
    url, handler = gate
    devnet.save()
    devnet.act(6)
    lived = new_mirror()
    ix = Indexer(devnet.mirror_settings(lived, rpc_url=url, poll_interval=0.05, rpc_backoff=0.05, rpc_backoff_max=0.2))
    errors: list[BaseException] = []
    thread = threading.Thread(target=lambda: _run(ix, errors), daemon=True)
    thread.start()
    try:
        head = devnet.w3.eth.get_block("latest")["hash"].to_0x_hex()
        _wait(lambda: checkpoint_hash(lived.url) == head, "the follower to reach the head")

        handler.closed.set()  # the follower's calls now fail: it retries with back-off
        _wait(lambda: handler.refused >= 2, "the follower to retry")
        _wait(lambda: _status(lived)["state"] == "rpc_unavailable", "the outage to show in the status row")
        outage = _status(lived)
        assert "RPC" in outage["last_error"] and outage["last_error_at"] >= int(time.time()) - 5
        devnet.crash()
        devnet.regrow()
        handler.closed.clear()

        head = devnet.w3.eth.get_block("latest")["hash"].to_0x_hex()
        _wait(lambda: checkpoint_hash(lived.url) == head, "the follower to catch up with the regrown chain")
        _wait(lambda: _status(lived)["state"] == "following", "the outage to clear")
    finally:
        ix.stop()
        thread.join(30)
    assert not errors, errors
    status = _status(lived)
    assert status["reorgs_handled"] == 1
    devnet.assert_mirror_is_the_chain(lived, new_mirror)


def test_reorg_below_the_checkpoint_during_a_long_backfill_is_detected_at_once(
    devnet: Devnet, new_mirror: MirrorFactory, gate: tuple[str, type[_Gate]]
) -> None:
    url, handler = gate
    devnet.w3.provider.make_request("anvil_mine", [hex(200)])  # type: ignore[arg-type]
    devnet.act(3)
    devnet.save()
    lost_from = devnet.height()
    devnet.act(3)
    devnet.w3.provider.make_request("anvil_mine", [hex(60)])  # type: ignore[arg-type]
    devnet.act(3)
    head = devnet.height()
    crashed_at: list[int] = []

    def crash_and_regrow() -> None:  # the backfill has read past `lost_from` by now
        crashed_at.append(handler.range_queries)
        devnet.crash()
        devnet.regrow(blocks=200)

    # one block per range: the n-th range query reads block deploy_block + n - 1; crash 20 past the snapshot
    handler.on_logs[lost_from + 20 - devnet.deployment.deploy_block + 1] = crash_and_regrow
    lived = new_mirror()
    with pytest.raises(DeepReorgError, match="deeper than the finality depth"):
        devnet.index_once(lived, rpc_url=url, initial_block_range=1, max_block_range=1)
    assert crashed_at, "the crash never happened: the backfill did not get that far"
    # detected at the next ranges (the fetcher reads at most a few ahead), not at the head
    assert handler.range_queries - crashed_at[0] <= 4, (handler.range_queries, crashed_at)
    checkpoint = _checkpoint_number(lived)
    assert checkpoint < head - DEPTH
    # the way out the error names: rebuild, which then equals the chain
    ix = Indexer(devnet.mirror_settings(lived))
    ix.run(once=True, rebuild=True)
    ix.engine.dispose()
    devnet.assert_mirror_is_the_chain(lived, new_mirror)


def test_repeated_crash_and_regrow_cycles(devnet: Devnet, new_mirror: MirrorFactory) -> None:
    lived = new_mirror()
    for cycle in range(3):
        devnet.save()
        devnet.act(4)
        devnet.index_once(lived)
        devnet.crash()
        if cycle % 2:
            devnet.index_once(lived)  # sometimes it looks while the chain is still short
        devnet.regrow()
        devnet.index_once(lived)
        devnet.assert_mirror_is_the_chain(lived, new_mirror)
    assert _status(lived)["reorgs_handled"] == 3


def _run(ix: Indexer, errors: list[BaseException]) -> None:
    try:
        ix.run()
    except BaseException as exc:
        errors.append(exc)


def _checkpoint_number(mirror: Mirror) -> int:
    return int(scalar(mirror.url, "SELECT block_number FROM checkpoint"))
