"""market review: the legal text of offer terms, and when a licence was revoked

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 09:00:00

``Terms`` gained ``legalHash`` and ``legalUri`` (the legal text the terms stand for) -> ``offer.legal_hash``
and ``offer.legal_uri``; ``LicenceRevoked`` gained ``revokedAt`` -> ``licence.revoked_at``, so a licence
can be judged at any past time. Existing offer rows read "no legal text" (the contracts they came from
had none); licences revoked before this revision keep ``revoked_at`` empty, since the contracts that
revoked them did not record the time (their ``revoked_block`` still says when).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ZERO_HASH = "0x" + "00" * 32


def upgrade() -> None:
    with op.batch_alter_table("offer") as batch:
        batch.add_column(sa.Column("legal_hash", sa.String(length=66), nullable=False, server_default=ZERO_HASH))
        batch.add_column(sa.Column("legal_uri", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("licence") as batch:
        batch.add_column(sa.Column("revoked_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("licence") as batch:
        batch.drop_column("revoked_at")
    with op.batch_alter_table("offer") as batch:
        batch.drop_column("legal_uri")
        batch.drop_column("legal_hash")
