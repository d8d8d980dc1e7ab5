"""reorg history in the status row

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 05:30:00

The status row keeps where and when the last reorg happened, so that it survives an indexer restart
(with ``reorgs_handled`` and ``last_reorg_depth``, which the indexer now reads back when it starts).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("indexer_status", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_reorg_block", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("last_reorg_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("indexer_status", schema=None) as batch_op:
        batch_op.drop_column("last_reorg_at")
        batch_op.drop_column("last_reorg_block")
