"""A seeded fault run: a devnet and a following indexer SIGKILLed at random moments under mixed hub
activity, then the mirror compared with a fresh rebuild (table by table) and with the chain.

Used by the bounded test in this folder and, for longer runs, by ``benchmarks/indexer_faults.py``.
Each round does some activity, then kills the devnet (it restarts from its last state snapshot, so
the chain comes back shorter), the indexer, or both, and regrows the chain past the finality depth
before a killed indexer is started again. The devnet's snapshots come every ``SNAPSHOT_INTERVAL``
seconds, far fewer blocks than the finality depth, so every loss is a reorg the indexer can undo.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from client_sdk.accounts import from_mnemonic
from client_sdk.chain import connect
from client_sdk.deploy import deploy
from copyright_hub.devnet import AnvilProcess, DevnetConfig, free_port, load_config, spawn_anvil
from copyright_hub.devnet_state import read_snapshot
from indexer import Indexer, IndexerSettings

from .chaos import Activity, chain_diffs
from .conftest import checkpoint_hash, scalar

#: the fault run's finality depth: far more blocks than one snapshot interval of activity can make
DEPTH = 32
SNAPSHOT_INTERVAL = 0.5


@dataclass
class FaultReport:
    seed: int
    rounds: int = 0
    devnet_kills: int = 0
    indexer_kills: int = 0
    blocks_lost: int = 0
    reorgs_detected: int = 0
    divergent_tables: list[str] = field(default_factory=list)
    chain_diffs: list[str] = field(default_factory=list)
    indexer_failures: list[str] = field(default_factory=list)
    activity: dict[str, int] = field(default_factory=dict)
    refused_steps: int = 0
    seconds: float = 0.0


def _follow(url: str, rpc_url: str, deployments: str) -> None:
    settings = IndexerSettings(
        database_url=url, rpc_url=rpc_url, deployments_dir=deployments, finality_depth=DEPTH,
        poll_interval=0.05, rpc_backoff=0.05, rpc_backoff_max=0.5,
    )  # fmt: skip
    try:
        Indexer(settings).run()
    except BaseException as exc:  # a stop the run must report (deep reorg, lost lock, ...)
        print(f"fault-run indexer stopped: {type(exc).__name__}: {exc}", flush=True)
        os._exit(3)
    os._exit(0)


def run_faults(
    mirror_url: str,
    fresh_url: str,
    workdir: Path,
    *,
    rounds: int,
    seed: int,
    dump: Callable[[str], dict[str, Any]],
    on_round: Callable[[int, str], None] | None = None,
) -> FaultReport:
    """Run ``rounds`` fault rounds against a private devnet; ``mirror_url`` is followed throughout,
    ``fresh_url`` is indexed once at the end for the comparison (both must be empty databases)."""
    rng = random.Random(seed)
    report = FaultReport(seed)
    started = time.monotonic()
    config = DevnetConfig(**{**load_config().__dict__, "state_interval": SNAPSHOT_INTERVAL})
    state, port = workdir / "state" / "anvil-state.json", free_port()
    node = spawn_anvil(config=config, state=state, port=port)
    indexer: Any = None
    ctx = multiprocessing.get_context("fork")
    try:
        w3 = connect(node.url)
        accounts = [from_mnemonic(config.mnemonic, i) for i in range(6)]
        deployments = workdir / "deployments"
        deployment = deploy(w3, accounts[0], deployments).deployment
        activity = Activity(w3, deployment, accounts, rng)
        activity.grant_roles()
        _wait_snapshot(state, int(w3.eth.block_number))  # a crash from here on keeps the deployment

        def start_indexer() -> Any:
            proc = ctx.Process(target=_follow, args=(mirror_url, node.url, str(deployments)), daemon=True)
            proc.start()
            return proc

        def restart_devnet() -> AnvilProcess:
            before = int(w3.eth.block_number)
            node.kill()
            new = spawn_anvil(config=config, state=state, port=port)
            report.devnet_kills += 1
            report.blocks_lost += before - int(connect(new.url).eth.block_number)
            return new

        indexer = start_indexer()
        for round_ in range(rounds):
            for _ in range(rng.randrange(3, 9)):
                activity.step()
            kind = rng.choice(("devnet", "indexer", "both"))
            if kind != "indexer":
                # the follower holds the newest blocks, then a little more activity that the next
                # snapshot most likely does not hold yet: the crash takes blocks the mirror has
                _wait_caught_up(mirror_url, w3, indexer, timeout=30)
                for _ in range(rng.randrange(1, 3)):
                    activity.step()
                time.sleep(rng.uniform(0, 0.1))
                node = restart_devnet()
            if kind != "devnet":
                time.sleep(rng.uniform(0, 0.3))
                _kill(indexer)
                report.indexer_kills += 1
                if indexer.exitcode not in (0, -signal.SIGKILL):
                    report.indexer_failures.append(f"round {round_}: exit code {indexer.exitcode}")
            # regrow past the finality depth, then let a snapshot hold it before anything else dies
            for _ in range(2):
                activity.step()
            w3.provider.make_request("anvil_mine", [hex(DEPTH + rng.randrange(1, 12))])  # type: ignore[arg-type]
            time.sleep(SNAPSHOT_INTERVAL * 2.5)
            if kind != "devnet":
                indexer = start_indexer()
            elif not indexer.is_alive():
                report.indexer_failures.append(f"round {round_}: the indexer stopped (exit {indexer.exitcode})")
                indexer = start_indexer()
            report.rounds += 1
            if on_round is not None:
                on_round(round_, kind)

        if not _wait_caught_up(mirror_url, w3, indexer, timeout=120):
            report.indexer_failures.append(f"the indexer never caught up with the head (exit {indexer.exitcode})")
        _kill(indexer)

        fresh = Indexer(IndexerSettings(database_url=fresh_url, rpc_url=node.url, deployments_dir=deployments,
                                        finality_depth=DEPTH))  # fmt: skip
        fresh.run(once=True)
        fresh.engine.dispose()
        lived, rebuilt = dump(mirror_url), dump(fresh_url)
        report.divergent_tables = sorted(t for t in rebuilt if lived.get(t) != rebuilt[t])
        report.chain_diffs = chain_diffs(mirror_url, w3, deployment, [a.address for a in accounts])
        report.reorgs_detected = int(scalar(mirror_url, "SELECT reorgs_handled FROM indexer_status") or 0)
        report.activity = dict(activity.done)
        report.refused_steps = activity.refused
    finally:
        if indexer is not None:
            _kill(indexer)
        node.stop()
    report.seconds = round(time.monotonic() - started, 1)
    return report


def _wait_snapshot(state: Path, height: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not (state.exists() and read_snapshot(state).block >= height):
        if time.monotonic() > deadline:
            raise AssertionError(f"the devnet keeper wrote no snapshot of block {height} within {timeout:.0f}s")
        time.sleep(0.05)


def _wait_caught_up(url: str, w3: Any, indexer: Any, *, timeout: float) -> bool:
    """Wait until the mirror's checkpoint is the chain's head block (False: it did not get there)."""
    deadline = time.monotonic() + timeout
    while indexer.is_alive() and time.monotonic() < deadline:
        if checkpoint_hash(url) == w3.eth.get_block("latest")["hash"].to_0x_hex():
            return True
        time.sleep(0.05)
    return False


def _kill(proc: Any) -> None:
    if proc.is_alive():
        os.kill(proc.pid, signal.SIGKILL)
    proc.join()
