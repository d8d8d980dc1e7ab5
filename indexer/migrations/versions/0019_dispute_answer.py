"""dispute answers: the work owner's answer to an open dispute

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 13:00:00

``DisputeResolver.answerDispute`` lets the disputed work's owner answer an open dispute once, before its
deadline (``DisputeAnswered``) -> ``dispute.answer_cid``, ``answered_by``, ``answered_block``,
``answered_at``. Existing rows keep NULL (not answered: the call did not exist).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dispute") as batch:
        batch.add_column(sa.Column("answer_cid", sa.Text(), nullable=True))
        batch.add_column(sa.Column("answered_by", sa.String(length=42), nullable=True))
        batch.add_column(sa.Column("answered_block", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("answered_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dispute") as batch:
        batch.drop_column("answered_at")
        batch.drop_column("answered_block")
        batch.drop_column("answered_by")
        batch.drop_column("answer_cid")
