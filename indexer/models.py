"""The mirror's schema (SQLModel tables).

Two kinds of domain table:

* *state* tables (``work``, ``work_owner``, ``offer``, ``licence``, ...): the current state, keyed by
  the on-chain id. Every change inside the reorg window writes the row's before-image to
  ``undo_log`` so a reorg can put it back.
* *history* tables (``ownership_transfer``, ``metadata_version``, ``payment``, ...): one row per event,
  keyed by ``(block_number, log_index)``. A reorg deletes the rows above the common ancestor.

uint256 values (ids, amounts) use :class:`U256`: decimal text zero-padded to 78 digits, so values are
exact on SQLite and PostgreSQL alike and text order is numeric order. Bytes are ``0x`` hex strings,
addresses lower-case hex, times unix seconds.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

U256_DIGITS = 78


class U256(TypeDecorator[int]):
    """An exact unsigned 256-bit integer stored as zero-padded decimal text."""

    impl = sa.String(U256_DIGITS)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return str(int(value)).zfill(U256_DIGITS)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> int | None:
        return None if value is None else int(value)


def u256(*, primary_key: bool = False, index: bool = False, nullable: bool = False) -> Any:
    return Field(sa_type=U256, primary_key=primary_key, index=index, nullable=nullable)


# -- bookkeeping ----------------------------------------------------------------------------------


class RawEvent(SQLModel, table=True):
    """Every log of every hub contract as the chain gave it; ``event`` names it when its ABI is known
    (NULL otherwise). The decoded arguments live in the domain tables; ``indexer.decode`` decodes any
    row again from its topics and data."""

    __tablename__ = "raw_event"

    chain_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    block_hash: str = Field(primary_key=True, max_length=66)
    log_index: int = Field(primary_key=True)
    block_number: int = Field(sa_type=sa.BigInteger, index=True)
    tx_hash: str = Field(max_length=66)
    tx_index: int
    address: str = Field(max_length=42)
    contract: str | None = Field(default=None, max_length=64)
    event: str | None = Field(default=None, max_length=128)
    topic0: str | None = Field(default=None, max_length=66)
    topic1: str | None = Field(default=None, max_length=66)
    topic2: str | None = Field(default=None, max_length=66)
    topic3: str | None = Field(default=None, max_length=66)
    data: bytes = Field(sa_type=sa.LargeBinary, description="the log's data (decode with indexer.decode)")


class Block(SQLModel, table=True):
    """Recent (unfinalized) blocks the mirror holds, for parent-hash checks and reorg search."""

    __tablename__ = "block"

    chain_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    number: int = Field(primary_key=True, sa_type=sa.BigInteger)
    hash: str = Field(max_length=66)
    parent_hash: str = Field(max_length=66)
    time: int = Field(sa_type=sa.BigInteger)


class Checkpoint(SQLModel, table=True):
    """The last block fully mirrored. Written in the same transaction as that block's rows.

    ``undo_floor``: the highest block mirrored without undo entries; a reorg whose common ancestor is
    below it is deeper than the finality depth allowed and stops the indexer.
    """

    __tablename__ = "checkpoint"

    chain_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    block_number: int = Field(sa_type=sa.BigInteger)
    block_hash: str | None = Field(default=None, max_length=66)
    undo_floor: int = Field(sa_type=sa.BigInteger)
    start_block: int = Field(sa_type=sa.BigInteger)
    contracts: str = Field(sa_type=sa.Text, description="JSON {name: address} of the indexed deployment")


class UndoLog(SQLModel, table=True):
    """Before-images of state rows changed in unfinalized blocks; replayed newest-first on a reorg."""

    __tablename__ = "undo_log"

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"))
    block_number: int = Field(sa_type=sa.BigInteger, index=True)
    table_name: str = Field(max_length=64)
    pk: str = Field(sa_type=sa.Text, description="JSON of the primary key")
    row: str | None = Field(default=None, sa_type=sa.Text, description="JSON before-image; NULL: absent")


class IndexerStatus(SQLModel, table=True):
    """Metrics the API's health endpoint reads."""

    __tablename__ = "indexer_status"

    chain_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    state: str = Field(max_length=32)
    writer: str = Field(max_length=128)
    head_block: int = Field(sa_type=sa.BigInteger)
    checkpoint_block: int = Field(sa_type=sa.BigInteger)
    head_lag: int = Field(sa_type=sa.BigInteger)
    events_total: int = Field(default=0, sa_type=sa.BigInteger)
    events_per_s: float = 0.0
    reorgs_handled: int = 0
    last_reorg_depth: int | None = None
    #: the common ancestor the last reorg rolled back to, and when (unix seconds)
    last_reorg_block: int | None = Field(default=None, sa_type=sa.BigInteger)
    last_reorg_at: int | None = Field(default=None, sa_type=sa.BigInteger)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    last_error_at: int | None = Field(default=None, sa_type=sa.BigInteger)
    updated_at: int = Field(sa_type=sa.BigInteger)


