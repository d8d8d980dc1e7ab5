"""What a licence is on the chain itself: ``GET /licences/{licence_id}/verify``. (Listing and reading
licences from the mirror is the plain ``licences`` resource in :mod:`api.resources`.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from client_sdk.errors import ContractRevert

from ..deps import HubDep, LicenceId
from ..models import Address, Uint256Text
from ..problems import Problem
from ..services import chain_call

router = APIRouter(prefix="/licences", tags=["licences"])

#: Licence times are uint40 on chain; a time past that range cannot be a licence's start, end or revocation.
MAX_TIME = 2**40 - 1
AtQuery = Annotated[
    int | None,
    Query(
        ge=0,
        le=MAX_TIME,
        description="unix seconds: answer for that time, past or future (default: the latest block's time); "
        "a licence revoked later was valid before its revocation",
    ),
]


class LicenceOnChain(BaseModel):
    """A licence as the chain answers for it at time ``at``."""

    licence_id: Uint256Text
    work_id: Uint256Text
    holder: Address
    at: int
    status: str
    valid: bool
    revoked_at: int | None
    chain_id: int
    market: Address


@router.get("/{licence_id}/verify", operation_id="licences-verify", responses={404: {}, 503: {}})
def verify_licence(licence_id: LicenceId, hub: HubDep, at: AtQuery = None) -> LicenceOnChain:
    """Ask the chain itself (not the mirror) who holds the licence and whether it is valid now, or at
    time ``at``; 503 while the chain does not answer."""
    with chain_call():
        try:
            lic = hub.get_licence(licence_id)
        except ContractRevert:
            raise Problem(404, "Licence not found", f"licence {licence_id} does not exist on chain") from None
        when = hub.chain_time() if at is None else at
        status = hub.licence_status(licence_id, when)
    return LicenceOnChain(
        licence_id=licence_id,
        work_id=lic.work_id,
        holder=lic.holder,
        at=when,
        status=status.name.lower(),
        valid=status.name == "VALID",
        revoked_at=lic.revoked_at or None,
        chain_id=hub.deployment.chain_id,
        market=hub.deployment.address("LicenceMarket"),
    )
