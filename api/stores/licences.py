"""The answers key release and key filing rely on: "may this account have the work's master now?"
and "who owns this work now?".

:class:`OnChainLicenceChecker` asks the contracts directly, so the key endpoints trust the chain,
never the SQL mirror.

Which licences entitle their holder to the master (the decrypted content file), :data:`MASTER_RIGHTS`:
the rights that cannot be exercised without a copy of the work itself -- reproduction, distribution,
rental, screening, broadcasting, information-network dissemination, and the derivative rights that
work from the source material (cinematization, adaptation, translation, compilation). Exhibition and
performance alone do not: for an audiovisual work they concern showing an original or a live
rendition, which the hub does not supply a master for.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from web3 import Web3

from client_sdk import ContractRevert, Hub, Right, WorkNotFound, WorkStatus
from client_sdk.terms import rights_names

#: Rights whose holder may receive the work's content key (see the module's text for why).
MASTER_RIGHTS = Right.ALL & ~(Right.EXHIBITION | Right.PERFORMANCE)


_BUY = "buy or renew a licence on the work that covers the master first"


def master_rights_text() -> str:
    """:data:`MASTER_RIGHTS` by name, for documentation and refusals."""
    return ", ".join(rights_names(MASTER_RIGHTS))


@runtime_checkable
class LicenceChecker(Protocol):
    """What the key routes ask the chain. The production implementation reads the contracts."""

    def refusal(self, licence_id: int, work_id: int, account: str, at_time: int) -> str | None:
        """None if ``account`` holds licence ``licence_id`` on ``work_id``, valid (started, not expired,
        not revoked) at unix time ``at_time``, granting a right in :data:`MASTER_RIGHTS`, on a work that
        is not frozen; else why not, as a sentence for the caller."""
        ...

    def owner_of(self, work_id: int) -> str | None:
        """The work's current owner (EIP-55), or None if there is no such work."""
        ...


class OnChainLicenceChecker:
    """The answers read from the licence market and the work registry."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def refusal(self, licence_id: int, work_id: int, account: str, at_time: int) -> str | None:
        try:
            licence = self.hub.get_licence(licence_id)
        except ContractRevert:  # unknown licence id
            return f"licence {licence_id} does not exist; {_BUY}"
        if licence.work_id != work_id:
            return f"licence {licence_id} is not a licence on work {work_id}; {_BUY}"
        if Web3.to_checksum_address(licence.holder) != Web3.to_checksum_address(account):
            return f"licence {licence_id} is not held by {account}; {_BUY}"
        if not self.hub.is_licence_valid(licence_id, at_time):
            return f"licence {licence_id} is not valid now (expired, revoked or not started); {_BUY}"
        if not licence.rights & MASTER_RIGHTS:
            granted = ", ".join(rights_names(licence.rights)) or "no rights"
            return (
                f"licence {licence_id} grants {granted}, none of which entitles its holder to the master "
                f"(one of: {master_rights_text()}); {_BUY}"
            )
        if self.hub.get_work(work_id).status == WorkStatus.FROZEN:
            return f"work {work_id} is frozen by a dispute ruling; no key is released while it is"
        return None

    def owner_of(self, work_id: int) -> str | None:
        try:
            return Web3.to_checksum_address(self.hub.get_work(work_id).owner)
        except WorkNotFound:
            return None
