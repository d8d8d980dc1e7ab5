"""Every exception the SDK raises, rooted at :class:`HubError`.

Contract reverts come back as :class:`ContractRevert` subclasses named after the contract's custom
error (``WorkAlreadyRegistered`` -> :class:`WorkAlreadyRegistered`), carrying the decoded arguments;
:func:`client_sdk.reverts.decode_revert` is the one place that maps revert data to these classes.
"""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """Root of every Copyright Hub SDK error."""


class ConfigurationError(HubError, ValueError):
    """A setting or argument is missing or malformed (the message names it and how to fix it)."""


class ChainUnavailable(HubError, ConnectionError):
    """The EVM JSON-RPC endpoint did not answer."""

    def __init__(self, rpc_url: str, reason: str) -> None:
        self.rpc_url = rpc_url
        self.reason = reason
        super().__init__(
            f"cannot reach the chain at {rpc_url}: {reason}. Start the devnet with "
            "`copyright-hub devnet up`, or pass --rpc with a reachable EVM JSON-RPC URL."
        )


class ChainIdMismatch(HubError):
    """A manifest or setting names another chain than the one the RPC serves."""

    def __init__(self, expected: int, actual: int, source: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{source} is for chain id {expected} but the RPC serves chain id {actual}; "
            "point --rpc at the right chain or use that chain's manifest."
        )


class ManifestError(HubError, ValueError):
    """A deployment manifest is unreadable or malformed."""


class DeploymentNotFound(HubError, LookupError):
    """No deployment of the hub is known for this chain (or its code is gone from the chain)."""

    def __init__(self, chain_id: int, detail: str) -> None:
        self.chain_id = chain_id
        super().__init__(f"no hub deployment on chain {chain_id}: {detail}. Run `copyright-hub deploy`.")


class TransactionFailed(HubError):
    """A transaction was mined but failed without a decodable reason, or was never mined."""

    def __init__(self, message: str, tx_hash: str | None = None) -> None:
        self.tx_hash = tx_hash
        super().__init__(message)


class ContractRevert(HubError):
    """A contract refused a call with a custom error.

    Attributes:
        error_name: the Solidity custom error's name.
        args: its decoded arguments by parameter name.
        tx_hash: the transaction, when one was sent.
    """

    def __init__(self, error_name: str, args: dict[str, Any], tx_hash: str | None = None) -> None:
        self.error_name = error_name
        self.args_by_name = args
        self.tx_hash = tx_hash
        shown = ", ".join(f"{k}={_show(v)}" for k, v in args.items())
        super().__init__(f"{error_name}({shown})")


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value)


class WorkNotFound(ContractRevert, LookupError):
    """The work id does not exist."""


class WorkAlreadyRegistered(ContractRevert):
    """The content digest is already registered (``existingWorkId`` names the holder)."""


class NotWorkOwner(ContractRevert, PermissionError):
    """The caller (or a signed offer's seller) does not own the work (``owner`` names who does)."""


class AccessDenied(ContractRevert, PermissionError):
    """The account lacks the role the action needs (``AccessControlUnauthorizedAccount``: ``neededRole``)."""


class WorkNotActive(ContractRevert):
    """The work is frozen or disputed: no offers, sales, transfers or metadata updates until it is Active."""


class OfferNotFound(ContractRevert, LookupError):
    """The offer id does not exist."""


class LicenceNotFound(ContractRevert, LookupError):
    """The licence id does not exist."""


class PriceAboveMax(ContractRevert):
    """The offer's price rose above what the buyer agreed to pay; re-read it and decide again."""


class LicenceConflict(ContractRevert):
    """An exclusivity rule refuses the grant (``ExclusiveConflict``, ``CoverageConflict``, ``TooManyExclusiveGrants``)."""


class SignedOfferRejected(ContractRevert):
    """A signed offer is expired, mis-signed, cancelled, sold out or from an old counter; ask the seller to re-sign."""


#: Custom errors that get their own class; every other custom error is a plain ContractRevert.
REVERT_CLASSES: dict[str, type[ContractRevert]] = {
    "WorkNotFound": WorkNotFound,
    "WorkAlreadyRegistered": WorkAlreadyRegistered,
    "NotWorkOwner": NotWorkOwner,
    "AccessControlUnauthorizedAccount": AccessDenied,
    "WorkNotActive": WorkNotActive,
    "OfferNotFound": OfferNotFound,
    "LicenceNotFound": LicenceNotFound,
    "PriceAboveMax": PriceAboveMax,
    "ExclusiveConflict": LicenceConflict,
    "CoverageConflict": LicenceConflict,
    "TooManyExclusiveGrants": LicenceConflict,
    "SignatureExpired": SignedOfferRejected,
    "InvalidSignature": SignedOfferRejected,
    "NonceUnavailable": SignedOfferRejected,
    "StaleCounter": SignedOfferRejected,
}

__all__ = [
    "REVERT_CLASSES",
    "AccessDenied",
    "ChainIdMismatch",
    "ChainUnavailable",
    "ConfigurationError",
    "ContractRevert",
    "DeploymentNotFound",
    "HubError",
    "LicenceConflict",
    "LicenceNotFound",
    "ManifestError",
    "NotWorkOwner",
    "OfferNotFound",
    "PriceAboveMax",
    "SignedOfferRejected",
    "TransactionFailed",
    "WorkAlreadyRegistered",
    "WorkNotActive",
    "WorkNotFound",
]
