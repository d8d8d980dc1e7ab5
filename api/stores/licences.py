"""The answer to "does this account hold a valid licence on this work?", which key release relies on.

:class:`OnChainLicenceChecker` asks the licence market directly, so the key-release endpoint trusts
the chain, never the SQL mirror.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from web3 import Web3

from client_sdk import ContractRevert, Hub


@runtime_checkable
class LicenceChecker(Protocol):
    """Answers whether ``account`` holds licence ``licence_id`` for ``work_id`` and it is valid (not
    expired, not revoked, started) at unix time ``at_time``. The production implementation reads
    the licence contracts on chain."""

    def is_valid_holder(self, licence_id: int, work_id: int, account: str, at_time: int) -> bool: ...


class OnChainLicenceChecker:
    """Valid holder = the licence exists on ``work_id``, is held by ``account``, and is valid at ``at_time``."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def is_valid_holder(self, licence_id: int, work_id: int, account: str, at_time: int) -> bool:
        try:
            licence = self.hub.get_licence(licence_id)
        except ContractRevert:  # unknown licence id
            return False
        if licence.work_id != work_id or Web3.to_checksum_address(licence.holder) != Web3.to_checksum_address(account):
            return False
        return self.hub.is_licence_valid(licence_id, at_time)
