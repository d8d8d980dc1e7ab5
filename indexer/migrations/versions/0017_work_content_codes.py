"""work_content_code: ISCC codes of works for near-duplicate search

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 12:00:00

``work_content_code`` holds the ISO 24138 units (Content-Code video/audio/image, Data-Code,
Instance-Code) of each metadata document the worker read ``ok`` whose ``file.contentCodes`` carries them,
keyed like ``work_metadata`` by ``(work_id, metadata_cid)``. Each 64-bit body is split into four 16-bit
bands, each indexed with the code's family, so ``GET /similar`` is a few indexed ``IN`` lookups and an
exact Hamming distance on the candidates (``indexer.similar``). A mirror upgraded in place gets the codes
of the documents already read ``ok``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_content_code",
        sa.Column("work_id", sa.String(length=78), nullable=False),
        sa.Column("metadata_cid", sa.String(length=128), nullable=False),
        sa.Column("family", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("body", sa.BigInteger(), nullable=False),
        sa.Column("band0", sa.Integer(), nullable=False),
        sa.Column("band1", sa.Integer(), nullable=False),
        sa.Column("band2", sa.Integer(), nullable=False),
        sa.Column("band3", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("work_id", "metadata_cid", "family"),
    )
    op.create_index("ix_work_content_code_document", "work_content_code", ["work_id", "metadata_cid"])
    for i in range(4):
        op.create_index(  # covering: a probe reads body and key from the index alone
            f"ix_work_content_code_band{i}",
            "work_content_code",
            ["family", f"band{i}", "body", "work_id", "metadata_cid"],
        )
    from indexer.similar import write_codes  # the worker's own rows, so old and new documents agree

    docs = sa.table("work_metadata", *(sa.column(c) for c in ("work_id", "metadata_cid", "status", "document")))
    bind = op.get_bind()
    rows = [dict(r) for r in bind.execute(sa.select(docs).where(docs.c.status == "ok")).mappings()]
    write_codes(bind, ({**r, "work_id": int(r["work_id"])} for r in rows))


def downgrade() -> None:
    for i in reversed(range(4)):
        op.drop_index(f"ix_work_content_code_band{i}", table_name="work_content_code")
    op.drop_index("ix_work_content_code_document", table_name="work_content_code")
    op.drop_table("work_content_code")
