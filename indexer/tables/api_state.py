"""Tables the API owns, in the mirror's database because every API process must share them: sign-in
nonces, rate-limit counters, wrapped content keys and licensees' encryption keys. They are NOT mirror tables: no event writes them, a reorg leaves them
alone, they are left out of :data:`~indexer.tables.MIRROR_TABLES` (a rebuilt mirror is compared
without them), and :func:`indexer.db.drop_all` (``index --rebuild``) keeps their rows.

Migrations 0007 (nonces, counters) and 0008 (keys) create them; the API also creates them if absent
(:func:`ensure`), so it can issue nonces before any indexer ran on a fresh database, and the migrations
then find them in place. Addresses are lower-case hex, like the mirror's, so they join with it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ._base import u256

__all__ = ["API_TABLES", "ApiTable", "EncryptionKey", "RateCount", "SignInNonce", "WrappedContentKey", "ensure"]


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


class WrappedContentKey(ApiTable, table=True):
    """A work's content key sealed for one licensee (``WrappedKey.to_json()`` as JSON text), filed by the
    work's owner; released by ``POST /keys/{work_id}`` to that licensee only."""

    __tablename__ = "api_wrapped_key"

    work_id: int = u256(primary_key=True)
    account: str = Field(primary_key=True, max_length=42)
    recipient_public: str = Field(max_length=66)  # 0x hex of the X25519 key the copy is sealed for
    wrapped: str = Field(sa_type=sa.Text)
    filed_by: str = Field(max_length=42)
    filed_at: int = Field(sa_type=sa.BigInteger)


class EncryptionKey(ApiTable, table=True):
    """The X25519 public key an account registered (SIWE) for studios to wrap content keys to."""

    __tablename__ = "api_encryption_key"

    account: str = Field(primary_key=True, max_length=42)
    public_key: str = Field(max_length=66)  # 0x + 64 hex digits
    registered_at: int = Field(sa_type=sa.BigInteger)


API_TABLES: tuple[type[SQLModel], ...] = (SignInNonce, RateCount, WrappedContentKey, EncryptionKey)


def ensure(conn: sa.Connection) -> None:
    """Create the API's tables that do not exist yet (what migrations 0007 and 0008 create)."""
    SQLModel.metadata.create_all(conn, tables=[t.__table__ for t in API_TABLES], checkfirst=True)  # type: ignore[attr-defined]
