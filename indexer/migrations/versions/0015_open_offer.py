"""open_offer: the filterable terms of each offer not cancelled; work (work_id, metadata_cid) index

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 11:40:00

``GET /works`` filters by offer terms (right, territory, price, exclusive, currency, active_at). Read
from ``offer`` (whole rows, territories as JSON), an exact count probed every work's offers: 176 ms
(SQLite) / 224 ms (PostgreSQL) p95 over 100,000 works (``benchmarks/search.py``). ``open_offer`` keeps
one narrow row per offer not cancelled (territories as ``|156|344|``), written by the same events as
``offer`` (:class:`indexer.tables.market.OpenOffer`), with a covering index led by the work (the works with a matching offer come out in order, grouped). A mirror
upgraded in place gets the rows of its offers not cancelled.

``api_token`` (an API table, :class:`indexer.tables.api_state.TokenFacts`) keeps each ERC-20's symbol
and decimals as the API read them from the chain, so token amounts read as decimals too.

``ix_work_current_metadata`` lets a search check that each posting is of its work's current document
on the index alone (``indexer.search.scores``).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_COLUMNS = ("offer_id", "work_id", "rights", "territories", "start", "end", "exclusive", "price", "currency")


def upgrade() -> None:
    op.create_table(
        "open_offer",
        sa.Column("offer_id", sa.String(length=78), nullable=False),
        sa.Column("work_id", sa.String(length=78), nullable=False),
        sa.Column("rights", sa.Integer(), nullable=False),
        sa.Column("territories", sa.String(length=400), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("end", sa.BigInteger(), nullable=False),
        sa.Column("exclusive", sa.Boolean(), nullable=False),
        sa.Column("price", sa.String(length=78), nullable=False),
        sa.Column("currency", sa.String(length=42), nullable=False),
        sa.PrimaryKeyConstraint("offer_id"),
    )
    op.create_index(
        "ix_open_offer_work",
        "open_offer",
        ["work_id", "end", "rights", "currency", "start", "price", "exclusive", "territories"],
    )
    if "api_token" not in set(sa.inspect(op.get_bind()).get_table_names()):  # the API may have made it
        op.create_table(
            "api_token",
            sa.Column("address", sa.String(length=42), nullable=False),
            sa.Column("symbol", sa.String(length=32), nullable=True),
            sa.Column("decimals", sa.Integer(), nullable=True),
            sa.Column("note", sa.String(length=200), nullable=True),
            sa.Column("read_at", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("address"),
        )
    # a search's check that a posting is of the work's current document, without reading the work's row
    op.create_index("ix_work_current_metadata", "work", ["work_id", "metadata_cid"])
    from indexer.tables.market import territory_keys  # the projection's own encoding

    offer = sa.table("offer", *(sa.column(c) for c in (*_COLUMNS, "cancelled")))
    bind = op.get_bind()
    rows = [
        {**r, "territories": territory_keys(json.loads(r["territories"] or "[]"))}
        for r in bind.execute(sa.select(*(offer.c[c] for c in _COLUMNS)).where(offer.c.cancelled.is_(False)))
        .mappings()
        .all()
    ]
    if rows:
        op.bulk_insert(sa.table("open_offer", *(sa.column(c) for c in _COLUMNS)), rows)


def downgrade() -> None:
    op.drop_table("api_token")
    op.drop_index("ix_work_current_metadata", table_name="work")
    op.drop_index("ix_open_offer_work", table_name="open_offer")
    op.drop_table("open_offer")
