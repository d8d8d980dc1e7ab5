"""Status and metrics: the ``indexer_status`` row (one per chain) the API serves at
``/health/indexer``, the totals kept across restarts, the progress the CLI draws, and outage reporting.

The row is written in each batch's transaction (:meth:`Status.save`) and, for an RPC outage or a stop,
at once and on its own (:meth:`Status.note_error`, :meth:`Status.flush_error`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .. import models
from ..backends import backend_for

#: the status row's state while RPC calls fail and are being retried
RPC_UNAVAILABLE = "rpc_unavailable"
#: seconds between two status writes that report the same RPC outage
OUTAGE_WRITE_INTERVAL = 1.0
#: seconds of history behind ``events_per_s``
RATE_WINDOW = 10

_status = models.IndexerStatus.__table__  # type: ignore[attr-defined]


@dataclass
class Progress:
    """What the loop reports after each batch (the CLI draws it)."""

    state: str
    checkpoint: int
    head: int
    target: int
    start: int
    events: int
    events_total: int
    reorgs: int


@dataclass
class Stats:
    """Totals and throughput of this mirror (the totals carry over from the previous run's row)."""

    started: float = field(default_factory=time.monotonic)
    events_total: int = 0
    window: list[tuple[float, int]] = field(default_factory=list)
    reorgs: int = 0
    last_reorg_depth: int | None = None
    last_reorg_block: int | None = None
    last_reorg_at: int | None = None

    def restore(self, row: Any) -> None:
        """Carry the totals of the status row a previous run left (so they survive a restart)."""
        if row is None:
            return
        self.events_total = int(row["events_total"] or 0)
        self.reorgs = int(row["reorgs_handled"] or 0)
        self.last_reorg_depth = row["last_reorg_depth"]
        self.last_reorg_block = row["last_reorg_block"]
        self.last_reorg_at = row["last_reorg_at"]

    def add(self, n: int) -> float:
        """Count ``n`` more events; the events per second over the last :data:`RATE_WINDOW` seconds."""
        now = time.monotonic()
        self.events_total += n
        self.window.append((now, n))
        while self.window and now - self.window[0][0] > RATE_WINDOW:
            self.window.pop(0)
        span = max(now - self.window[0][0], 1e-3) if len(self.window) > 1 else max(now - self.started, 1e-3)
        return sum(c for _, c in self.window) / span

    def reorg(self, depth: int, ancestor: int) -> None:
        """Count a reorg of ``depth`` blocks rolled back to block ``ancestor``, now."""
        self.reorgs += 1
        self.last_reorg_depth = depth
        self.last_reorg_block = ancestor
        self.last_reorg_at = int(time.time())


class Status:
    """The status row of the chain this indexer mirrors, and the error it reports."""

    def __init__(self, engine: Engine, writer_id: str) -> None:
        self.engine = engine
        #: who writes: ``host:pid`` (the row's ``writer`` column)
        self.writer_id = writer_id
        #: 0 until the RPC told it
        self.chain_id = 0
        self.stats = Stats()
        self.last_error: str | None = None
        self.last_error_at: int | None = None
        self._error_unsaved = False
        self._outage_written = 0.0

    def restore(self, conn: sa.Connection) -> None:
        """Read back the totals a previous run left in the row."""
        row = conn.execute(sa.select(_status).where(_status.c.chain_id == self.chain_id)).mappings().first()
        self.stats.restore(row)

    def save(self, conn: sa.Connection, checkpoint: int, head: int, state: str, rate: float | None = None) -> None:
        """Write the row in ``conn``'s transaction (with the error noted since the last save, if any)."""
        row: dict[str, Any] = {
            "chain_id": self.chain_id,
            "state": state,
            "writer": self.writer_id,
            "head_block": head,
            "checkpoint_block": checkpoint,
            "head_lag": max(0, head - checkpoint),
            "events_total": self.stats.events_total,
            "reorgs_handled": self.stats.reorgs,
            "last_reorg_depth": self.stats.last_reorg_depth,
            "last_reorg_block": self.stats.last_reorg_block,
            "last_reorg_at": self.stats.last_reorg_at,
            "updated_at": int(time.time()),
        }
        if rate is not None:
            row["events_per_s"] = round(rate, 1)
        if self._error_unsaved:
            row["last_error"] = self.last_error
            row["last_error_at"] = self.last_error_at
            self._error_unsaved = False
        backend_for(conn).upsert(conn, _status, [row])

    def note_error(self, message: str) -> None:
        """Record an error (with the time it happened). An RPC failure is also written to the status row
        at once (at most once per second), with the state ``rpc_unavailable``: the indexer makes no
        progress while it retries, so waiting for the next batch would show the outage only once it is
        over. The next batch written after the RPC answers again sets the state back."""
        now = time.time()
        self.last_error = message[:2000]
        self.last_error_at = int(now)
        self._error_unsaved = True
        if message.startswith("RPC") and now - self._outage_written >= OUTAGE_WRITE_INTERVAL:
            self._outage_written = now
            self.flush_error(RPC_UNAVAILABLE, updated=True)

    def flush_error(self, state: str, *, updated: bool = False) -> None:
        """Write ``state`` and the last error to the status row now, outside any batch (best effort: the
        database may be what failed). Before the chain id is known (the RPC was down from the start),
        the row of the one chain this mirror follows is meant."""
        values: dict[str, Any] = {"state": state, "last_error": self.last_error, "last_error_at": self.last_error_at}
        if updated:
            values["updated_at"] = int(time.time())
        statement = sa.update(_status).values(**values)
        if self.chain_id:
            statement = statement.where(_status.c.chain_id == self.chain_id)
        try:
            with self.engine.begin() as conn:
                conn.execute(statement)
        except sa.exc.SQLAlchemyError:
            pass
