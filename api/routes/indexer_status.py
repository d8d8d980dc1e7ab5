"""Health of the indexer that fills the mirror: head lag, throughput, reorgs, last error."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError, ProgrammingError

from indexer.backends import backend_for
from indexer.metrics import read_status

from ..deps import SessionDep
from ..problems import Problem

router = APIRouter(prefix="/health", tags=["health"])


class IndexerStatusPublic(BaseModel):
    chain_id: int
    state: str
    writer: str
    head_block: int
    checkpoint_block: int
    head_lag: int
    events_total: int
    events_per_s: float
    reorgs_handled: int
    last_reorg_depth: int | None
    last_reorg_block: int | None
    last_reorg_at: int | None
    current_error: str | None
    last_error: str | None
    last_error_at: int | None
    updated_at: int
    seconds_since_update: int
    stale: bool
    healthy: bool


class IndexerHealthPublic(BaseModel):
    healthy: bool
    data: list[IndexerStatusPublic]


@router.get("/indexer", operation_id="health-indexer")
def get_indexer_health(session: SessionDep) -> IndexerHealthPublic:
    """The indexer's metrics as it last wrote them; 503 while no indexer has run on this database."""
    try:
        rows = read_status(session)
    except (ProgrammingError, OperationalError) as exc:
        if not backend_for(session.get_bind()).is_missing_schema(exc):
            raise  # the database itself failed: SessionDep answers 503 "Database unavailable"
        session.rollback()  # no tables yet
        rows = []
    if not rows:
        raise Problem(
            503, "Indexer not started", "no indexer has written to this database yet; run `copyright-hub index`"
        )
    data = [IndexerStatusPublic(**r) for r in rows]
    return IndexerHealthPublic(healthy=all(d.healthy for d in data), data=data)
