"""search tokens of work metadata documents

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 09:30:00

``work_search_token`` holds the tokens of each metadata document the worker read ``ok``
(``indexer.search``: CJK character bigrams, lower-cased NFKC-folded words), keyed like ``work_metadata``
by ``(work_id, metadata_cid)``. ``GET /works?q=`` looks tokens up by the primary key (a word, a bigram,
or a prefix range), which is why ``token`` compares by code point on PostgreSQL too (collation "C").
A mirror upgraded in place gets the tokens of the documents already read ``ok``; the worker writes
the tokens of each document it reads from then on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_search_token",
        sa.Column(
            "token", sa.String(length=64).with_variant(sa.String(64, collation="C"), "postgresql"), nullable=False
        ),
        sa.Column("work_id", sa.String(length=78), nullable=False),
        sa.Column("metadata_cid", sa.String(length=128), nullable=False),
        sa.Column("weight", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token", "work_id", "metadata_cid"),
    )
    op.create_index("ix_work_search_token_document", "work_search_token", ["work_id", "metadata_cid"])
    op.create_index(
        "ix_work_search_token_rank",
        "work_search_token",
        ["token", sa.text("weight DESC"), sa.text("work_id DESC"), "metadata_cid"],
    )
    from indexer.search import write_tokens  # the tokenizer of the worker, so old and new rows agree

    docs = sa.table(
        "work_metadata", *(sa.column(c) for c in ("work_id", "metadata_cid", "status", "title_zh", "title_en",
                                                  "description_zh", "description_en"))
    )  # fmt: skip
    bind = op.get_bind()
    rows = [dict(r) for r in bind.execute(sa.select(docs).where(docs.c.status == "ok")).mappings()]
    write_tokens(bind, ({**r, "work_id": int(r["work_id"])} for r in rows))


def downgrade() -> None:
    op.drop_index("ix_work_search_token_rank", table_name="work_search_token")
    op.drop_index("ix_work_search_token_document", table_name="work_search_token")
    op.drop_table("work_search_token")
