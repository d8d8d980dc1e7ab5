"""Copyright Hub SDK: everything a client needs to register, license and verify works.

It loads contract artifacts and deployment manifests, signs transactions locally, and turns contract
reverts into typed errors. It imports nothing server-side.
"""

from .artifacts import Artifact, load_artifact
from .errors import (
    AccessDenied,
    ChainIdMismatch,
    ChainUnavailable,
    ConfigurationError,
    ContractRevert,
    DeploymentNotFound,
    HubError,
    LicenceConflict,
    LicenceNotFound,
    ManifestError,
    NotWorkOwner,
    OfferNotFound,
    PriceAboveMax,
    SignedOfferRejected,
    TransactionFailed,
    WorkAlreadyRegistered,
    WorkNotActive,
    WorkNotFound,
)
from .hub import Hub, Licence, Purchase, Registration, Work
from .manifest import Deployment, read_manifest, write_manifest
from .metadata import InvalidMetadata, MetadataNotStored, WorkMetadata
from .terms import (
    ETH,
    WORLDWIDE,
    Decision,
    LicenceStatus,
    Outcome,
    Right,
    SignedOffer,
    Split,
    Terms,
    WorkInput,
    WorkStatus,
)

__all__ = [
    "ETH",
    "WORLDWIDE",
    "AccessDenied",
    "Artifact",
    "ChainIdMismatch",
    "ChainUnavailable",
    "ConfigurationError",
    "ContractRevert",
    "Decision",
    "Deployment",
    "DeploymentNotFound",
    "Hub",
    "HubError",
    "InvalidMetadata",
    "Licence",
    "LicenceConflict",
    "LicenceNotFound",
    "LicenceStatus",
    "ManifestError",
    "MetadataNotStored",
    "NotWorkOwner",
    "OfferNotFound",
    "Outcome",
    "PriceAboveMax",
    "Purchase",
    "Registration",
    "Right",
    "SignedOffer",
    "SignedOfferRejected",
    "Split",
    "Terms",
    "TransactionFailed",
    "Work",
    "WorkAlreadyRegistered",
    "WorkInput",
    "WorkMetadata",
    "WorkNotActive",
    "WorkNotFound",
    "WorkStatus",
    "load_artifact",
    "read_manifest",
    "write_manifest",
]
