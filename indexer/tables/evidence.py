"""Evidence: captured copies of possible infringements, recorded on chain about registered works."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field

from ._base import StateTable, u256
from ._declare import BLOCK, TIME, TX, creates

__all__ = ["Evidence"]


class Evidence(StateTable, table=True):
    """One evidence record (``EvidenceLog.EvidenceRecorded``); records never change once made."""

    __tablename__ = "evidence"
    __events__ = (
        creates(
            "EvidenceLog.EvidenceRecorded",
            evidence_id="evidenceId",
            work_id="workId",
            recorder="recorder",
            digest="digest",
            cid="cid",
            source="source",
            captured_at="capturedAt",
            recorded_block=BLOCK,
            recorded_at=TIME,
            recorded_tx=TX,
        ),
    )

    evidence_id: int = u256(primary_key=True)
    work_id: int = u256(index=True)
    recorder: str = Field(max_length=42, index=True)
    digest: str = Field(max_length=66, index=True, description="sha256 of the captured file")
    cid: str = Field(sa_type=sa.Text, description="CID of the captured file")
    source: str = Field(sa_type=sa.Text, description="URL or file:NAME it was captured from")
    captured_at: int = Field(sa_type=sa.BigInteger, description="capture time (unix seconds, recorder's clock)")
    recorded_block: int = Field(sa_type=sa.BigInteger)
    recorded_at: int = Field(sa_type=sa.BigInteger)
    recorded_tx: str = Field(max_length=66)
