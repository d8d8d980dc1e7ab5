"""an index on licence.signed_offer_digest

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 09:45:00

The order book (``GET /signed-offers``, :mod:`api.stores.signed_offers`) judges each signed offer's
supply at read time by counting the licences sold under it; without this index each offer's count
scanned every licence (benchmarks/order_book.py: 670 ms for a page of 7 offers over 100,000 licences).
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_licence_signed_offer_digest", "licence", ["signed_offer_digest"])


def downgrade() -> None:
    op.drop_index("ix_licence_signed_offer_digest", table_name="licence")
