"""The indexer's own tables: raw logs, recent block hashes, the checkpoint, the undo log and the status
row. No event writes them through a projection; the sync loop does."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

__all__ = ["Block", "Checkpoint", "IndexerStatus", "RawEvent", "UndoLog"]


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
