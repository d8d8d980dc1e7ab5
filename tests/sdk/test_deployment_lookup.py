"""The SDK finds the deployment from any working directory (issue 12 item 6): without
``COPYRIGHT_HUB_DEPLOYMENTS_DIR`` it looks in ./deployments, then the checkout's deployments/ (where
`make up` writes), then ``$COPYRIGHT_HUB_HOME/deployments``; each case runs from an unrelated folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from web3 import Web3

from client_sdk import Hub, _config
from client_sdk.errors import DeploymentNotFound
from client_sdk.manifest import Deployment, manifest_path
from client_sdk.rpc_read import ChainReader


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with no deployments/, no setting, no checkout and an empty hub home."""
    cwd = tmp_path / "somewhere" / "else"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    monkeypatch.delenv(_config.DEPLOYMENTS_DIR_ENV, raising=False)
    monkeypatch.setenv(_config.HOME_ENV, str(tmp_path / "home"))
    monkeypatch.setattr(_config, "_CHECKOUT", tmp_path / "not-a-checkout")
    return tmp_path


def _place(deployment: Deployment, deployments_dir: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(manifest_path(deployment.chain_id, deployments_dir), folder)


def _finds(w3: Web3, deployment: Deployment) -> None:
    url = str(w3.provider.endpoint_uri)  # type: ignore[attr-defined]
    with Hub.connect(url) as hub:
        assert hub.deployment.address("WorkRegistry") == deployment.address("WorkRegistry")
    with ChainReader.connect(url) as reader:  # the CLI's web3-free reader resolves the same way
        assert reader.addresses["LicenceMarket"] == deployment.address("LicenceMarket")


def test_nothing_deployed_anywhere_says_where_it_looked(w3: Web3, deployment: Deployment, elsewhere: Path) -> None:
    with pytest.raises(DeploymentNotFound, match=r"no manifest at .*home/deployments"):
        Hub.connect(str(w3.provider.endpoint_uri))  # type: ignore[attr-defined]


def test_found_in_the_hub_home(w3: Web3, deployment: Deployment, deployments_dir: Path, elsewhere: Path) -> None:
    _place(deployment, deployments_dir, elsewhere / "home" / "deployments")
    _finds(w3, deployment)


def test_found_in_the_checkout_from_another_folder(
    w3: Web3, deployment: Deployment, deployments_dir: Path, elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = elsewhere / "checkout"
    (checkout / "client_sdk").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\nname = 'copyright-hub'\n")
    monkeypatch.setattr(_config, "_CHECKOUT", checkout)
    assert _config.default_deployments_dir() == checkout / "deployments"  # where a first deploy writes
    _place(deployment, deployments_dir, checkout / "deployments")
    _place(deployment, deployments_dir, elsewhere / "home" / "deployments")  # the checkout comes first
    (elsewhere / "home" / "deployments" / f"{deployment.chain_id}.json").write_text("{}")
    _finds(w3, deployment)


def test_the_setting_and_the_working_directory_come_first(
    w3: Web3, deployment: Deployment, deployments_dir: Path, elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _place(deployment, deployments_dir, Path("deployments"))
    assert _config.default_deployments_dir() == Path("deployments")
    _finds(w3, deployment)
    monkeypatch.setenv(_config.DEPLOYMENTS_DIR_ENV, str(elsewhere / "empty"))
    assert _config.default_deployments_dir() == elsewhere / "empty"
    with pytest.raises(DeploymentNotFound):
        Hub.connect(str(w3.provider.endpoint_uri))  # type: ignore[attr-defined]
