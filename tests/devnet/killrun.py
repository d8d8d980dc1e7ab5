"""A seeded kill run: a journaling devnet SIGKILLed at random moments under a steady stream of
registrations and purchases; after every restart each receipt a client got before the kill must be
in the chain at the same block number, index and block hash, with the same work and licence ids.

Used by ``tests/devnet/test_journal.py`` (a few rounds) and ``benchmarks/devnet_faults.py`` (many).
The stream runs on a thread through the devnet's own address (the keeper's front door), as the SDK,
deploy and the indexer do; the kill hits the keeper or anvil under it, mid-stream.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from client_sdk import ETH, Hub
from client_sdk.accounts import from_mnemonic
from client_sdk.chain import connect
from client_sdk.deploy import deploy
from copyright_hub.devnet import AnvilProcess, DevnetConfig, free_port, load_config, spawn_anvil
from copyright_hub.scenario import terms
from tests.factories import fake_cid, unique_digest

PRICE = 10**15


@dataclass(frozen=True)
class Confirmed:
    """What a client saw: a receipt's position, and the id (work or licence) it created."""

    kind: str  # "work" or "licence"
    ident: int
    tx_hash: str
    block: int
    index: int
    block_hash: str
    digest: bytes = b""  # the registered file's digest (works)


@dataclass
class KillReport:
    seed: int
    rounds: int = 0
    kills_keeper: int = 0
    kills_anvil: int = 0
    confirmed: int = 0
    blocks_replayed: int = 0
    restart_seconds: list[float] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _receipt(hub: Hub, tx_hash: str) -> dict[str, Any]:
    r = hub.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    return {"block": int(r["blockNumber"]), "index": int(r["transactionIndex"]), "hash": r["blockHash"].to_0x_hex()}


class Stream:
    """Registers works and buys licences on them until stopped or the devnet dies under it."""

    def __init__(self, url: str, deployment: Any, config: DevnetConfig, rng: random.Random) -> None:
        w3 = connect(url)
        self.studio = Hub(w3, deployment, from_mnemonic(config.mnemonic, 1))
        self.buyer = Hub(w3, deployment, from_mnemonic(config.mnemonic, 2))
        self.rng = rng
        self.seen: list[Confirmed] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                digest = unique_digest()
                reg = self.studio.register_work(digest, fake_cid(), fake_cid("meta"), 0)
                at = _receipt(self.studio, reg.tx_hash)
                self.seen.append(
                    Confirmed("work", reg.work_id, reg.tx_hash, at["block"], at["index"], at["hash"], digest)
                )
                if self.rng.random() < 0.5:
                    now = int(self.studio.w3.eth.get_block("latest")["timestamp"])
                    offer = self.studio.create_offer(terms(reg.work_id, now, price=PRICE))
                    bought = self.buyer.purchase(offer, max_price=PRICE, currency=ETH)
                    at = _receipt(self.buyer, bought.tx_hash)
                    self.seen.append(
                        Confirmed("licence", bought.licence_id, bought.tx_hash, at["block"], at["index"], at["hash"])
                    )
        except Exception:  # the devnet died under the stream: what it saw so far is the point
            return


def check(hub: Hub, seen: list[Confirmed]) -> list[str]:
    """Every confirmed transaction that is not where (or what) the client saw."""
    missing = []
    for c in seen:
        try:
            at = _receipt(hub, c.tx_hash)
        except Exception as exc:
            missing.append(f"{c.kind} {c.ident}: receipt of {c.tx_hash} gone ({type(exc).__name__})")
            continue
        if (at["block"], at["index"], at["hash"]) != (c.block, c.index, c.block_hash):
            missing.append(f"{c.kind} {c.ident}: {c.tx_hash} at {at}, was block {c.block} index {c.index}")
        elif c.kind == "work" and hub.get_work(c.ident).content_digest != c.digest:
            missing.append(f"work {c.ident} now holds another file")
        elif c.kind == "licence" and hub.get_licence(c.ident).holder.lower() != hub.account.address.lower():  # type: ignore[union-attr]
            missing.append(f"licence {c.ident} has another holder")
    return missing


def _anvil_child(keeper: int) -> int | None:
    try:
        children = Path(f"/proc/{keeper}/task/{keeper}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def run_kills(workdir: Path, *, rounds: int, seed: int, interval: float = 2.0, stream_for: float = 2.0) -> KillReport:
    """``rounds`` of: stream for a random time up to ``stream_for`` s, SIGKILL (the keeper, or every
    other round anvil under it), restart, check. ``interval`` is the snapshot period (the default's)."""
    rng = random.Random(seed)
    report = KillReport(seed)
    config = DevnetConfig(**{**load_config().__dict__, "state_interval": interval})
    state, port = workdir / "anvil-state.json", free_port()
    node: AnvilProcess = spawn_anvil(config=config, state=state, port=port, journal=True)
    try:
        w3 = connect(node.url)
        deployment = deploy(w3, from_mnemonic(config.mnemonic, 0), workdir / "deployments").deployment
        seen: list[Confirmed] = []
        for round_ in range(rounds):
            stream = Stream(node.url, deployment, config, rng)
            stream.thread.start()
            time.sleep(rng.uniform(0.2, stream_for))
            child = _anvil_child(node.process.pid)
            if child and round_ % 2:
                os.kill(child, signal.SIGKILL)  # anvil dies mid-stream; its keeper follows
                node.process.wait(10)
                report.kills_anvil += 1
            else:
                report.kills_keeper += 1
            node.kill()
            stream.stop.set()
            stream.thread.join(30)
            seen += stream.seen
            started = time.monotonic()
            node = spawn_anvil(config=config, state=state, port=port, journal=True)
            report.restart_seconds.append(round(time.monotonic() - started, 3))
            if node.recovered:
                if "could not" in node.recovered or "lost" in node.recovered or "another chain" in node.recovered:
                    report.problems.append(node.recovered)
                first_last = node.recovered.split("replayed blocks ")[-1].split(" ")[0]
                if ".." in first_last:
                    a, b = first_last.split("..")
                    report.blocks_replayed += int(b) - int(a) + 1
            report.missing += check(Hub(connect(node.url), deployment, from_mnemonic(config.mnemonic, 2)), seen)
            report.rounds += 1
        report.confirmed = len(seen)
    finally:
        node.stop()
    return report


def front_door_cost(workdir: Path, *, registrations: int) -> dict[str, float]:
    """Registrations per second on a bare anvil and on a journaling devnet (same machine, same run)."""
    config = DevnetConfig(**{**load_config().__dict__, "state_interval": 2.0})
    rates = {}
    for name, journal in (("direct", False), ("journaled", True)):
        state = workdir / name / "anvil-state.json" if journal else None
        node = spawn_anvil(config=config, state=state, journal=journal)
        try:
            w3 = connect(node.url)
            deployment = deploy(w3, from_mnemonic(config.mnemonic, 0), workdir / name / "deployments").deployment
            studio = Hub(w3, deployment, from_mnemonic(config.mnemonic, 1))
            started = time.perf_counter()
            for _ in range(registrations):
                studio.register_work(unique_digest(), fake_cid(), fake_cid("meta"), 0)
            rates[f"{name}_registrations_per_s"] = round(registrations / (time.perf_counter() - started), 1)
        finally:
            node.stop()
    rates["journaled_over_direct"] = round(
        rates["journaled_registrations_per_s"] / rates["direct_registrations_per_s"], 3
    )
    return rates
