"""Reviewers' attestations about works (content review passed, filing number...)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field

from ._base import StateTable, u256
from ._declare import BLOCK, TIME, TX, creates, patches

__all__ = ["Attestation"]


class Attestation(StateTable, table=True):
    """A reviewer's record about a work (content review, filing number...)."""

    __tablename__ = "attestation"
    __events__ = (
        creates(
            "WorkRegistry.AttestationRecorded",
            attestation_id="attestationId",
            work_id="workId",
            attester="attester",
            kind="kind",
            territory="territory",
            decision="decision",
            reference="ref",
            evidence_cid="evidenceCid",
            valid_from="validFrom",
            valid_until="validUntil",
            recorded_block=BLOCK,
            recorded_at=TIME,
            recorded_tx=TX,
        ),
        patches(
            "WorkRegistry.AttestationRevoked",
            key={"attestation_id": "attestationId"},
            revoked=True,
            revoked_by="by",
            revoked_reason="reason",
            revoked_block=BLOCK,
        ),
    )

    attestation_id: int = u256(primary_key=True)
    work_id: int = u256(index=True)
    attester: str = Field(max_length=42, index=True)
    kind: int
    territory: int
    decision: int
    reference: str = Field(sa_type=sa.Text)
    evidence_cid: str = Field(sa_type=sa.Text)
    valid_from: int = Field(default=0, sa_type=sa.BigInteger, description="window start (unix seconds; 0 = open)")
    valid_until: int = Field(
        default=0, sa_type=sa.BigInteger, description="window end, exclusive (unix seconds; 0 = open-ended)"
    )
    recorded_block: int = Field(sa_type=sa.BigInteger)
    recorded_at: int = Field(sa_type=sa.BigInteger)
    recorded_tx: str = Field(max_length=66)
    revoked: bool = False
    revoked_by: str | None = Field(default=None, max_length=42)
    revoked_reason: str | None = Field(default=None, sa_type=sa.Text)
    revoked_block: int | None = Field(default=None, sa_type=sa.BigInteger)
