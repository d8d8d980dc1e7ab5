"""Deploying the hub's contracts in dependency order and recording them in the manifest.

:data:`DEPLOY_PLAN` is the order; each step's constructor arguments may use the addresses of the
contracts deployed before it. Deployment is idempotent: a chain whose manifest matches the deployed
code is left alone; a manifest whose code is gone (a wiped devnet) or stale is replaced by a fresh
deployment. The manifest is written only after every contract is deployed and its code checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3

from .artifacts import load_artifact
from .chain import send_transaction
from .errors import TransactionFailed
from .manifest import ContractDeployment, Deployment, manifest_path, read_manifest, write_manifest

ConstructorArgs = Callable[[dict[str, str], str], list[Any]]


@dataclass(frozen=True)
class DeployStep:
    """One contract to deploy; ``args(addresses_so_far, deployer)`` gives its constructor arguments."""

    name: str
    args: ConstructorArgs = lambda _addresses, _deployer: []


#: Every hub contract, in dependency order.
DEPLOY_PLAN: tuple[DeployStep, ...] = (DeployStep("WorkRegistry"),)


@dataclass(frozen=True)
class DeployResult:
    deployment: Deployment
    action: Literal["unchanged", "deployed", "replaced"]
    message: str
    manifest: Path


def check_deployment(w3: Web3, deployment: Deployment, plan: tuple[DeployStep, ...] = DEPLOY_PLAN) -> list[str]:
    """Problems that make ``deployment`` unusable on this chain (empty list: it is live and current)."""
    problems = []
    for step in plan:
        entry = deployment.contracts.get(step.name)
        if entry is None:
            problems.append(f"{step.name} is not in the manifest")
            continue
        artifact = load_artifact(step.name)
        code = bytes(w3.eth.get_code(Web3.to_checksum_address(entry.address)))
        if not code:
            problems.append(f"{step.name} has no code at {entry.address} (the chain was reset?)")
        elif entry.artifact_sha256 != artifact.sha256 or not artifact.code_matches(code):
            problems.append(f"{step.name} at {entry.address} differs from the current build")
    return problems


def deploy(
    w3: Web3,
    account: LocalAccount,
    deployments_dir: Path,
    *,
    plan: tuple[DeployStep, ...] = DEPLOY_PLAN,
    progress: Callable[[str], None] = lambda _msg: None,
) -> DeployResult:
    chain_id = w3.eth.chain_id
    path = manifest_path(chain_id, deployments_dir)
    reason = ""
    if path.exists():
        existing = read_manifest(path, expected_chain_id=chain_id)
        problems = check_deployment(w3, existing, plan)
        if not problems:
            return DeployResult(existing, "unchanged", f"hub already deployed on chain {chain_id}; nothing to do", path)
        reason = "; ".join(problems)
        progress(f"existing manifest {path} is not usable: {reason}; deploying afresh")

    deployer = account.address
    addresses: dict[str, str] = {}
    entries: dict[str, ContractDeployment] = {}
    for step in plan:
        artifact = load_artifact(step.name)
        progress(f"deploying {step.name}")
        contract = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        tx = contract.constructor(*step.args(addresses, deployer)).build_transaction({"from": deployer})
        receipt = send_transaction(w3, account, dict(tx))
        address = receipt["contractAddress"]
        if address is None:
            raise TransactionFailed(
                f"deploying {step.name} created no contract", HexBytes(receipt["transactionHash"]).to_0x_hex()
            )
        code = bytes(w3.eth.get_code(address))
        if not artifact.code_matches(code):
            raise TransactionFailed(f"code deployed for {step.name} at {address} differs from the artifact")
        addresses[step.name] = address
        entries[step.name] = ContractDeployment(
            address=address,
            tx_hash=HexBytes(receipt["transactionHash"]).to_0x_hex(),
            block_number=receipt["blockNumber"],
            artifact_sha256=artifact.sha256,
        )
    deployment = Deployment(
        chain_id=chain_id,
        deployer=deployer,
        deploy_block=min(e.block_number for e in entries.values()),
        contracts=entries,
    )
    written = write_manifest(deployment, deployments_dir)
    if reason:
        return DeployResult(deployment, "replaced", f"deployed afresh on chain {chain_id} because {reason}", written)
    return DeployResult(deployment, "deployed", f"deployed {len(entries)} contracts on chain {chain_id}", written)
