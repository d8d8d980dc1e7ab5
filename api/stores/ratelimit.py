"""A per-client rate limit shared by every API process: fixed windows counted in the database (table
``api_rate_count``), one upsert per request.

Who the client is: the address of the TCP peer. Behind a reverse proxy or load balancer every peer is
the proxy, so name the proxies in ``COPYRIGHT_HUB_TRUSTED_PROXIES`` (a JSON list of addresses): when
the peer is one of them, the client is the right-most ``X-Forwarded-For`` address that is not a
trusted proxy. ``X-Forwarded-For`` from any other peer is ignored, since a client can write anything there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from indexer.tables.api_state import RateCount

from ._shared import in_transaction, upsert

_TABLE: sa.Table = RateCount.__table__  # type: ignore[attr-defined]


def client_of(peer: str | None, forwarded_for: str | None, trusted_proxies: Collection[str]) -> str:
    """The client's address: the peer, or, if the peer is a trusted proxy, the right-most address of
    ``X-Forwarded-For`` that is not itself a trusted proxy."""
    client = peer or "unknown"
    if client in trusted_proxies and forwarded_for:
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            client = hop
            if hop not in trusted_proxies:
                break
    return client[:64]


class RateLimiter:
    """At most ``limit`` requests per client in each window of ``window_seconds``."""

    def __init__(self, engine: Engine, limit: int, window_seconds: int = 60) -> None:
        self.engine = engine
        self.limit = limit
        self.window = window_seconds

    def hit(self, client: str, now: float | None = None) -> int | None:
        """Count one request; None if allowed, else the seconds until the client may retry."""
        now = time.time() if now is None else now
        window = int(now // self.window)
        stmt = upsert(
            self.engine, _TABLE, {"client": client, "window": window, "count": 1}, ["client", "window"],
            {"count": _TABLE.c.count + 1},
        ).returning(_TABLE.c.count)  # fmt: skip

        def work(conn: sa.Connection) -> int:
            count = int(conn.execute(stmt).scalar_one())
            if count == 1:  # first request of this client in the window: sweep windows that are over
                conn.execute(sa.delete(_TABLE).where(_TABLE.c.window < window))
            return count

        if in_transaction(self.engine, lambda conn: work(conn)) <= self.limit:
            return None
        return max(1, math.ceil((window + 1) * self.window - now))
