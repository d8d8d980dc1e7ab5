"""Reading the indexer's metrics back from the database (what the API's ``/health/indexer`` serves)."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import models

#: a status row not refreshed for this long means no indexer is running
STALE_AFTER_SECONDS = 30
#: states of an indexer that is making progress (others: ``rpc_unavailable``, ``stopped``)
WORKING_STATES = ("backfill", "following")


def read_status(session: Session | sa.Connection, *, now: float | None = None) -> list[dict[str, Any]]:
    """One entry per indexed chain: head lag, events per second, reorgs handled, last error, freshness."""
    now = time.time() if now is None else now
    table = models.IndexerStatus.__table__  # type: ignore[attr-defined]
    rows = session.execute(sa.select(table).order_by(table.c.chain_id)).mappings().all()
    out = []
    for row in rows:
        entry = dict(row)
        age = max(0, int(now) - int(row["updated_at"]))
        entry["seconds_since_update"] = age
        entry["stale"] = age > STALE_AFTER_SECONDS
        entry["healthy"] = not entry["stale"] and row["state"] in WORKING_STATES
        # the error that stops progress now; ``last_error`` stays as history once the indexer recovered
        entry["current_error"] = None if row["state"] in WORKING_STATES else row["last_error"]
        out.append(entry)
    return out
