"""Tables the API owns, in the mirror's database because every API process must share them: sign-in
nonces, rate-limit counters, wrapped content keys, licensees' encryption keys and the order book of
signed offers. They are NOT mirror tables: no event writes them, a reorg leaves them alone, they are
left out of :data:`~indexer.tables.MIRROR_TABLES` (a rebuilt mirror is compared without them), and
:func:`indexer.db.drop_all` (``index --rebuild``) keeps their rows.

Migrations 0007 (nonces, counters), 0008 (keys), 0012 (the order book) and 0015 (token facts) create them; the API also
creates them if absent (:func:`ensure`), so it can issue nonces before any indexer ran on a fresh
database, and the migrations then find them in place. Addresses are lower-case hex, like the mirror's, so they join with it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ._base import u256

__all__ = [
    "API_TABLES", "ApiTable", "EncryptionKey", "PublishedSignedOffer", "RateCount", "SignInNonce", "TokenFacts", "WrappedContentKey",
    "ensure",
]  # fmt: skip


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


class PublishedSignedOffer(ApiTable, table=True):
    """A signed EIP-712 offer published to the order book (``POST /signed-offers``), keyed by its digest
    (``LicenceMarket.hashSignedOffer``). Stored only once every check passed; whether it still sells is
    judged when it is read, by joining the mirror (``api.stores.signed_offers``), so no row is ever
    updated as the chain moves. The columns the order book filters and joins on are copied out of
    ``offer`` (the whole struct as JSON, uint256 as strings), which is what a buyer redeems."""

    __tablename__ = "api_signed_offer"

    digest: str = Field(primary_key=True, max_length=66)
    seller: str = Field(max_length=42, index=True)
    nonce: int = u256()
    counter: int = u256()
    #: the work's transfers so far (checked equal to the chain's when stored, so it fits a BigInteger)
    ownership_epoch: int = Field(sa_type=sa.BigInteger)
    deadline: int = Field(sa_type=sa.BigInteger)
    #: the terms' end: the offer sells nothing after it (``TermsEnded``)
    end: int = Field(sa_type=sa.BigInteger)
    work_id: int = u256(index=True)
    rights: int
    currency: str = Field(max_length=42)
    price: int = u256()
    supply_cap: int = Field(sa_type=sa.BigInteger)
    offer: str = Field(sa_type=sa.Text)
    signature: str = Field(max_length=132)
    published_at: int = Field(sa_type=sa.BigInteger)


class TokenFacts(ApiTable, table=True):
    """An ERC-20's ``symbol()`` and ``decimals()``, read from the chain once, the first time the API shows
    an amount in it (:mod:`api.tokens`); the allow-list event names the address only. A token that
    lacks either function (or answers something that is not one) keeps NULL there, and ``note`` says
    why: its amounts then stay in base units."""

    __tablename__ = "api_token"

    address: str = Field(primary_key=True, max_length=42)
    symbol: str | None = Field(default=None, max_length=32)
    decimals: int | None = None
    note: str | None = Field(default=None, max_length=200, description="why symbol or decimals is NULL")
    read_at: int = Field(sa_type=sa.BigInteger)


API_TABLES: tuple[type[SQLModel], ...] = (
    SignInNonce,
    RateCount,
    WrappedContentKey,
    EncryptionKey,
    PublishedSignedOffer,
    TokenFacts,
)


def ensure(conn: sa.Connection) -> None:
    """Create the API's tables that do not exist yet (what migrations 0007, 0008 and 0012 create)."""
    SQLModel.metadata.create_all(conn, tables=[t.__table__ for t in API_TABLES], checkfirst=True)  # type: ignore[attr-defined]
