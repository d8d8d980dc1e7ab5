"""``GET /deployment``: the deployment this hub reads (its one manifest), with each contract's ABI.

An auditor's client takes addresses, deploy blocks and artifact hashes from here, then checks the
code at those addresses against its own committed artifacts before trusting any of it
(:func:`client_sdk.verify.deployment_from_hub`, :func:`client_sdk.verify.verify_deployment`): nothing
served here is taken on trust. The shapes extend the manifest's models, so they cannot drift.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from client_sdk.artifacts import load_artifact
from client_sdk.manifest import ContractDeployment, Deployment

from ..deps import HubDep

router = APIRouter(tags=["deployment"])


class ContractPublic(ContractDeployment):
    """A manifest entry plus the ABI and compiler of the committed artifact it names."""

    abi: list[dict[str, Any]]
    compiler: str


class DeploymentPublic(Deployment):
    """The manifest of this hub's chain, each contract with its ABI."""

    contracts: dict[str, ContractPublic]  # type: ignore[assignment]


@router.get("/deployment", operation_id="deployment-get", response_model=DeploymentPublic, responses={503: {}})
def get_deployment(hub: HubDep) -> DeploymentPublic:
    """Chain id, deployer, deploy block and per contract its address, deployment transaction, block,
    artifact sha256 (of the creation code), ABI and compiler: what this hub reads to find the contracts.
    Check the code at these addresses (`copyright-hub verify --hub URL`) before trusting them."""
    manifest = hub.deployment
    contracts = {}
    for name, entry in manifest.contracts.items():
        artifact = load_artifact(name)
        contracts[name] = ContractPublic(**entry.model_dump(), abi=artifact.abi, compiler=artifact.compiler)
    return DeploymentPublic(**{**manifest.model_dump(), "contracts": contracts})
