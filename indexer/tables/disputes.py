"""Disputes: claims against works, with their bonds, deadlines, the owner's answer and rulings (or lapses)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field

from client_sdk.terms import Outcome

from ._base import StateTable, u256
from ._declare import BLOCK, TIME, TX, as_json, creates, patches

__all__ = ["Dispute"]


class Dispute(StateTable, table=True):
    """A claim against a work, with its bond and, once resolved, the ruling."""

    __tablename__ = "dispute"
    __events__ = (
        creates(
            "DisputeResolver.DisputeOpened",
            dispute_id="disputeId",
            work_id="workId",
            claimant="claimant",
            bond="bond",
            evidence_cid="evidenceCid",
            deadline="deadline",
            opened_block=BLOCK,
            opened_at=TIME,
            opened_tx=TX,
        ),
        patches(
            "DisputeResolver.DisputeAnswered",
            key={"dispute_id": "disputeId"},
            answer_cid="evidenceCid",
            answered_by="owner",
            answered_block=BLOCK,
            answered_at=TIME,
        ),
        patches(
            "DisputeResolver.DisputeResolved",
            key={"dispute_id": "disputeId"},
            open=False,
            outcome="outcome",
            arbiter="arbiter",
            bond_recipient="bondRecipient",
            revoked_licences=as_json("revokedLicences"),
            ruling_cid="rulingCid",
            resolved_block=BLOCK,
            resolved_at=TIME,
        ),
        patches(
            "DisputeResolver.DisputeLapsed",
            key={"dispute_id": "disputeId"},
            open=False,
            outcome=int(Outcome.LAPSED),
            lapsed_by="by",
            bond_recipient="bondRecipient",
            resolved_block=BLOCK,
            resolved_at=TIME,
        ),
    )

    dispute_id: int = u256(primary_key=True)
    work_id: int = u256(index=True)
    claimant: str = Field(max_length=42, index=True)
    bond: int = u256()
    evidence_cid: str = Field(sa_type=sa.Text)
    open: bool = True
    deadline: int | None = Field(
        default=None, sa_type=sa.BigInteger, description="end of the ruling period (unix seconds); then it can lapse"
    )
    outcome: int = Field(
        default=0, description="0 none, 1 upheld-frozen, 2 upheld-transferred, 3 rejected, 4 lapsed (no ruling in time)"
    )
    answer_cid: str | None = Field(
        default=None, sa_type=sa.Text, description="CID of the owner's answer (evidence); none: not answered"
    )
    answered_by: str | None = Field(default=None, max_length=42, description="the work's owner who answered")
    answered_block: int | None = Field(default=None, sa_type=sa.BigInteger)
    answered_at: int | None = Field(default=None, sa_type=sa.BigInteger)
    arbiter: str | None = Field(default=None, max_length=42)
    lapsed_by: str | None = Field(default=None, max_length=42, description="who closed a lapsed dispute")
    bond_recipient: str | None = Field(default=None, max_length=42)
    revoked_licences: str | None = Field(default=None, sa_type=sa.Text, description="JSON list of licence ids")
    ruling_cid: str | None = Field(default=None, sa_type=sa.Text)
    opened_block: int = Field(sa_type=sa.BigInteger)
    opened_at: int = Field(sa_type=sa.BigInteger)
    opened_tx: str = Field(max_length=66)
    resolved_block: int | None = Field(default=None, sa_type=sa.BigInteger)
    resolved_at: int | None = Field(default=None, sa_type=sa.BigInteger)
