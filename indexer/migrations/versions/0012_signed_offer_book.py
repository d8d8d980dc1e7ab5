"""API-owned shared state: the order book of signed offers

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 09:20:00

``POST /signed-offers`` keeps each checked EIP-712 offer (:class:`indexer.tables.api_state.PublishedSignedOffer`)
so every API process lists the same book. Rows are never updated: whether an offer still sells is
judged at read time against the mirror. The API creates the table itself when it runs before any
indexer did; a table already there is left as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "api_signed_offer" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        "api_signed_offer",
        sa.Column("digest", sa.String(length=66), nullable=False),
        sa.Column("seller", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.String(length=78), nullable=False),
        sa.Column("counter", sa.String(length=78), nullable=False),
        sa.Column("ownership_epoch", sa.BigInteger(), nullable=False),
        sa.Column("deadline", sa.BigInteger(), nullable=False),
        sa.Column("end", sa.BigInteger(), nullable=False),
        sa.Column("work_id", sa.String(length=78), nullable=False),
        sa.Column("rights", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=42), nullable=False),
        sa.Column("price", sa.String(length=78), nullable=False),
        sa.Column("supply_cap", sa.BigInteger(), nullable=False),
        sa.Column("offer", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=132), nullable=False),
        sa.Column("published_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_index("ix_api_signed_offer_seller", "api_signed_offer", ["seller"])
    op.create_index("ix_api_signed_offer_work_id", "api_signed_offer", ["work_id"])


def downgrade() -> None:
    op.drop_index("ix_api_signed_offer_work_id", table_name="api_signed_offer")
    op.drop_index("ix_api_signed_offer_seller", table_name="api_signed_offer")
    op.drop_table("api_signed_offer")
