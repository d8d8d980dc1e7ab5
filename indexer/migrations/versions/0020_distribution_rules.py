"""distribution rules: regulators, attestation kinds, requirements; attestation validity windows

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 15:30:00

Issue 17: ``DistributionRules`` events (RegulatorSet, AttestationKindDefined, RequirementSet) each write
one table; ``AttestationRecorded`` now carries the attestation's validity window (0 = open), kept on the
attestation row (existing rows had none: 0).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attestation") as batch:
        batch.add_column(sa.Column("valid_from", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("valid_until", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "regulator",
        sa.Column("territory", sa.Integer(), nullable=False),
        sa.Column("regulator", sa.String(length=42), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("changed_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("territory", "regulator"),
    )
    op.create_table(
        "attestation_kind",
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("meaning", sa.Text(), nullable=False),
        sa.Column("defined_by", sa.String(length=42), nullable=False),
        sa.Column("defined_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind"),
    )
    op.create_table(
        "distribution_requirement",
        sa.Column("requirement_id", sa.BigInteger(), nullable=False),
        sa.Column("territory", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("work_type_mask", sa.String(length=78), nullable=False),
        sa.Column("rights_mask", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.String(length=42), nullable=False),
        sa.Column("changed_block", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("requirement_id"),
    )
    op.create_index("ix_distribution_requirement_territory", "distribution_requirement", ["territory"])


def downgrade() -> None:
    op.drop_index("ix_distribution_requirement_territory", table_name="distribution_requirement")
    op.drop_table("distribution_requirement")
    op.drop_table("attestation_kind")
    op.drop_table("regulator")
    with op.batch_alter_table("attestation") as batch:
        batch.drop_column("valid_until")
        batch.drop_column("valid_from")
