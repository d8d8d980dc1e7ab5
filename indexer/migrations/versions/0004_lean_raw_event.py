"""lean raw_event: binary data, no decoded-args JSON, no index on the event name or tx hash

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 07:50:00

The decoded arguments were a second copy of what the domain tables hold and cost a third of the
write time; ``indexer.decode`` rebuilds them from ``topic0..3`` and ``data`` on demand. Lookups by
event or transaction go to the domain tables (each row carries its tx hash); the two random-order
indexes cost more to keep up than they gave.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_index("ix_raw_event_event", table_name="raw_event")
        op.drop_index("ix_raw_event_tx_hash", table_name="raw_event")
        op.drop_column("raw_event", "args")
        op.alter_column("raw_event", "data", type_=sa.LargeBinary(), postgresql_using="decode(substr(data, 3), 'hex')")
        return
    rows = bind.execute(sa.text("SELECT rowid, data FROM raw_event")).all()
    with op.batch_alter_table("raw_event", schema=None) as batch_op:
        batch_op.drop_index("ix_raw_event_event")
        batch_op.drop_index("ix_raw_event_tx_hash")
        batch_op.drop_column("args")
        batch_op.alter_column("data", existing_type=sa.Text(), type_=sa.LargeBinary())
    if rows:  # SQLite keeps values as they were stored: convert the hex text to bytes
        bind.execute(
            sa.text("UPDATE raw_event SET data = :data WHERE rowid = :rowid"),
            [{"rowid": r[0], "data": bytes.fromhex(str(r[1])[2:])} for r in rows],
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.alter_column("raw_event", "data", type_=sa.Text(), postgresql_using="'0x' || encode(data, 'hex')")
        op.add_column("raw_event", sa.Column("args", sa.Text(), nullable=True))
        op.create_index("ix_raw_event_event", "raw_event", ["event"], unique=False)
        op.create_index("ix_raw_event_tx_hash", "raw_event", ["tx_hash"], unique=False)
        return
    rows = bind.execute(sa.text("SELECT rowid, data FROM raw_event")).all()
    with op.batch_alter_table("raw_event", schema=None) as batch_op:
        batch_op.alter_column("data", existing_type=sa.LargeBinary(), type_=sa.Text())
        batch_op.add_column(sa.Column("args", sa.Text(), nullable=True))
        batch_op.create_index("ix_raw_event_event", ["event"], unique=False)
        batch_op.create_index("ix_raw_event_tx_hash", ["tx_hash"], unique=False)
    if rows:
        bind.execute(
            sa.text("UPDATE raw_event SET data = :data WHERE rowid = :rowid"),
            [{"rowid": r[0], "data": "0x" + bytes(r[1]).hex()} for r in rows],
        )
