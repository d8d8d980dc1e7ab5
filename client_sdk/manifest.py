"""The one module that reads and writes deployment manifests (``deployments/<chainId>.json``).

A manifest is what every component reads to find the contracts on a chain: chain id, deployer,
deploy block, and per contract its address, deployment transaction and artifact sha256.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._files import atomic_write
from .errors import ChainIdMismatch, ManifestError

MANIFEST_VERSION = 1


class ContractDeployment(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)  # validators built on first use, not import

    address: str
    tx_hash: str
    block_number: int
    artifact_sha256: str


class Deployment(BaseModel):
    """One hub deployment on one chain."""

    model_config = ConfigDict(frozen=True, defer_build=True)  # validators built on first use, not import

    manifest_version: int = MANIFEST_VERSION
    chain_id: int
    deployer: str
    deploy_block: int = Field(description="first block holding any hub contract; indexers start here")
    deployed_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    contracts: dict[str, ContractDeployment]

    def address(self, name: str) -> str:
        try:
            return self.contracts[name].address
        except KeyError:
            raise ManifestError(f"the manifest for chain {self.chain_id} has no contract {name!r}") from None


def manifest_path(chain_id: int, directory: Path) -> Path:
    return directory / f"{chain_id}.json"


def read_manifest(path: Path, expected_chain_id: int | None = None) -> Deployment:
    """Read and validate a manifest; refuse one whose chain id differs from ``expected_chain_id``."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(f"cannot read manifest {path}: {exc.strerror}") from None
    try:
        deployment = Deployment.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise ManifestError(f"manifest {path} is malformed ({exc}); delete it and run `copyright-hub deploy`") from None
    if expected_chain_id is not None and deployment.chain_id != expected_chain_id:
        raise ChainIdMismatch(deployment.chain_id, expected_chain_id, f"manifest {path}")
    return deployment


def read_addresses(path: Path, expected_chain_id: int | None = None) -> dict[str, str]:
    """The contract addresses of the manifest at ``path`` (name -> address), refused as
    :func:`read_manifest` refuses a manifest (unreadable, malformed, another chain), without building
    the validating models: what a quick read-only command needs (:mod:`client_sdk.rpc_read`)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"cannot read manifest {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ManifestError(f"manifest {path} is malformed ({exc}); delete it and run `copyright-hub deploy`") from None
    try:
        chain_id = raw["chain_id"]
        addresses = {str(name): str(c["address"]) for name, c in raw["contracts"].items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise ManifestError(
            f"manifest {path} is malformed (no {exc}); delete it and run `copyright-hub deploy`"
        ) from None
    if not isinstance(chain_id, int) or not all(_ADDRESS.fullmatch(a) for a in addresses.values()):
        raise ManifestError(
            f"manifest {path} is malformed (chain id or an address); delete it and run `copyright-hub deploy`"
        )
    if expected_chain_id is not None and chain_id != expected_chain_id:
        raise ChainIdMismatch(chain_id, expected_chain_id, f"manifest {path}")
    return addresses


_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def write_manifest(deployment: Deployment, directory: Path) -> Path:
    """Write atomically (temp file + rename), so a crash never leaves a half-written manifest."""
    path = manifest_path(deployment.chain_id, directory)
    atomic_write(path, (json.dumps(deployment.model_dump(), indent=2, sort_keys=True) + "\n").encode())
    return path
