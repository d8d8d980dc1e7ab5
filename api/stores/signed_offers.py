"""The order book of signed offers (table ``api_signed_offer``): stored once checked, judged when read.

Whether a stored offer still sells is computed at read time, in one SQL query that joins the mirror's
tables (no background job, no row ever updated, always as current as the mirror). An offer lists as
``active`` unless, in this order:

* ``expired``: its signature's deadline or its terms' end is not after now (the wall clock, as the
  rest of the API judges "active");
* ``counter_changed``: its seller's counter moved on (``CounterIncremented``, table ``seller_counter``);
* ``nonce_cancelled``: its seller voided its nonce (``SignedOfferCancelled``, table ``cancelled_nonce``);
* ``owner_changed``: the work left the seller, or changed hands and came back (its transfers,
  table ``ownership_transfer``, no longer number the signed ownership epoch);
* ``work_inactive``: the work is frozen or disputed (``work.status``);
* ``sold_out``: the licences sold under the seller's nonce (``licence`` joined with the mirror's
  ``signed_offer`` on the digest) reached its supply cap.

A sale of a *different* signed offer under the same seller and nonce with supply cap 1 uses the nonce
up on chain; the mirror counts those sales too (the join is by seller and nonce), so such an offer
reads sold out as soon as its cap is reached, which a cap of 1 always is.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from indexer.tables._base import U256
from indexer.tables._declare import ZERO_ADDRESS
from indexer.tables.api_state import PublishedSignedOffer
from indexer.tables.market import CancelledNonce, Licence, SellerCounter, SignedOffer
from indexer.tables.works import OwnershipTransfer, Work

from ._shared import in_transaction

_BOOK: sa.Table = PublishedSignedOffer.__table__  # type: ignore[attr-defined]
_WORK: sa.Table = Work.__table__  # type: ignore[attr-defined]
_COUNTER: sa.Table = SellerCounter.__table__  # type: ignore[attr-defined]
_CANCELLED: sa.Table = CancelledNonce.__table__  # type: ignore[attr-defined]
_TRANSFER: sa.Table = OwnershipTransfer.__table__  # type: ignore[attr-defined]
_REDEEMED: sa.Table = SignedOffer.__table__  # type: ignore[attr-defined]
_LICENCE: sa.Table = Licence.__table__  # type: ignore[attr-defined]

#: every status an offer of the book can have, ``active`` being the one that sells
STATUSES = ("active", "expired", "counter_changed", "nonce_cancelled", "owner_changed", "work_inactive", "sold_out")


@dataclass(frozen=True)
class BookFilter:
    """What ``GET /signed-offers`` narrows the book to (``None``: any)."""

    work_id: int | None = None
    seller: str | None = None
    right_bit: int | None = None
    currency: str | None = None
    active: bool | None = True
    #: offers this address may fill: open to anyone (buyer zero) or bound to it
    buyer: str | None = None


def _judged(now: int) -> tuple[sa.FromClause, sa.ColumnElement[str], sa.ColumnElement[int]]:
    """The book joined with what judges it (the work, the seller's counter, a cancellation: one row
    each at most, by primary key), the status expression over that join and the licences sold under
    the offer's seller and nonce (what its supply left is counted from)."""
    o = _BOOK.c
    joined = (
        _BOOK.outerjoin(_WORK, _WORK.c.work_id == o.work_id)
        .outerjoin(_COUNTER, _COUNTER.c.seller == o.seller)
        .outerjoin(_CANCELLED, sa.and_(_CANCELLED.c.seller == o.seller, _CANCELLED.c.nonce == o.nonce))
    )
    transfers = (
        sa.select(sa.func.count())
        .select_from(_TRANSFER)
        .where(_TRANSFER.c.work_id == o.work_id, _TRANSFER.c.from_address != ZERO_ADDRESS)
        .scalar_subquery()
    )
    sold = (
        sa.select(sa.func.count())
        .select_from(_LICENCE.join(_REDEEMED, _LICENCE.c.signed_offer_digest == _REDEEMED.c.digest))
        .where(_REDEEMED.c.seller == o.seller, _REDEEMED.c.nonce == o.nonce)
        .scalar_subquery()
    )
    status = sa.case(
        (sa.or_(o.deadline <= now, o.end <= now), "expired"),
        (sa.func.coalesce(_COUNTER.c.counter, sa.literal(0, U256)) != o.counter, "counter_changed"),
        (_CANCELLED.c.seller.is_not(None), "nonce_cancelled"),
        (sa.or_(_WORK.c.owner.is_(None), _WORK.c.owner != o.seller, transfers != o.ownership_epoch), "owner_changed"),
        (_WORK.c.status != 0, "work_inactive"),
        (sold >= o.supply_cap, "sold_out"),
        else_="active",
    )
    return joined, status, sold


