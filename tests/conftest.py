"""Session-wide fixtures: a private anvil on a free loopback port, the hub deployed once, and an
``evm_snapshot``/``evm_revert`` around every test so tests stay independent.

Tests never touch a devnet a person left running: the chain here is started by the session and its
manifest is written to a temporary folder.

`make test` runs the suite on every CPU (pytest-xdist, ``-n auto --dist loadscope``): each worker is its
own session, with its own anvil, deployment, temporary folders, hub folder and commit journal
(:func:`_private_hub_home`); a module runs whole on one worker, so its module fixtures are built once,
and the modules in :data:`TIMING_SENSITIVE` run on one worker, one test after another
(:func:`pytest_xdist_make_scheduler`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from client_sdk import Hub
from client_sdk._config import HOME_ENV
from client_sdk.accounts import from_mnemonic
from client_sdk.chain import connect
from client_sdk.commit_reveal import COMMIT_JOURNAL_ENV
from client_sdk.deploy import deploy
from client_sdk.manifest import Deployment
from copyright_hub.devnet import AnvilProcess, DevnetConfig, load_config, spawn_anvil

#: in tests a projection that does not fit its event raises (indexer.errors.ProjectionFailed) instead of
#: being logged and kept raw; forked fetchers and indexer subprocesses inherit it
os.environ["COPYRIGHT_HUB_STRICT_PROJECTIONS"] = "1"

#: Modules whose tests SIGKILL processes at random moments, wait on wall-clock intervals or bound how
#: long something takes: under xdist they are one unit of work (:func:`pytest_xdist_make_scheduler`) run
#: on one worker, so two of them never run at once and eat each other's margins.
TIMING_SENSITIVE = frozenset({
    "tests/api/test_response_cache.py",
    "tests/cli/test_register_many.py",
    "tests/devnet/test_devnet_cli.py",
    "tests/devnet/test_journal.py",
    "tests/devnet/test_state_keeper.py",
    "tests/indexer/test_crash.py",
    "tests/indexer/test_fault_run.py",
    "tests/indexer/test_faults.py",
    "tests/indexer/test_metadata_worker.py",
    "tests/indexer/test_regrow.py",
})  # fmt: skip
TIMING_UNIT = "timing-sensitive modules"
#: Units of work that take minutes, most of them in few tests: handed out first, longest first, so that
#: none is left running alone at the end while the other workers idle (measured with `make test`'s
#: --durations on 2 cores: the timing unit ~6 min, fuzz ~2.5, up/down ~1.5, the rest about a minute).
LONG_UNITS = (
    TIMING_UNIT,
    "tests/api/test_fuzz.py",
    "tests/stack/test_up_down.py",
    "tests/contracts/test_properties.py",
    "tests/test_client_install.py",
    "tests/stack/test_buyer_http_only.py",
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadscope`` here hands each worker whole modules (so module fixtures such as the API's
    story are built once, not once per worker), and the :data:`TIMING_SENSITIVE` modules as one unit.

    (xdist's ``xdist_group`` mark cannot do the latter: with pytest 9 its ``--dist loadgroup`` no
    longer sees the group it appends to a test's id, and hands out single tests.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return TIMING_UNIT if module in TIMING_SENSITIVE else module

        def _assign_work_unit(self, node: Any) -> None:
            for unit in LONG_UNITS:  # xdist hands out the units with most tests first; these go before
                if unit in self.workqueue:
                    self.workqueue.move_to_end(unit, last=False)
                    break
            super()._assign_work_unit(node)

    return ModuleScheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def _private_hub_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The hub folder and the commit journal (``~/.copyright-hub`` by default) in this session's
    temporary folder: tests never touch the person's own, and two xdist workers, whose chains have the
    same id, registry address and accounts, never see each other's pending commitments."""
    home = tmp_path_factory.mktemp("hub-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_ENV, str(home))
        patch.setenv(COMMIT_JOURNAL_ENV, str(home / "commits"))
        yield


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
