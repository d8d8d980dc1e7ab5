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


#: Custom errors that get their own class; every other custom error is a plain ContractRevert.
REVERT_CLASSES: dict[str, type[ContractRevert]] = {
    "WorkNotFound": WorkNotFound,
    "WorkAlreadyRegistered": WorkAlreadyRegistered,
}

__all__ = [
    "REVERT_CLASSES",
    "ChainIdMismatch",
    "ChainUnavailable",
    "ConfigurationError",
    "ContractRevert",
    "DeploymentNotFound",
    "HubError",
    "ManifestError",
    "TransactionFailed",
    "WorkAlreadyRegistered",
    "WorkNotFound",
]
