"""What a licence is on the chain itself: ``GET /licences/{licence_id}/verify``. (Listing and reading
licences from the mirror is the plain ``licences`` resource in :mod:`api.resources`.)"""

from __future__ import annotations

from fastapi import APIRouter

from client_sdk.errors import ContractRevert

from ..deps import ChainId, HubDep
from ..problems import Problem
from ..services import chain_call

router = APIRouter(prefix="/licences", tags=["licences"])


@router.get("/{licence_id}/verify", operation_id="licences-verify", responses={404: {}, 503: {}})
def verify_licence(licence_id: ChainId, hub: HubDep) -> dict[str, object]:
    """Ask the chain itself (not the mirror) who holds the licence and whether it is valid now; 503
    while the chain does not answer."""
    with chain_call():
        try:
            lic = hub.get_licence(licence_id)
        except ContractRevert:
            raise Problem(404, "Licence not found", f"licence {licence_id} does not exist on chain") from None
        status = hub.licence_status(licence_id)
    return {
        "licence_id": licence_id,
        "work_id": lic.work_id,
        "holder": lic.holder,
        "status": status.name.lower(),
        "valid": status.name == "VALID",
        "chain_id": hub.deployment.chain_id,
        "market": hub.deployment.address("LicenceMarket"),
    }
