"""The catalogue: works as mirrored from the chain, searchable and filterable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from client_sdk.terms import WORK_TYPES, work_status_name, work_type_name
from indexer import models as m

from ..deps import PageDep, SessionDep
from ..models import (
    WORK_STATUSES,
    AttestationPublic,
    DisputePublic,
    OwnerPublic,
    WorkDetail,
    WorkPublic,
    WorksPublic,
)
from ..problems import Problem
from .offers import offer_public

router = APIRouter(prefix="/works", tags=["works"])


def owners_of(session: Session, work: m.Work) -> list[OwnerPublic]:
    rows = session.exec(select(m.WorkOwner).where(m.WorkOwner.work_id == work.work_id).order_by("position")).all()
    if not rows:
        return [OwnerPublic(account=work.owner, bps=10_000)]
    owners = [OwnerPublic(account=r.account, bps=r.bps) for r in rows]
    owners[0] = OwnerPublic(account=work.owner, bps=owners[0].bps)  # the lead share follows the token
    return owners


def work_public(session: Session, work: m.Work) -> WorkPublic:
    parents = session.exec(select(m.WorkParent.parent_id).where(m.WorkParent.work_id == work.work_id)).all()
    return WorkPublic(
        work_id=work.work_id,
        owner=work.owner,
        owners=owners_of(session, work),
        content_digest=work.content_digest,
        content_cid=work.content_cid,
        metadata_cid=work.metadata_cid,
        metadata_version=work.metadata_version,
        work_type=work_type_name(work.work_type),
        status=work_status_name(work.status),
        royalty_bps=royalty.bps if (royalty := session.get(m.WorkRoyalty, work.work_id)) else 0,
        parents=sorted(parents),
        registered_block=work.registered_block,
        registered_at=work.registered_at,
        registered_tx=work.registered_tx,
    )


def get_work_row(session: Session, work_id: int) -> m.Work:
    work = session.get(m.Work, work_id)
    if work is None:
        raise Problem(404, "Work not found", f"no work {work_id} in the mirror; check the id, or wait for the indexer")
    return work


@router.get("", operation_id="works-list")
def list_works(
    session: SessionDep,
    page: PageDep,
    q: Annotated[str | None, Query(description="content digest, CID, or owner address (exact)")] = None,
    owner: Annotated[str | None, Query(description="lead owner or co-owner address")] = None,
    work_type: Annotated[str | None, Query(description=" | ".join(WORK_TYPES))] = None,
    status: Annotated[str | None, Query(description=" | ".join(WORK_STATUSES))] = None,
) -> WorksPublic:
    """Works, newest first, filtered by the given fields."""
    stmt = select(m.Work)
    if q:
        needle = q.strip()
        stmt = stmt.where(
            or_(
                func.lower(m.Work.content_digest) == needle.lower(),
                col(m.Work.content_cid) == needle,
                col(m.Work.metadata_cid) == needle,
                func.lower(m.Work.owner) == needle.lower(),
            )
        )
    if owner:
        co_owned = select(m.WorkOwner.work_id).where(func.lower(m.WorkOwner.account) == owner.lower())
        stmt = stmt.where(or_(func.lower(m.Work.owner) == owner.lower(), col(m.Work.work_id).in_(co_owned)))
    if work_type:
        if work_type not in WORK_TYPES:
            raise Problem(422, "Invalid request", f"work_type must be one of {', '.join(WORK_TYPES)}")
        stmt = stmt.where(m.Work.work_type == WORK_TYPES.index(work_type))
    if status:
        if status not in WORK_STATUSES:
            raise Problem(422, "Invalid request", f"status must be one of {', '.join(WORK_STATUSES)}")
        stmt = stmt.where(m.Work.status == WORK_STATUSES.index(status))
    count = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(m.Work.work_id).desc()).offset(page.offset).limit(page.limit)).all()
    return WorksPublic(data=[work_public(session, w) for w in rows], count=count)


@router.get("/{work_id}", operation_id="works-get")
def get_work(work_id: int, session: SessionDep) -> WorkDetail:
    """One work with its owners, parents, metadata history, attestations, disputes and offers."""
    work = get_work_row(session, work_id)
    versions = session.exec(
        select(m.MetadataVersion).where(m.MetadataVersion.work_id == work_id).order_by("version")
    ).all()
    attestations = session.exec(select(m.Attestation).where(m.Attestation.work_id == work_id)).all()
    disputes = session.exec(select(m.Dispute).where(m.Dispute.work_id == work_id)).all()
    offers = session.exec(select(m.Offer).where(m.Offer.work_id == work_id)).all()
    licences = session.exec(select(func.count()).select_from(m.Licence).where(m.Licence.work_id == work_id)).one()
    return WorkDetail(
        **work_public(session, work).model_dump(),
        metadata_versions=[
            {"version": v.version, "metadata_cid": v.metadata_cid, "block_number": v.block_number, "tx_hash": v.tx_hash}
            for v in versions
        ],
        attestations=[AttestationPublic.model_validate(a, from_attributes=True) for a in attestations],
        disputes=[DisputePublic(**{**d.model_dump(), "bond": str(d.bond)}) for d in disputes],
        offers=[offer_public(o) for o in offers],
        licence_count=licences,
    )
