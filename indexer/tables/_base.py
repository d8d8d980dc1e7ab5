"""Column types and the two bases of every mirrored table.

A table's kind comes from its base class, never from a hand-kept list:

* :class:`StateTable` -- the current state, keyed by the on-chain id. Every change inside the reorg
  window writes the row's before-image to ``undo_log`` so a reorg can put it back.
* :class:`HistoryTable` -- one row per event, keyed by ``(block_number, log_index)``. A reorg deletes
  the rows above the common ancestor.

Each table lists in ``__events__`` the events that write it (:mod:`indexer.tables._declare`).

uint256 values (ids, amounts) use :class:`U256`: decimal text zero-padded to 78 digits, so values are
exact on SQLite and PostgreSQL alike and text order is numeric order. Bytes are ``0x`` hex strings,
addresses lower-case hex, times unix seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

if TYPE_CHECKING:
    from ._declare import Projection

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


class StateTable(SQLModel):
    """Base of a state table: current rows keyed by an on-chain id, restored from ``undo_log`` on a reorg."""

    #: the events that create, patch or delete this table's rows (see :mod:`indexer.tables._declare`)
    __events__: ClassVar[tuple[Projection, ...]] = ()


class HistoryTable(SQLModel):
    """Base of a history table: one row per event, where its event is on the chain; a reorg deletes the
    rows above the common ancestor."""

    __events__: ClassVar[tuple[Projection, ...]] = ()

    block_number: int = Field(primary_key=True, sa_type=sa.BigInteger)
    log_index: int = Field(primary_key=True)
    tx_hash: str = Field(max_length=66)
    time: int = Field(sa_type=sa.BigInteger)


def tables_of(base: type[SQLModel]) -> list[type[SQLModel]]:
    """Every table class (``table=True``) deriving from ``base``, in definition order."""
    found: list[type[SQLModel]] = []
    stack = list(base.__subclasses__())
    while stack:
        cls = stack.pop(0)
        if hasattr(cls, "__table__") and cls not in found:
            found.append(cls)
        stack.extend(cls.__subclasses__())
    return found
