"""API-owned shared state: sign-in nonces and rate-limit counters

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00

Every API process must see the same nonces and counters, so they live in the database
(:mod:`indexer.tables.api_state`), not in files on one server. The API creates them itself when it
runs before any indexer did; a table already there is left as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "api_sign_in_nonce" not in present:
        op.create_table(
            "api_sign_in_nonce",
            sa.Column("nonce", sa.String(length=32), nullable=False),
            sa.Column("expires_at", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("nonce"),
        )
        op.create_index("ix_api_sign_in_nonce_expires_at", "api_sign_in_nonce", ["expires_at"])
    if "api_rate_count" not in present:
        op.create_table(
            "api_rate_count",
            sa.Column("client", sa.String(length=64), nullable=False),
            sa.Column("window", sa.BigInteger(), nullable=False),
            sa.Column("count", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("client", "window"),
        )
        op.create_index("ix_api_rate_count_window", "api_rate_count", ["window"])


def downgrade() -> None:
    op.drop_index("ix_api_rate_count_window", table_name="api_rate_count")
    op.drop_table("api_rate_count")
    op.drop_index("ix_api_sign_in_nonce_expires_at", table_name="api_sign_in_nonce")
    op.drop_table("api_sign_in_nonce")