# -- domain: state tables -----------------------------------------------------------------------------


class Work(SQLModel, table=True):
    """A registered work."""

    __tablename__ = "work"

    work_id: int = u256(primary_key=True)
    registry_address: str = Field(max_length=42)
    owner: str = Field(max_length=42, index=True)
    content_digest: str = Field(max_length=66, index=True)
    content_cid: str = Field(sa_type=sa.Text)
    metadata_cid: str = Field(sa_type=sa.Text)
    metadata_version: int = 0
    work_type: int
    status: int = Field(default=0, description="0 active, 1 frozen, 2 disputed")
    registered_block: int = Field(sa_type=sa.BigInteger)
    registered_at: int = Field(sa_type=sa.BigInteger)
    registered_tx: str = Field(max_length=66)
    updated_block: int = Field(sa_type=sa.BigInteger)


class WorkRoyalty(SQLModel, table=True):
    """ERC-2981 royalty of a work token (``RoyaltySet``); no row: no royalty."""

    __tablename__ = "work_royalty"

    work_id: int = u256(primary_key=True)
    receiver: str = Field(max_length=42)
    bps: int
    updated_block: int = Field(sa_type=sa.BigInteger)


class WorkOwner(SQLModel, table=True):
    """Owners and revenue splits of a work; position 0 is the lead owner (follows the token).
    A work without rows here has one owner, ``work.owner``, with all 10,000 bps."""

    __tablename__ = "work_owner"

    work_id: int = u256(primary_key=True)
    position: int = Field(primary_key=True)
    account: str = Field(max_length=42, index=True)
    bps: int


class WorkParent(SQLModel, table=True):
    """Parent works of a derivative, with the adaptation licence relied on (0: the owner's own work)."""

    __tablename__ = "work_parent"

    work_id: int = u256(primary_key=True)
    parent_id: int = u256(primary_key=True)
    parent_licence_id: int = u256()


class Attestation(SQLModel, table=True):
    """A reviewer's record about a work (content review, filing number...)."""

    __tablename__ = "attestation"

    attestation_id: int = u256(primary_key=True)
    work_id: int = u256(index=True)
    attester: str = Field(max_length=42, index=True)
    kind: int
    territory: int
    decision: int
    reference: str = Field(sa_type=sa.Text)
    evidence_cid: str = Field(sa_type=sa.Text)
    recorded_block: int = Field(sa_type=sa.BigInteger)
    recorded_at: int = Field(sa_type=sa.BigInteger)
    recorded_tx: str = Field(max_length=66)
    revoked: bool = False
    revoked_by: str | None = Field(default=None, max_length=42)
    revoked_reason: str | None = Field(default=None, sa_type=sa.Text)
    revoked_block: int | None = Field(default=None, sa_type=sa.BigInteger)


class Offer(SQLModel, table=True):
    """A licence offer published on chain (``LicenceMarket.OfferCreated``)."""

    __tablename__ = "offer"

    offer_id: int = u256(primary_key=True)
    work_id: int = u256(index=True)
    creator: str = Field(max_length=42, index=True)
    rights: int
    territories: str = Field(sa_type=sa.Text, description="JSON list of ISO 3166-1 numeric codes ([] = worldwide)")
    start: int = Field(sa_type=sa.BigInteger)
    end: int = Field(sa_type=sa.BigInteger)
    exclusive: bool
    sublicensable: bool
    transferable: bool
    price: int = u256()
    currency: str = Field(max_length=42)
    supply_cap: int = Field(sa_type=sa.BigInteger)
    attestation_kind: int = 0
    attestation_territory: int = 0
    cancelled: bool = False
    cancelled_by: str | None = Field(default=None, max_length=42)
    created_block: int = Field(sa_type=sa.BigInteger)
    created_at: int = Field(sa_type=sa.BigInteger)
    created_tx: str = Field(max_length=66)
    updated_block: int = Field(sa_type=sa.BigInteger)


class SignedOffer(SQLModel, table=True):
    """An EIP-712 offer signed off chain, known once it was first redeemed (``SignedOfferRedeemed``)."""

    __tablename__ = "signed_offer"

    digest: str = Field(primary_key=True, max_length=66)
    seller: str = Field(max_length=42, index=True)
    nonce: int = u256()
    work_id: int = u256(index=True)
    terms: str = Field(sa_type=sa.Text, description="the full terms as JSON")
    redeemed_block: int = Field(sa_type=sa.BigInteger)
    redeemed_tx: str = Field(max_length=66)


