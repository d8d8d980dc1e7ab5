"""Tables the API owns, in the mirror's database because every API process must share them: sign-in
nonces and rate-limit counters. They are NOT mirror tables: no event writes them, a reorg leaves them
alone, they are left out of :data:`~indexer.tables.MIRROR_TABLES` (a rebuilt mirror is compared
without them), and :func:`indexer.db.drop_all` (``index --rebuild``) keeps their rows.

Migration 0007 creates them; the API also creates them if absent (:func:`ensure`), so it can issue
nonces before any indexer ran on a fresh database, and 0007 then finds them in place."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

__all__ = ["API_TABLES", "ApiTable", "RateCount", "SignInNonce", "ensure"]


class ApiTable(SQLModel):
    """Base of a table the API owns (shared state of API processes), neither state nor history."""


class SignInNonce(ApiTable, table=True):
    """A single-use SIWE nonce issued by ``GET /keys/nonce``; deleted when used or once expired."""

    __tablename__ = "api_sign_in_nonce"

    nonce: str = Field(primary_key=True, max_length=32)
    expires_at: int = Field(sa_type=sa.BigInteger, index=True)


class RateCount(ApiTable, table=True):
    """Requests one client made in one fixed window (unix seconds // window length)."""

    __tablename__ = "api_rate_count"

    client: str = Field(primary_key=True, max_length=64)
    window: int = Field(primary_key=True, sa_type=sa.BigInteger, index=True)
    count: int = 0


API_TABLES: tuple[type[SQLModel], ...] = (SignInNonce, RateCount)


def ensure(conn: sa.Connection) -> None:
    """Create the API's tables that do not exist yet (what migration 0007 creates)."""
    SQLModel.metadata.create_all(conn, tables=[t.__table__ for t in API_TABLES], checkfirst=True)  # type: ignore[attr-defined]
