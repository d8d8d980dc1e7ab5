"""Health of the indexer that fills the mirror: head lag, throughput, reorgs, last error."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError, ProgrammingError

from indexer.backends import backend_for
from indexer.metrics import read_status

from ..deps import SessionDep
from ..problems import Problem

router = APIRouter(prefix="/health", tags=["health"])

#: what error text may carry that tells an outsider about the deployment: URLs, IP addresses with
#: ports, host:port pairs, absolute paths
_INTERNAL = re.compile(r"\w+://\S+|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\b[\w.-]+:\d{2,5}\b|(?<![\w.])/[\w./-]+")


def _scrub(text: str | None) -> str | None:
    return None if text is None else _INTERNAL.sub("<hidden>", text)[:300]


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """The status row without the writer's identity and with error text scrubbed of internals."""
    return {**row, "current_error": _scrub(row["current_error"]), "last_error": _scrub(row["last_error"]), "writer": None}


class IndexerStatusPublic(BaseModel):
    chain_id: int
    state: str
    writer: str | None = Field(description="host:pid of the writer; only with COPYRIGHT_HUB_HEALTH_INTERNALS")
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
def get_indexer_health(session: SessionDep, request: Request) -> IndexerHealthPublic:
    """The indexer's metrics as it last wrote them; 503 while no indexer has run on this database.

    Internals stay out unless ``COPYRIGHT_HUB_HEALTH_INTERNALS`` is on: the writer's host:pid is left
    out, and URLs, addresses and paths in error text are replaced by ``<hidden>``."""
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
    if not request.app.state.settings.health_internals:
        rows = [_public(r) for r in rows]
    data = [IndexerStatusPublic(**r) for r in rows]
    return IndexerHealthPublic(healthy=all(d.healthy for d in data), data=data)