class Licence(SQLModel, table=True):
    """A licence token: who holds which rights on which work, from when to when."""

    __tablename__ = "licence"

    licence_id: int = u256(primary_key=True)
    work_id: int = u256(index=True)
    licensee: str = Field(max_length=42, index=True)
    holder: str = Field(max_length=42, index=True)
    offer_id: int = u256()
    signed_offer_digest: str = Field(max_length=66)
    rights: int
    start: int = Field(sa_type=sa.BigInteger)
    end: int = Field(sa_type=sa.BigInteger)
    exclusive: bool
    sublicensable: bool
    transferable: bool
    currency: str = Field(max_length=42)
    price: int = u256()
    fee: int = u256()
    revoked: bool = False
    revoked_dispute_id: int | None = Field(default=None, sa_type=U256)
    revoked_by: str | None = Field(default=None, max_length=42)
    revoked_block: int | None = Field(default=None, sa_type=sa.BigInteger)
    granted_block: int = Field(sa_type=sa.BigInteger)
    granted_at: int = Field(sa_type=sa.BigInteger)
    granted_tx: str = Field(max_length=66)


class SellerCounter(SQLModel, table=True):
    """A seller's signed-offer counter (signatures under earlier counters are void)."""

    __tablename__ = "seller_counter"

    seller: str = Field(primary_key=True, max_length=42)
    counter: int = u256()
    updated_block: int = Field(sa_type=sa.BigInteger)


class Dispute(SQLModel, table=True):
    """A claim against a work, with its bond and, once resolved, the ruling."""

    __tablename__ = "dispute"

    dispute_id: int = u256(primary_key=True)
    work_id: int = u256(index=True)
    claimant: str = Field(max_length=42, index=True)
    bond: int = u256()
    evidence_cid: str = Field(sa_type=sa.Text)
    open: bool = True
    outcome: int = Field(default=0, description="0 none, 1 upheld-frozen, 2 upheld-transferred, 3 rejected")
    arbiter: str | None = Field(default=None, max_length=42)
    bond_recipient: str | None = Field(default=None, max_length=42)
    revoked_licences: str | None = Field(default=None, sa_type=sa.Text, description="JSON list of licence ids")
    ruling_cid: str | None = Field(default=None, sa_type=sa.Text)
    opened_block: int = Field(sa_type=sa.BigInteger)
    opened_at: int = Field(sa_type=sa.BigInteger)
    opened_tx: str = Field(max_length=66)
    resolved_block: int | None = Field(default=None, sa_type=sa.BigInteger)
    resolved_at: int | None = Field(default=None, sa_type=sa.BigInteger)


# -- domain: history tables ---------------------------------------------------------------------------


class _History(SQLModel):
    """Columns every history row has: where its event is on the chain."""

    block_number: int = Field(primary_key=True, sa_type=sa.BigInteger)
    log_index: int = Field(primary_key=True)
    tx_hash: str = Field(max_length=66)
    time: int = Field(sa_type=sa.BigInteger)


class OwnershipTransfer(_History, table=True):
    """Every ERC-721 transfer of a work token (mint: ``from_address`` is the zero address)."""

    __tablename__ = "ownership_transfer"

    work_id: int = u256(index=True)
    from_address: str = Field(max_length=42)
    to_address: str = Field(max_length=42)


class MetadataVersion(_History, table=True):
    """Each metadata document a work has had (version 0 is the registration)."""

    __tablename__ = "metadata_version"

    work_id: int = u256(index=True)
    version: int
    metadata_cid: str = Field(sa_type=sa.Text)
    by: str = Field(max_length=42)


class WorkStatusChange(_History, table=True):
    __tablename__ = "work_status_change"

    work_id: int = u256(index=True)
    previous: int
    current: int
    by: str = Field(max_length=42)


class Payment(_History, table=True):
    """A credit to a pull-payment balance: a share of a licence sale, or a dispute bond."""

    __tablename__ = "payment"

    contract: str = Field(max_length=42)
    payee: str = Field(max_length=42, index=True)
    currency: str = Field(max_length=42)
    amount: int = u256()
    licence_id: int | None = Field(default=None, sa_type=U256, index=True)
    dispute_id: int | None = Field(default=None, sa_type=U256)


class Withdrawal(_History, table=True):
    """A payee withdrawing its balance from the market or the dispute resolver."""

    __tablename__ = "withdrawal"

    contract: str = Field(max_length=42)
    payee: str = Field(max_length=42, index=True)
    currency: str = Field(max_length=42)
    amount: int = u256()


class LicenceTransfer(_History, table=True):
    """Every transfer of a licence token (mint: ``from_address`` is the zero address)."""

    __tablename__ = "licence_transfer"

    licence_id: int = u256(index=True)
    from_address: str = Field(max_length=42)
    to_address: str = Field(max_length=42)


#: state tables (restored from undo_log on a reorg) and history tables (rows deleted above the ancestor)
STATE_TABLES: set[str] = {
    "work", "work_royalty", "work_owner", "work_parent", "attestation", "offer", "signed_offer", "licence", "seller_counter", "dispute",
}  # fmt: skip
HISTORY_TABLES: set[str] = {
    "ownership_transfer", "metadata_version", "work_status_change", "payment", "withdrawal", "licence_transfer",
}  # fmt: skip
#: every table whose content must equal that of a fresh index (bookkeeping excluded)
MIRROR_TABLES: tuple[str, ...] = ("raw_event", *sorted(STATE_TABLES), *sorted(HISTORY_TABLES))
