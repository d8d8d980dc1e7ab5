"""Licences granted: who holds which rights on which work, and whether each is valid now."""

from __future__ import annotations

import time

from fastapi import APIRouter
from sqlalchemy import func
from sqlmodel import col, select

from client_sdk.terms import rights_names
from indexer import models as m

from ..deps import HubDep, PageDep, SessionDep
from ..models import LicencePublic, LicencesPublic
from ..problems import Problem

router = APIRouter(prefix="/licences", tags=["licences"])


def status_at(lic: m.Licence, now: int) -> str:
    if lic.revoked:
        return "revoked"
    if now < lic.start:
        return "not_yet_valid"
    if now >= lic.end:
        return "expired"
    return "valid"


def licence_public(lic: m.Licence, now: int) -> LicencePublic:
    return LicencePublic(
        licence_id=lic.licence_id,
        work_id=lic.work_id,
        licensee=lic.licensee,
        holder=lic.holder,
        offer_id=lic.offer_id,
        rights=rights_names(lic.rights),
        rights_mask=lic.rights,
        start=lic.start,
        end=lic.end,
        exclusive=lic.exclusive,
        sublicensable=lic.sublicensable,
        transferable=lic.transferable,
        price=str(lic.price),
        fee=str(lic.fee),
        currency=lic.currency,
        status=status_at(lic, now),
        revoked_dispute_id=lic.revoked_dispute_id,
        granted_block=lic.granted_block,
        granted_tx=lic.granted_tx,
    )


@router.get("", operation_id="licences-list")
def list_licences(
    session: SessionDep,
    page: PageDep,
    work_id: int | None = None,
    holder: str | None = None,
) -> LicencesPublic:
    """Licences, newest first, by work and/or holder."""
    stmt = select(m.Licence)
    if work_id is not None:
        stmt = stmt.where(m.Licence.work_id == work_id)
    if holder:
        stmt = stmt.where(func.lower(m.Licence.holder) == holder.lower())
    count = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(m.Licence.licence_id).desc()).offset(page.offset).limit(page.limit)).all()
    now = int(time.time())
    return LicencesPublic(data=[licence_public(lic, now) for lic in rows], count=count)


@router.get("/{licence_id}", operation_id="licences-get")
def get_licence(licence_id: int, session: SessionDep) -> LicencePublic:
    lic = session.get(m.Licence, licence_id)
    if lic is None:
        raise Problem(404, "Licence not found", f"no licence {licence_id} in the mirror")
    return licence_public(lic, int(time.time()))


@router.get("/{licence_id}/verify", operation_id="licences-verify")
def verify_licence(licence_id: int, hub: HubDep) -> dict[str, object]:
    """Ask the chain itself (not the mirror) who holds the licence and whether it is valid now."""
    from client_sdk.errors import ContractRevert

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