def _buyer(engine: Engine) -> sa.ColumnElement[str]:
    """The offer's ``buyer`` read from its stored struct (JSON text), lower case; the zero address
    (anyone) when the struct has none. Read from ``offer``, the struct as signed, so the book needs no
    column of its own for it."""
    if engine.dialect.name == "postgresql":
        value: sa.ColumnElement[str] = sa.cast(_BOOK.c.offer, postgresql.JSONB)["buyer"].astext
    else:
        value = sa.func.json_extract(_BOOK.c.offer, "$.buyer")
    return sa.func.lower(sa.func.coalesce(value, ZERO_ADDRESS))


class SignedOfferBook:
    """Signed offers as rows; :meth:`put` is idempotent on the digest."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, row: dict[str, Any]) -> bool:
        """Store a checked offer; ``True`` if it is new, ``False`` if that digest was stored already."""
        insert = (postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert)(_BOOK)
        # RETURNING, not rowcount: the PostgreSQL driver's rowcount is not the rows an upsert wrote
        stmt = insert.values(**row).on_conflict_do_nothing(index_elements=["digest"]).returning(_BOOK.c.digest)
        return in_transaction(self.engine, lambda conn: conn.execute(stmt).first() is not None)

    def get(self, digest: str, now: int | None = None, *, status: bool = True) -> dict[str, Any] | None:
        """The stored offer with this digest and (``status``) its status now judged by the mirror, or ``None``."""
        joined, judged, sold = _judged(_now(now))
        stmt = (
            sa.select(_BOOK, judged.label("status"), sold.label("sold")).select_from(joined)
            if status
            else sa.select(_BOOK, sold.label("sold"))
        )
        stmt = stmt.where(_BOOK.c.digest == digest)
        row = in_transaction(self.engine, lambda conn: conn.execute(stmt).mappings().first())
        return dict(row) if row is not None else None

    def list(
        self, where: BookFilter, *, limit: int, offset: int, now: int | None = None
    ) -> tuple[Sequence[dict[str, Any]], int]:
        """One page of offers matching ``where`` (newest first) with their status, and how many match."""
        joined, judged, sold = _judged(_now(now))
        inner = sa.select(_BOOK, judged.label("status"), sold.label("sold")).select_from(joined)
        if where.work_id is not None:
            inner = inner.where(_BOOK.c.work_id == where.work_id)
        if where.seller is not None:
            inner = inner.where(_BOOK.c.seller == where.seller.lower())
        if where.currency is not None:
            inner = inner.where(_BOOK.c.currency == where.currency.lower())
        if where.right_bit is not None:
            inner = inner.where(_BOOK.c.rights.op("&")(where.right_bit) != 0)
        if where.buyer is not None:
            inner = inner.where(_buyer(self.engine).in_([ZERO_ADDRESS, where.buyer.lower()]))
        book = inner.subquery()
        query = sa.select(book)
        if where.active is not None:
            query = query.where((book.c.status == "active") if where.active else (book.c.status != "active"))
        # the total rides on the page (a window count): each offer's status is judged once, not twice
        total = sa.func.count().over().label("total")
        page = query.add_columns(total).order_by(book.c.published_at.desc(), book.c.digest).limit(limit).offset(offset)
        count = sa.select(sa.func.count()).select_from(query.subquery())

        def work(conn: sa.Connection) -> tuple[list[dict[str, Any]], int]:
            rows = [dict(r) for r in conn.execute(page).mappings()]
            if rows:
                return rows, int(rows[0]["total"])
            return rows, int(conn.execute(count).scalar_one()) if offset else 0  # a page past the end

        return in_transaction(self.engine, work)


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else now
