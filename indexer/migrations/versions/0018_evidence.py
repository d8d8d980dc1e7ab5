"""evidence: infringement evidence records (EvidenceLog.EvidenceRecorded)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 11:40:00

One row per record, written once by ``EvidenceLog.EvidenceRecorded`` (issue 15 item 4); the API lists a
work's evidence from it (``GET /works/{id}/evidence``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("evidence_id", sa.String(length=78), nullable=False),
        sa.Column("work_id", sa.String(length=78), nullable=False),
        sa.Column("recorder", sa.String(length=42), nullable=False),
        sa.Column("digest", sa.String(length=66), nullable=False),
        sa.Column("cid", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("captured_at", sa.BigInteger(), nullable=False),
        sa.Column("recorded_block", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.Column("recorded_tx", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("evidence_id"),
    )
    op.create_index("ix_evidence_work_id", "evidence", ["work_id"])
    op.create_index("ix_evidence_recorder", "evidence", ["recorder"])
    op.create_index("ix_evidence_digest", "evidence", ["digest"])


def downgrade() -> None:
    op.drop_index("ix_evidence_digest", table_name="evidence")
    op.drop_index("ix_evidence_recorder", table_name="evidence")
    op.drop_index("ix_evidence_work_id", table_name="evidence")
    op.drop_table("evidence")
