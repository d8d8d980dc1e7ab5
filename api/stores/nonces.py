"""Single-use sign-in nonces for key release (``GET /keys/nonce`` issues, ``POST /keys/{work_id}`` consumes).

They live in the database (table ``api_sign_in_nonce``), so every API process and host behind a load
balancer sees the same ones. Bounded: each expires after ``ttl_seconds`` and expired ones are deleted
as new ones are issued; at most ``cap`` may be outstanding at once, beyond that issuing answers 503
(the per-client rate limit of :mod:`api.stores.ratelimit` keeps one client from getting there alone).
"""

from __future__ import annotations

import re
import secrets
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from indexer.tables.api_state import SignInNonce

from ..problems import Problem
from ._shared import in_transaction

_TABLE: sa.Table = SignInNonce.__table__  # type: ignore[attr-defined]


class NonceStore:
    """Nonces as rows: issuing inserts one, using it deletes it. ``DELETE ... WHERE nonce = ? AND
    expires_at > now`` removes a row for exactly one caller, so a nonce is single-use across processes."""

    def __init__(self, engine: Engine, ttl_seconds: int = 600, cap: int = 100_000) -> None:
        self.engine = engine
        self.ttl = ttl_seconds
        self.cap = cap

    def issue(self, now: float | None = None) -> tuple[str, int]:
        """A new nonce and its expiry (unix seconds); 503 problem while ``cap`` nonces are outstanding."""
        now = int(time.time() if now is None else now)
        nonce = secrets.token_hex(16)
        expires = now + self.ttl

        def work(conn: sa.Connection) -> bool:
            conn.execute(sa.delete(_TABLE).where(_TABLE.c.expires_at <= now))
            outstanding = conn.execute(sa.select(sa.func.count()).select_from(_TABLE)).scalar_one()
            if outstanding >= self.cap:
                return False
            conn.execute(sa.insert(_TABLE).values(nonce=nonce, expires_at=expires))
            return True

        if not in_transaction(self.engine, work):
            raise Problem(
                503, "Too many sign-ins", "too many sign-in nonces are outstanding; try again in a minute",
            )  # fmt: skip
        return nonce, expires

    def consume(self, nonce: str, now: float | None = None) -> bool:
        """True once for a nonce this store issued and that has not expired; False ever after."""
        if not re.fullmatch(r"[0-9a-f]{32}", nonce):
            return False
        at = int(time.time() if now is None else now)
        stmt = sa.delete(_TABLE).where(_TABLE.c.nonce == nonce, _TABLE.c.expires_at > at)
        return in_transaction(self.engine, lambda conn: conn.execute(stmt).rowcount == 1)

    def outstanding(self) -> int:
        """How many nonces are stored (expired ones not yet swept included)."""
        return in_transaction(
            self.engine, lambda conn: int(conn.execute(sa.select(sa.func.count()).select_from(_TABLE)).scalar_one())
        )
