"""contract settings and cancelled signed-offer nonces

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00

Events that were dropped silently before get tables: ``SignedOfferCancelled`` (a seller voids a
signed-offer nonce) -> ``cancelled_nonce``; ``Paused``/``Unpaused``, ``FeeChanged``, ``MinBondChanged``
and ``LicenceMarketSet`` -> one ``contract_state`` row per contract; ``CurrencyAllowed`` ->
``market_currency``. A mirror upgraded in place has these tables empty until it is rebuilt
(``copyright-hub index --rebuild``), since its checkpoint is past the events that fill them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cancelled_nonce",
        sa.Column("seller", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.String(length=78), nullable=False),
        sa.Column("cancelled_block", sa.BigInteger(), nullable=False),
        sa.Column("cancelled_at", sa.BigInteger(), nullable=False),
        sa.Column("cancelled_tx", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("seller", "nonce"),
    )
    op.create_table(
        "contract_state",
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("contract", sa.String(length=64), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=True),
        sa.Column("treasury", sa.String(length=42), nullable=True),
        sa.Column("min_bond", sa.String(length=78), nullable=True),
        sa.Column("licence_market", sa.String(length=42), nullable=True),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("address"),
    )
    op.create_table(
        "market_currency",
        sa.Column("market", sa.String(length=42), nullable=False),
        sa.Column("currency", sa.String(length=42), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("market", "currency"),
    )


def downgrade() -> None:
    op.drop_table("market_currency")
    op.drop_table("contract_state")
    op.drop_table("cancelled_nonce")
