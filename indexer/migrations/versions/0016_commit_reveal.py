"""commit–reveal registration: commitments, each work's priority, reclaims

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 11:45:00

Issue 14. ``RegistrationCommitted`` -> ``registration_commitment`` (registrant, commitment, block, time);
``WorkRevealed`` -> ``work.priority_block`` / ``work.priority_at`` / ``work.commitment`` (a one-step
registration's priority is its own block and time, set from ``WorkRegistered``); ``WorkReclaimed`` ->
``work_reclaim`` (history) and a rewrite of the ``work`` row. Existing rows take their registration
block and time as their priority, which is what the contracts that registered them meant.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work") as batch:
        batch.add_column(sa.Column("priority_block", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("priority_at", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("commitment", sa.String(length=66), nullable=True))
    op.execute("UPDATE work SET priority_block = registered_block, priority_at = registered_at")
    with op.batch_alter_table("work") as batch:
        batch.alter_column("priority_block", server_default=None)
        batch.alter_column("priority_at", server_default=None)
    op.create_table(
        "registration_commitment",
        sa.Column("registrant", sa.String(length=42), nullable=False),
        sa.Column("commitment", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("committed_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("registrant", "commitment"),
    )
    op.create_table(
        "work_reclaim",
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("work_id", sa.String(length=78), nullable=False),
        sa.Column("from_address", sa.String(length=42), nullable=False),
        sa.Column("to_address", sa.String(length=42), nullable=False),
        sa.Column("content_digest", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    op.create_index("ix_work_reclaim_work_id", "work_reclaim", ["work_id"])


def downgrade() -> None:
    op.drop_index("ix_work_reclaim_work_id", table_name="work_reclaim")
    op.drop_table("work_reclaim")
    op.drop_table("registration_commitment")
    with op.batch_alter_table("work") as batch:
        batch.drop_column("commitment")
        batch.drop_column("priority_at")
        batch.drop_column("priority_block")
