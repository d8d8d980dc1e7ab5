"""Session-wide fixtures: a private anvil on a free loopback port, the hub deployed once, and an
``evm_snapshot``/``evm_revert`` around every test so tests stay independent.

Tests never touch a devnet a person left running: the chain here is started by the session and its
manifest is written to a temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from client_sdk import Hub
from client_sdk.accounts import from_mnemonic
from client_sdk.chain import connect
from client_sdk.deploy import deploy
from client_sdk.manifest import Deployment
from copyright_hub.devnet import AnvilProcess, DevnetConfig, load_config, spawn_anvil

#: in tests a projection that does not fit its event raises (indexer.errors.ProjectionFailed) instead of
#: being logged and kept raw; forked fetchers and indexer subprocesses inherit it
os.environ["COPYRIGHT_HUB_STRICT_PROJECTIONS"] = "1"


@pytest.fixture(scope="session")
def devnet_config() -> DevnetConfig:
    return load_config()


@pytest.fixture(scope="session")
def anvil(devnet_config: DevnetConfig) -> Iterator[AnvilProcess]:
    node = spawn_anvil(config=devnet_config)
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def w3(anvil: AnvilProcess) -> Web3:
    return connect(anvil.url)


def _account(config: DevnetConfig, index: int) -> LocalAccount:
    return from_mnemonic(config.mnemonic, index)


@pytest.fixture(scope="session")
def deployer(devnet_config: DevnetConfig) -> LocalAccount:
    return _account(devnet_config, 0)


@pytest.fixture(scope="session")
def studio(devnet_config: DevnetConfig) -> LocalAccount:
    return _account(devnet_config, 1)


@pytest.fixture(scope="session")
def buyer(devnet_config: DevnetConfig) -> LocalAccount:
    return _account(devnet_config, 2)


@pytest.fixture(scope="session")
def auditor(devnet_config: DevnetConfig) -> LocalAccount:
    return _account(devnet_config, 3)


@pytest.fixture(scope="session")
def arbiter(devnet_config: DevnetConfig) -> LocalAccount:
    return _account(devnet_config, 4)


@pytest.fixture(scope="session")
def stranger(devnet_config: DevnetConfig) -> LocalAccount:
    return _account(devnet_config, 5)


@pytest.fixture(scope="session")
def deployments_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deployments")


@pytest.fixture(scope="session")
def deployment(w3: Web3, deployer: LocalAccount, deployments_dir: Path) -> Deployment:
    return deploy(w3, deployer, deployments_dir).deployment


@pytest.fixture(autouse=True)
def _chain_isolation(request: pytest.FixtureRequest) -> Iterator[None]:
    """Snapshot the chain before each test that uses it and revert afterwards."""
    if "w3" not in request.fixturenames:
        yield
        return
    w3: Web3 = request.getfixturevalue("w3")
    if "deployment" in request.fixturenames or any(n.endswith("hub") for n in request.fixturenames):
        request.getfixturevalue("deployment")
    with chain_snapshot(w3):
        yield


@contextmanager
def chain_snapshot(w3: Web3) -> Iterator[None]:
    """Run the body between ``evm_snapshot`` and ``evm_revert``, and fail if the revert did not happen
    (anvil answers false for an unknown snapshot id; state would then leak into the next test)."""
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    try:
        yield
    finally:
        answer = w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
        if answer.get("result") is not True:
            raise AssertionError(f"evm_revert({snapshot}) answered {answer!r}; chain state would leak between tests")


def hub_for(w3: Web3, deployment: Deployment, account: LocalAccount | None) -> Hub:
    return Hub(w3, deployment, account)


@pytest.fixture
def studio_hub(w3: Web3, deployment: Deployment, studio: LocalAccount) -> Hub:
    return hub_for(w3, deployment, studio)


@pytest.fixture
def buyer_hub(w3: Web3, deployment: Deployment, buyer: LocalAccount) -> Hub:
    return hub_for(w3, deployment, buyer)


@pytest.fixture
def reader_hub(w3: Web3, deployment: Deployment) -> Hub:
    return hub_for(w3, deployment, None)
