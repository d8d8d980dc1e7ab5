"""registry and dispute review: ruling deadlines, lapsed disputes, the registry's resolver

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 09:00:00

Disputes now have a ruling deadline (``DisputeOpened.deadline``) and may lapse when nobody rules in
time (``DisputeLapsed``: outcome 4, ``lapsed_by``); the registry names its dispute resolver once
(``DisputeResolverSet``) -> ``contract_state.dispute_resolver``. Existing rows keep NULL in the new
columns (disputes opened before this version had no deadline); ``copyright-hub index --rebuild``
fills them from a chain that has the new contracts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dispute") as batch:
        batch.add_column(sa.Column("deadline", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("lapsed_by", sa.String(length=42), nullable=True))
    with op.batch_alter_table("contract_state") as batch:
        batch.add_column(sa.Column("dispute_resolver", sa.String(length=42), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contract_state") as batch:
        batch.drop_column("dispute_resolver")
    with op.batch_alter_table("dispute") as batch:
        batch.drop_column("lapsed_by")
        batch.drop_column("deadline")
