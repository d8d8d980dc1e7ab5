"""Administration: roles, fees, currencies, pausing, work status and licence revocation.

These are the calls an operator (the deployer, or an account granted a role) makes; each refuses with
:class:`~client_sdk.errors.AccessDenied` before anything is sent when the account lacks the role.
Contracts are named as in the deployment manifest (``WorkRegistry``, ``LicenceMarket``,
``DisputeResolver``); roles by their Solidity name (``REVIEWER_ROLE``) or as 32 bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from web3 import Web3
from web3.contract import Contract

from ._base import HubBase
from .errors import ConfigurationError
from .terms import Split, WorkStatus

#: ``AccessControl.DEFAULT_ADMIN_ROLE``: the role that grants and revokes every other role.
DEFAULT_ADMIN_ROLE = b"\x00" * 32


def role_id(role: str | bytes) -> bytes:
    """``"REVIEWER_ROLE"`` -> ``keccak256("REVIEWER_ROLE")``; 32 bytes pass through; ``DEFAULT_ADMIN_ROLE`` is zero."""
    if isinstance(role, bytes):
        if len(role) != 32:
            raise ConfigurationError(f"a role id is 32 bytes, got {len(role)}")
        return role
    if role == "DEFAULT_ADMIN_ROLE":
        return DEFAULT_ADMIN_ROLE
    return bytes(Web3.keccak(text=role))


class AdminMixin(HubBase):
    def contract(self, name: str) -> Contract:
        """The deployed contract ``name`` (``WorkRegistry``, ``LicenceMarket``, ``DisputeResolver``)."""
        known = {"WorkRegistry": self.registry, "LicenceMarket": self.market, "DisputeResolver": self.resolver}
        try:
            return known[name]
        except KeyError:
            raise ConfigurationError(f"unknown contract {name!r}; use one of {', '.join(known)}") from None

    # -- roles -------------------------------------------------------------------------------------

    def has_role(self, contract: str, role: str | bytes, account: str) -> bool:
        c = self.contract(contract)
        return bool(self._call(c.functions.hasRole(role_id(role), Web3.to_checksum_address(account))))

    def grant_role(self, contract: str, role: str | bytes, account: str) -> str:
        """Give ``account`` a role on ``contract`` (needs the role's admin); returns the tx hash."""
        receipt = self._transact(self.contract(contract), "grantRole", role_id(role), Web3.to_checksum_address(account))
        return self._tx_hash(receipt)

    def revoke_role(self, contract: str, role: str | bytes, account: str) -> str:
        """Take a role from ``account`` on ``contract``; returns the tx hash."""
        receipt = self._transact(
            self.contract(contract), "revokeRole", role_id(role), Web3.to_checksum_address(account)
        )
        return self._tx_hash(receipt)

    # -- market settings ---------------------------------------------------------------------------

    def set_fee(self, bps: int, treasury: str) -> str:
        """Set the protocol fee (basis points of each sale) and who receives it; returns the tx hash."""
        receipt = self._transact(self.market, "setFee", bps, Web3.to_checksum_address(treasury))
        return self._tx_hash(receipt)

    def set_currency_allowed(self, token: str, allowed: bool = True) -> str:
        """Allow (or stop allowing) offers priced in ERC-20 ``token``; returns the tx hash."""
        receipt = self._transact(self.market, "setCurrencyAllowed", Web3.to_checksum_address(token), allowed)
        return self._tx_hash(receipt)

    def set_min_bond(self, wei: int) -> str:
        """Set the smallest dispute bond; returns the tx hash."""
        return self._tx_hash(self._transact(self.resolver, "setMinBond", wei))

    def pause(self, contract: str) -> str:
        """Stop state changes on ``contract`` (PAUSER_ROLE); returns the tx hash."""
        return self._tx_hash(self._transact(self.contract(contract), "pause"))

    def unpause(self, contract: str) -> str:
        return self._tx_hash(self._transact(self.contract(contract), "unpause"))

    # -- works and licences --------------------------------------------------------------------------

    def set_work_status(self, work_id: int, status: WorkStatus) -> str:
        """Freeze, dispute or reactivate a work (STATUS_ROLE: only the dispute resolver holds it); returns the tx hash."""
        return self._tx_hash(self._transact(self.registry, "setWorkStatus", work_id, int(status)))

    def force_transfer(self, work_id: int, to: str, splits: Sequence[Split] = ()) -> str:
        """Move a work to ``to`` without its owner, replacing its splits (STATUS_ROLE: only the dispute
        resolver holds it, for upheld disputes); returns the tx hash."""
        receipt = self._transact(
            self.registry, "forceTransfer", work_id, Web3.to_checksum_address(to), [s.to_abi() for s in splits]
        )
        return self._tx_hash(receipt)

    def revoke_licence(self, licence_id: int, dispute_id: int = 0) -> str:
        """Revoke a licence (REVOKER_ROLE), citing the dispute that ruled it; returns the tx hash."""
        return self._tx_hash(self._transact(self.market, "revokeLicence", licence_id, dispute_id))
