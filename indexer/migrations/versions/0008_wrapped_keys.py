"""API-owned shared state: wrapped content keys and licensees' encryption keys

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 08:10:00

Wrapped content keys were JSON files on one server's disk; every API process must release the same
keys, so they live in the database (:mod:`indexer.tables.api_state`), with the X25519 public keys
accounts register for studios to wrap to. The API creates them itself when it runs before any indexer
did; a table already there is left as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "api_wrapped_key" not in present:
        op.create_table(
            "api_wrapped_key",
            sa.Column("work_id", sa.String(length=78), nullable=False),
            sa.Column("account", sa.String(length=42), nullable=False),
            sa.Column("recipient_public", sa.String(length=66), nullable=False),
            sa.Column("wrapped", sa.Text(), nullable=False),
            sa.Column("filed_by", sa.String(length=42), nullable=False),
            sa.Column("filed_at", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("work_id", "account"),
        )
    if "api_encryption_key" not in present:
        op.create_table(
            "api_encryption_key",
            sa.Column("account", sa.String(length=42), nullable=False),
            sa.Column("public_key", sa.String(length=66), nullable=False),
            sa.Column("registered_at", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("account"),
        )


def downgrade() -> None:
    op.drop_table("api_encryption_key")
    op.drop_table("api_wrapped_key")
