"""Copyright Hub SDK: everything a client needs to register, license and verify works.

It loads contract artifacts and deployment manifests, signs transactions locally, and turns contract
reverts into typed errors. It imports nothing server-side.

The names below load on first use (PEP 562), so `import client_sdk.errors` or `client_sdk.content`
does not pay for web3: the `copyright-hub` CLI starts in a fraction of a second because of it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, eagerly, for type checkers
    from ._distribution import AttestationStatus, Requirement, RequirementCompliance
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
        RequirementNotMet,
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
        STANDARD_KINDS,
        WORLDWIDE,
        AttestationKind,
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

#: Each public name and the submodule that defines it; the names load when first used.
_EXPORTS: dict[str, str] = {
    "Artifact": "artifacts",
    "load_artifact": "artifacts",
    "AccessDenied": "errors",
    "ChainIdMismatch": "errors",
    "ChainUnavailable": "errors",
    "ConfigurationError": "errors",
    "ContractRevert": "errors",
    "DeploymentNotFound": "errors",
    "HubError": "errors",
    "LicenceConflict": "errors",
    "LicenceNotFound": "errors",
    "ManifestError": "errors",
    "NotWorkOwner": "errors",
    "OfferNotFound": "errors",
    "PriceAboveMax": "errors",
    "RequirementNotMet": "errors",
    "SignedOfferRejected": "errors",
    "TransactionFailed": "errors",
    "WorkAlreadyRegistered": "errors",
    "WorkNotActive": "errors",
    "WorkNotFound": "errors",
    "AttestationStatus": "_distribution",
    "Requirement": "_distribution",
    "RequirementCompliance": "_distribution",
    "Hub": "hub",
    "Licence": "hub",
    "Purchase": "hub",
    "Registration": "hub",
    "Work": "hub",
    "Deployment": "manifest",
    "read_manifest": "manifest",
    "write_manifest": "manifest",
    "InvalidMetadata": "metadata",
    "MetadataNotStored": "metadata",
    "WorkMetadata": "metadata",
    "ETH": "terms",
    "WORLDWIDE": "terms",
    "STANDARD_KINDS": "terms",
    "AttestationKind": "terms",
    "Decision": "terms",
    "LicenceStatus": "terms",
    "Outcome": "terms",
    "Right": "terms",
    "SignedOffer": "terms",
    "Split": "terms",
    "Terms": "terms",
    "WorkInput": "terms",
    "WorkStatus": "terms",
}

__all__ = [
    "ETH",
    "STANDARD_KINDS",
    "WORLDWIDE",
    "AccessDenied",
    "Artifact",
    "AttestationKind",
    "AttestationStatus",
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
    "Requirement",
    "RequirementCompliance",
    "RequirementNotMet",
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
