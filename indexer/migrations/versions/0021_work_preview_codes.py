"""work_preview_code: content codes the hub computed from works' public previews

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 15:30:00

``work_preview_code`` records each computation of a work's ISCC codes by the hub from the public preview
its metadata names (``indexer.preview_codes``), for works whose document declares none; the codes of an
``ok`` row are in ``work_content_code`` under the same ``(work_id, metadata_cid)``, and search answers them
as computed by the hub (``origin: hub-preview``), not declared by the owner. Off-chain like
``work_metadata``: nothing to fill on upgrade (the next ``copyright-hub codes backfill-previews`` pass
computes them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_preview_code",
        sa.Column("work_id", sa.String(length=78), nullable=False),
        sa.Column("metadata_cid", sa.String(length=128), nullable=False),
        sa.Column("preview_cid", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("method", sa.Integer(), nullable=False),
        sa.Column("codes", sa.Text(), nullable=True),
        sa.Column("computed_at", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("work_id", "metadata_cid"),
    )


def downgrade() -> None:
    op.drop_table("work_preview_code")
