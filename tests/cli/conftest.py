"""A private chain for the CLI tests, with the hub deployed, one registered work and an allow-listed
ERC-20 the buyer holds; commands run as subprocesses, keys passed through environment variables."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from web3.contract import Contract

from client_sdk import Hub
from client_sdk.chain import connect
from client_sdk.deploy import deploy
from copyright_hub.devnet import AnvilProcess, spawn_anvil
from tests.contracts.conftest import call_as, deploy_contract

HUB = [sys.executable, "-m", "copyright_hub.cli"]


@dataclass
class Env:
    node: AnvilProcess
    env: dict[str, str]
    work_id: int
    hub: Hub
    token: Contract

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*HUB, *args], env=self.env, capture_output=True, text=True, timeout=120)

    def height(self) -> int:
        return int(self.node.rpc("eth_blockNumber"), 16)

    def now(self) -> int:
        return int(self.hub.w3.eth.get_block("latest")["timestamp"])


@pytest.fixture(scope="module")
def market(
    tmp_path_factory: pytest.TempPathFactory, deployer: LocalAccount, studio: LocalAccount, buyer: LocalAccount
) -> Iterator[Env]:
    tmp: Path = tmp_path_factory.mktemp("market-cli")
    with spawn_anvil() as node:
        w3 = connect(node.url)
        deployment = deploy(w3, deployer, tmp / "deployments").deployment
        hub = Hub(w3, deployment, studio)
        work = hub.register_work(hashlib.sha256(b"cli film").digest(), "bafycontent", "bafymeta", 0)
        token = deploy_contract(w3, deployer, "TestERC20")
        admin = Hub(w3, deployment, deployer)
        admin.set_currency_allowed(token.address, True)
        call_as(w3, deployer, token, "mint", buyer.address, 10**24)
        env = dict(
            os.environ,
            COPYRIGHT_HUB_RPC_URL=node.url,
            COPYRIGHT_HUB_DEPLOYMENTS_DIR=str(tmp / "deployments"),
            COPYRIGHT_HUB_CONTENT_DIR=str(tmp / "content"),  # register stores metadata there, not in ./var
            STUDIO_KEY="0x" + bytes(studio.key).hex(),
            BUYER_KEY="0x" + bytes(buyer.key).hex(),
            COLUMNS="200",
        )
        yield Env(node, env, work.work_id, hub, token)
