"""Licence offers published on chain: their terms and prices."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func
from sqlmodel import col, select

from client_sdk.terms import rights_names
from indexer import models as m

from ..deps import PageDep, SessionDep
from ..models import OfferPublic, OffersPublic, TermsPublic, territories
from ..problems import Problem

router = APIRouter(prefix="/offers", tags=["offers"])


def offer_public(o: m.Offer) -> OfferPublic:
    return OfferPublic(
        offer_id=o.offer_id,
        work_id=o.work_id,
        creator=o.creator,
        terms=TermsPublic(
            rights=rights_names(o.rights),
            rights_mask=o.rights,
            territories=territories(o.territories),
            start=o.start,
            end=o.end,
            exclusive=o.exclusive,
            sublicensable=o.sublicensable,
            transferable=o.transferable,
        ),
        price=str(o.price),
        currency=o.currency,
        supply_cap=o.supply_cap,
        requires_attestation_kind=o.attestation_kind,
        requires_attestation_territory=o.attestation_territory,
        cancelled=o.cancelled,
        created_block=o.created_block,
        created_tx=o.created_tx,
    )


@router.get("", operation_id="offers-list")
def list_offers(
    session: SessionDep,
    page: PageDep,
    work_id: int | None = None,
    active: Annotated[bool, Query(description="only offers not cancelled and not ended")] = False,
) -> OffersPublic:
    """Offers, newest first."""
    stmt = select(m.Offer)
    if work_id is not None:
        stmt = stmt.where(m.Offer.work_id == work_id)
    if active:
        stmt = stmt.where(m.Offer.cancelled == False, m.Offer.end > int(time.time()))  # noqa: E712 - SQL
    count = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(m.Offer.offer_id).desc()).offset(page.offset).limit(page.limit)).all()
    return OffersPublic(data=[offer_public(o) for o in rows], count=count)


@router.get("/{offer_id}", operation_id="offers-get")
def get_offer(offer_id: int, session: SessionDep) -> OfferPublic:
    offer = session.get(m.Offer, offer_id)
    if offer is None:
        raise Problem(404, "Offer not found", f"no offer {offer_id} in the mirror")
    return offer_public(offer)
