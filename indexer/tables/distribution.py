"""Distribution rules (issue 17): regulators per territory, attestation kinds with their names and
meanings, and the requirements every sale must meet (``DistributionRules`` events)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field

from ._base import U256, StateTable
from ._declare import BLOCK, TIME, creates, sets

__all__ = ["AttestationKindRow", "DistributionRequirement", "Regulator"]


class Regulator(StateTable, table=True):
    """Who regulates which territory (``RegulatorSet``); a removed regulator keeps its row with ``allowed`` false."""

    __tablename__ = "regulator"
    __events__ = (
        sets(
            "DistributionRules.RegulatorSet",
            territory="territory",
            regulator="regulator",
            allowed="allowed",
            changed_block=BLOCK,
        ),
    )

    territory: int = Field(primary_key=True)
    regulator: str = Field(primary_key=True, max_length=42)
    allowed: bool
    changed_block: int = Field(sa_type=sa.BigInteger)


class AttestationKindRow(StateTable, table=True):
    """An attestation kind with its name and meaning (``AttestationKindDefined``, once per kind)."""

    __tablename__ = "attestation_kind"
    __events__ = (
        creates(
            "DistributionRules.AttestationKindDefined",
            kind="kind",
            name="name",
            meaning="meaning",
            defined_by="by",
            defined_block=BLOCK,
        ),
    )

    kind: int = Field(primary_key=True)
    name: str = Field(sa_type=sa.Text)
    meaning: str = Field(sa_type=sa.Text)
    defined_by: str = Field(max_length=42)
    defined_block: int = Field(sa_type=sa.BigInteger)


class DistributionRequirement(StateTable, table=True):
    """A territory's requirement as last set (``RequirementSet``); withdrawn ones stay with ``active`` false."""

    __tablename__ = "distribution_requirement"
    __events__ = (
        sets(
            "DistributionRules.RequirementSet",
            requirement_id="requirementId",
            territory="territory",
            kind="kind",
            work_type_mask="workTypeMask",
            rights_mask="rightsMask",
            active="active",
            set_by="regulator",
            changed_block=BLOCK,
            changed_at=TIME,
        ),
    )

    requirement_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    territory: int = Field(index=True)
    kind: int
    work_type_mask: int = Field(sa_type=U256, description="bit i: work type i (i < 63); bit 63: types 63 and up")
    rights_mask: int
    active: bool
    set_by: str = Field(max_length=42)
    changed_block: int = Field(sa_type=sa.BigInteger)
    changed_at: int = Field(sa_type=sa.BigInteger)
