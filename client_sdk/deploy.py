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
from .terms import STANDARD_KINDS, AttestationKind

ConstructorArgs = Callable[[dict[str, str], str], list[Any]]


@dataclass(frozen=True)
class DeployStep:
    """One contract to deploy; ``args(addresses_so_far, deployer)`` gives its constructor arguments."""

    name: str
    args: ConstructorArgs = lambda _addresses, _deployer: []


@dataclass(frozen=True)
class WiringCall:
    """A call the deployer makes once every contract exists (roles, one-time links)."""

    contract: str
    function: str
    args: ConstructorArgs


#: Smallest dispute bond on a fresh deployment (0.01 ETH); the admin can change it.
DEFAULT_MIN_BOND_WEI = 10**16
#: Protocol fee on a fresh deployment (basis points, paid to the deployer as treasury); the admin can change it.
DEFAULT_FEE_BPS = 0

#: Every hub contract, in dependency order. The deployer is the first admin of each (the evidence log has
#: no admin: anyone records), and the resolver's first arbiter admin (a production deployment hands ARBITER_ADMIN_ROLE to another key: SECURITY.md).
DEPLOY_PLAN: tuple[DeployStep, ...] = (
    DeployStep("WorkRegistry", lambda _a, deployer: [deployer]),
    DeployStep("DistributionRules", lambda a, deployer: [deployer, a["WorkRegistry"]]),
    DeployStep(
        "LicenceMarket",
        lambda a, deployer: [deployer, a["WorkRegistry"], deployer, DEFAULT_FEE_BPS, a["DistributionRules"]],
    ),
    DeployStep(
        "DisputeResolver",
        lambda a, deployer: [deployer, deployer, a["WorkRegistry"], a["LicenceMarket"], DEFAULT_MIN_BOND_WEI],
    ),
    DeployStep("EvidenceLog", lambda a, _deployer: [a["WorkRegistry"]]),
)


def _role(name: str) -> bytes:
    return bytes(Web3.keccak(text=name))


def _define_kind(kind: AttestationKind) -> WiringCall:
    name, meaning = STANDARD_KINDS[kind]
    return WiringCall("DistributionRules", "defineKind", lambda _a, _d: [int(kind), name, meaning])


#: Links made after deployment: the registry asks the market about adaptation licences; the
#: resolver may change work status (registry: once, STATUS_ROLE is sealed) and revoke licences (market);
#: the distribution rules get the standard attestation kinds (:data:`client_sdk.terms.STANDARD_KINDS`).
WIRING: tuple[WiringCall, ...] = (
    WiringCall("WorkRegistry", "setLicenceMarket", lambda a, _d: [a["LicenceMarket"]]),
    WiringCall("WorkRegistry", "setDisputeResolver", lambda a, _d: [a["DisputeResolver"]]),
    WiringCall("LicenceMarket", "grantRole", lambda a, _d: [_role("REVOKER_ROLE"), a["DisputeResolver"]]),
    *(_define_kind(kind) for kind in STANDARD_KINDS),
)


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
    wiring: tuple[WiringCall, ...] = WIRING,
    progress: Callable[[str], None] = lambda _msg: None,
) -> DeployResult:
    """Deploy ``plan`` and run ``wiring`` unless this chain's manifest already names a live, current
    deployment; write the manifest. Idempotent: a second run changes nothing."""
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

    entries: dict[str, ContractDeployment] = {}
    for step in plan:
        progress(f"deploying {step.name}")
        addresses = {name: entry.address for name, entry in entries.items()}
        entries[step.name] = _deploy_contract(w3, account, step.name, step.args(addresses, account.address))
    _wire(w3, account, {name: entry.address for name, entry in entries.items()}, wiring, progress)
    deployment = Deployment(
        chain_id=chain_id,
        deployer=account.address,
        deploy_block=min(e.block_number for e in entries.values()),
        contracts=entries,
    )
    written = write_manifest(deployment, deployments_dir)
    if reason:
        return DeployResult(deployment, "replaced", f"deployed afresh on chain {chain_id} because {reason}", written)
    return DeployResult(deployment, "deployed", f"deployed {len(entries)} contracts on chain {chain_id}", written)


def _deploy_contract(w3: Web3, account: LocalAccount, name: str, args: list[Any]) -> ContractDeployment:
    """Deploy the artifact ``name`` with constructor ``args``; check the code the chain holds is the artifact's."""
    artifact = load_artifact(name)
    contract = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx = contract.constructor(*args).build_transaction({"from": account.address})
    receipt = send_transaction(w3, account, dict(tx))
    tx_hash = HexBytes(receipt["transactionHash"]).to_0x_hex()
    address = receipt["contractAddress"]
    if address is None:
        raise TransactionFailed(f"deploying {name} created no contract", tx_hash)
    if not artifact.code_matches(bytes(w3.eth.get_code(address))):
        raise TransactionFailed(f"code deployed for {name} at {address} differs from the artifact")
    return ContractDeployment(
        address=address, tx_hash=tx_hash, block_number=receipt["blockNumber"], artifact_sha256=artifact.sha256
    )


def _wire(
    w3: Web3,
    account: LocalAccount,
    addresses: dict[str, str],
    wiring: tuple[WiringCall, ...],
    progress: Callable[[str], None],
) -> None:
    """Make the links of ``wiring`` between the contracts just deployed (calls on contracts not deployed are skipped)."""
    for call in wiring:
        if call.contract not in addresses:
            continue
        progress(f"wiring {call.contract}.{call.function}")
        target = w3.eth.contract(
            address=Web3.to_checksum_address(addresses[call.contract]), abi=load_artifact(call.contract).abi
        )
        data = target.encode_abi(call.function, args=call.args(addresses, account.address))
        send_transaction(w3, account, {"to": target.address, "data": data, "value": 0})
