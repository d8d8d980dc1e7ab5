"""Deployment: idempotent, detects a wiped chain, and refuses bad input without touching the manifest."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account

from client_sdk.chain import connect
from client_sdk.deploy import DEPLOY_PLAN, deploy
from client_sdk.errors import ChainIdMismatch
from copyright_hub.devnet import free_port, load_config, spawn_anvil

HUB = [sys.executable, "-m", "copyright_hub.cli"]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HUB, *args], capture_output=True, text=True, timeout=120, env=env or dict(os.environ))


def test_second_deploy_changes_nothing(tmp_path: Path, deployer) -> None:
    with spawn_anvil() as node:
        w3 = connect(node.url)
        first = deploy(w3, deployer, tmp_path)
        assert first.action == "deployed"
        assert set(first.deployment.contracts) == {s.name for s in DEPLOY_PLAN}
        manifest = first.manifest.read_bytes()
        height = w3.eth.block_number
        second = deploy(w3, deployer, tmp_path)
        assert second.action == "unchanged" and "nothing to do" in second.message
        assert w3.eth.block_number == height and first.manifest.read_bytes() == manifest


def test_wiped_chain_gets_a_fresh_deployment_with_a_message(tmp_path: Path, deployer) -> None:
    port = free_port()
    with spawn_anvil(port=port) as node:
        deploy(connect(node.url), deployer, tmp_path)
    with spawn_anvil(port=port) as node:  # same URL, empty chain: the devnet was wiped
        w3 = connect(node.url)
        w3.provider.make_request("anvil_mine", ["0x3"])  # so the new addresses differ from the old
        result = deploy(w3, deployer, tmp_path)
        assert result.action == "replaced"
        assert "no code" in result.message
        for entry in result.deployment.contracts.values():
            assert len(w3.eth.get_code(entry.address)) > 0


def test_manifest_for_another_chain_is_refused_and_kept(tmp_path: Path, deployer) -> None:
    with spawn_anvil() as node:
        w3 = connect(node.url)
        bogus = {"chain_id": 1, "deployer": deployer.address, "deploy_block": 0, "contracts": {}}
        path = tmp_path / f"{w3.eth.chain_id}.json"
        path.write_text(json.dumps(bogus))
        with pytest.raises(ChainIdMismatch, match="chain id 1"):
            deploy(w3, deployer, tmp_path)
        assert json.loads(path.read_text()) == bogus


def test_cli_with_rpc_down_writes_no_manifest(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    proc = cli("deploy", "--rpc", dead, "--deployments", str(tmp_path))
    assert proc.returncode == 1
    assert "cannot reach the chain" in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_with_missing_key_env_fails_before_deploying(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_SUCH_KEY"}
    with spawn_anvil() as node:
        proc = cli("deploy", "--rpc", node.url, "--key-env", "NO_SUCH_KEY", "--deployments", str(tmp_path), env=env)
        assert proc.returncode == 1 and "NO_SUCH_KEY is not set" in proc.stderr
        assert node.rpc("eth_blockNumber") == "0x0"
    assert list(tmp_path.iterdir()) == []


def test_cli_on_a_foreign_chain_requires_a_key(tmp_path: Path) -> None:
    config = dataclasses.replace(load_config(), chain_id=424242)
    with spawn_anvil(config=config) as node:
        proc = cli("deploy", "--rpc", node.url, "--deployments", str(tmp_path))
        assert proc.returncode == 1 and "--keystore" in proc.stderr
        assert list(tmp_path.iterdir()) == []


def test_cli_deploys_with_a_keystore(tmp_path: Path) -> None:
    config = dataclasses.replace(load_config(), chain_id=424242)
    account = Account.create()
    keystore = tmp_path / "deployer.json"
    keystore.write_text(json.dumps(Account.encrypt(account.key, "s3cret", kdf="scrypt", iterations=2)))
    env = dict(os.environ, COPYRIGHT_HUB_KEYSTORE_PASSWORD="s3cret")
    with spawn_anvil(config=config) as node:
        node.rpc("anvil_setBalance", [account.address, hex(10**19)])
        out = tmp_path / "deployments"
        proc = cli("deploy", "--rpc", node.url, "--keystore", str(keystore), "--deployments", str(out), env=env)
        assert proc.returncode == 0, proc.stderr
        manifest = json.loads((out / "424242.json").read_text())
        assert manifest["chain_id"] == 424242 and manifest["deployer"] == account.address
        wrong = dict(env, COPYRIGHT_HUB_KEYSTORE_PASSWORD="nope")
        proc = cli("deploy", "--rpc", node.url, "--keystore", str(keystore), "--deployments", str(out), env=wrong)
        assert proc.returncode == 1 and "wrong password" in proc.stderr
