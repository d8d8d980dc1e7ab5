"""Fixtures for indexer tests: a private anvil per module (reorgs and rollbacks must not fight the
session's snapshot fixture), the hub deployed on it, and mirror databases on BOTH a temporary SQLite
file and the real PostgreSQL at 127.0.0.1:5432 (a fresh schema per test, dropped afterwards)."""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from eth_account.signers.local import LocalAccount
from web3 import Web3

from client_sdk.accounts import from_mnemonic
from client_sdk.artifacts import load_artifact
from client_sdk.chain import connect
from client_sdk.deploy import deploy
from client_sdk.manifest import Deployment
from copyright_hub.devnet import AnvilProcess, load_config, spawn_anvil
from indexer import IndexerSettings
from indexer.db import make_engine
from indexer.models import MIRROR_TABLES

PG_ADMIN_URL = os.environ.get("COPYRIGHT_HUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
_digests = itertools.count(1)


@dataclass
class Chain:
    """A private anvil with the hub deployed, and helpers to make events quickly."""

    node: AnvilProcess
    w3: Web3
    deployment: Deployment
    deployments_dir: Path
    accounts: list[LocalAccount]
    nonces: dict[str, int] = field(default_factory=dict)

    @property
    def registry(self) -> Any:
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(self.deployment.address("WorkRegistry")),
            abi=load_artifact("WorkRegistry").abi,
        )

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        return self.node.rpc(method, params)

    def sync_nonces(self) -> None:
        for a in self.accounts:
            self.nonces[a.address] = self.w3.eth.get_transaction_count(a.address, "pending")

    def signed_registrations(self, account: LocalAccount, n: int) -> list[str]:
        """``n`` signed registerWork txs from ``account`` with consecutive nonces (not sent)."""
        if account.address not in self.nonces:
            self.sync_nonces()
        out = []
        for _ in range(n):
            i = next(_digests)
            digest = i.to_bytes(32, "big")
            data = self.registry.encode_abi(
                "registerWork", args=_register_args(self.registry, digest, i, account.address)
            )
            tx = {
                "to": self.registry.address,
                "data": data,
                "nonce": self.nonces[account.address],
                "gas": 600_000,
                "maxFeePerGas": 50 * 10**9,
                "maxPriorityFeePerGas": 10**9,
                "chainId": self.deployment.chain_id,
                "value": 0,
            }
            self.nonces[account.address] += 1
            out.append("0x" + account.sign_transaction(tx).raw_transaction.hex())
        return out

    def register(self, n: int, *, per_block: int = 1, account: int = 1) -> None:
        """Register ``n`` works, ``per_block`` in each mined block."""
        self.rpc("evm_setAutomine", [False])
        try:
            txs = self.signed_registrations(self.accounts[account], n)
            for i in range(0, n, per_block):
                for raw in txs[i : i + per_block]:
                    self.rpc("eth_sendRawTransaction", [raw])
                self.rpc("evm_mine")
        finally:
            self.rpc("evm_setAutomine", [True])

    def mine(self, n: int = 1) -> None:
        self.rpc("anvil_mine", [hex(n)])


def _register_args(contract: Any, digest: bytes, i: int, owner: str) -> list[Any]:
    """Arguments of registerWork for whichever registry interface is built (simple or WorkInput)."""
    fn = contract.get_function_by_name("registerWork")
    inputs = fn.abi["inputs"]
    if len(inputs) == 1 and inputs[0]["type"] == "tuple":
        return [(digest, f"bafycontent{i}", f"bafymeta{i}", 1, 0, [(owner, 10_000)], [], [])]
    return [digest, f"bafycontent{i}", f"bafymeta{i}", 1]


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    config = load_config()
    node = spawn_anvil(config=config)
    try:
        w3 = connect(node.url)
        directory = tmp_path_factory.mktemp("indexer-deployments")
        accounts = [from_mnemonic(config.mnemonic, i) for i in range(6)]
        deployment = deploy(w3, accounts[0], directory).deployment
        yield Chain(node, w3, deployment, directory, accounts)
    finally:
        node.stop()


def _pg_available() -> bool:
    try:
        with make_engine(PG_ADMIN_URL).connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.OperationalError:
        return False


@dataclass
class Mirror:
    """A mirror database: its URL (usable by subprocesses too) and what to dump for comparisons."""

    kind: str
    url: str

    def engine(self) -> sa.Engine:
        return make_engine(self.url)

    def settings(self, chain: Chain, **kw: Any) -> IndexerSettings:
        kw.setdefault("finality_depth", 12)
        kw.setdefault("deployments_dir", chain.deployments_dir)
        kw.setdefault("rpc_url", chain.node.url)
        return IndexerSettings(database_url=self.url, **kw)


def _new_pg_schema() -> tuple[str, str]:
    schema = "idx_" + secrets.token_hex(6)
    with make_engine(PG_ADMIN_URL).begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    return schema, f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"


def _drop_pg_schema(schema: str) -> None:
    engine = make_engine(PG_ADMIN_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


class MirrorFactory:
    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.tmp_path = tmp_path
        self.schemas: list[str] = []
        self.count = 0

    def __call__(self) -> Mirror:
        self.count += 1
        if self.kind == "sqlite":
            return Mirror("sqlite", f"sqlite:///{self.tmp_path / f'mirror{self.count}.sqlite3'}")
        schema, url = _new_pg_schema()
        self.schemas.append(schema)
        return Mirror("postgresql", url)

    def close(self) -> None:
        for s in self.schemas:
            _drop_pg_schema(s)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_mirror(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MirrorFactory]:
    """Makes fresh mirror databases of one kind (the test runs once for SQLite, once for PostgreSQL)."""
    if request.param == "postgresql" and not _pg_available():
        pytest.fail(
            f"PostgreSQL not reachable at {PG_ADMIN_URL}: the suite runs the indexer against it; start it "
            "(pg_ctlcluster <version> main start) or point COPYRIGHT_HUB_TEST_PG_URL at one"
        )
    factory = MirrorFactory(request.param, tmp_path)
    try:
        yield factory
    finally:
        factory.close()


def scalar(url: str, sql: str) -> Any:
    """One value from the mirror at ``url`` (None while it is not migrated yet)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()


def checkpoint_hash(url: str) -> str | None:
    """The hash of the block the mirror at ``url`` is checkpointed at."""
    return scalar(url, "SELECT block_hash FROM checkpoint")


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every mirrored table's rows, sorted: what must equal between two indexes of the same chain."""
    engine = make_engine(url)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name in MIRROR_TABLES:
            rows = conn.execute(sa.text(f"SELECT * FROM {name}")).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    engine.dispose()
    return out


def index_once(mirror: Mirror, chain: Chain, **kw: Any) -> Any:
    """Run an indexer on ``mirror`` until caught up; returns the indexer (for its stats)."""
    from indexer import Indexer

    ix = Indexer(mirror.settings(chain, **kw))
    ix.run(once=True)
    ix.engine.dispose()
    return ix


def chain_works(chain: Chain) -> int:
    """How many works the chain holds now (the registry's WorkRegistered logs)."""
    return sum(1 for lg in chain.rpc("eth_getLogs", [{"fromBlock": "0x0", "address": chain.deployment.address("WorkRegistry")}])
               if lg["topics"][0] == WORK_REGISTERED_TOPIC)  # fmt: skip


#: topic0 of WorkRegistered, from its signature written out here (not from the decoder under test)
WORK_REGISTERED_TOPIC = "0x" + Web3.keccak(text="WorkRegistered(uint256,address,bytes32,uint8,uint40,string,string)").hex().removeprefix("0x")
