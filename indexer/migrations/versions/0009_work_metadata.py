"""work metadata documents read from the content store

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 08:30:00

``work_metadata`` holds what the metadata worker (``indexer.metadata``) read for each work's metadata
CID: its status (ok, missing, invalid, too_large), the retry schedule, and the document's fields
(titles, descriptions, type, languages, country, duration, dates, poster and preview CIDs). It is
derived from the chain and the content store, not mirrored from events (``indexer.tables.metadata``).
A mirror upgraded in place gets it empty; the worker fills it from the works already mirrored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_metadata",
        sa.Column("work_id", sa.String(length=78), nullable=False),
        sa.Column("metadata_cid", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=True),
        sa.Column("checked_at", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("schema_version", sa.Integer(), nullable=True),
        sa.Column("title_zh", sa.Text(), nullable=True),
        sa.Column("title_en", sa.Text(), nullable=True),
        sa.Column("description_zh", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("work_type", sa.String(length=32), nullable=True),
        sa.Column("languages", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("duration_seconds", sa.BigInteger(), nullable=True),
        sa.Column("episode_count", sa.Integer(), nullable=True),
        sa.Column("first_published", sa.String(length=10), nullable=True),
        sa.Column("created", sa.String(length=10), nullable=True),
        sa.Column("poster_cid", sa.String(length=128), nullable=True),
        sa.Column("preview_cid", sa.String(length=128), nullable=True),
        sa.Column("document", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("work_id", "metadata_cid"),
    )
    op.create_index("ix_work_metadata_next_attempt_at", "work_metadata", ["next_attempt_at"])
    op.create_index("ix_work_metadata_revision", "work_metadata", ["revision"])


def downgrade() -> None:
    op.drop_index("ix_work_metadata_revision", table_name="work_metadata")
    op.drop_index("ix_work_metadata_next_attempt_at", table_name="work_metadata")
    op.drop_table("work_metadata")
