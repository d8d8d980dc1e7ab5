"""Copyright Hub SDK: everything a client needs to register, license and verify works.

It loads contract artifacts and deployment manifests, signs transactions locally, and turns contract
reverts into typed errors. It imports nothing server-side.
"""

from .artifacts import Artifact, load_artifact
from .errors import (
    ChainIdMismatch,
    ChainUnavailable,
    ConfigurationError,
    ContractRevert,
    DeploymentNotFound,
    HubError,
    ManifestError,
    TransactionFailed,
    WorkAlreadyRegistered,
    WorkNotFound,
)
from .hub import Hub, Registration, Work
from .manifest import Deployment, read_manifest, write_manifest

__all__ = [
    "Artifact",
    "ChainIdMismatch",
    "ChainUnavailable",
    "ConfigurationError",
    "ContractRevert",
    "Deployment",
    "DeploymentNotFound",
    "Hub",
    "HubError",
    "ManifestError",
    "Registration",
    "TransactionFailed",
    "Work",
    "WorkAlreadyRegistered",
    "WorkNotFound",
    "load_artifact",
    "read_manifest",
    "write_manifest",
]
