"""ISCC codes of works (:mod:`client_sdk.content.iscc`), mirrored from their metadata documents for the
near-duplicate search (:mod:`indexer.similar`, ``GET /similar``).

An :class:`~indexer.tables.metadata.OffChainTable` like ``work_search_token``: the metadata worker writes a
document's codes with its ``ok`` row, keyed by ``(work_id, metadata_cid)``, and a search joins on the
work's current CID, so an older document's codes never match and a reorg needs nothing here.

Each 64-bit code body is also split into four 16-bit ``band`` columns, each indexed with the code's
``family``: two codes within Hamming distance ``d`` agree within ``d // 4`` bits on at least one band
(pigeonhole), so a query is a few indexed ``IN`` lookups (each band's value and its neighbours within
``d // 4`` bits), then the exact distance on those candidates only.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field

from ._base import u256
from .metadata import MAX_CID_CHARS, OffChainTable

__all__ = ["BANDS", "CODE_FAMILIES", "ContentCode"]

#: what ``family`` may hold: a Content-Code's media kind, or the Data-/Instance-Code
CODE_FAMILIES = ("content-video", "content-audio", "content-image", "data", "instance")
#: 16-bit bands of a 64-bit body, most significant first
BANDS = 4


class ContentCode(OffChainTable, table=True):
    """One ISCC unit of a work's metadata document (``file.contentCodes``)."""

    __tablename__ = "work_content_code"
    __table_args__ = (
        sa.Index("ix_work_content_code_document", "work_id", "metadata_cid"),
        # covering: a probe reads the body (and the key) from the index alone, no table row per candidate
        *(
            sa.Index(f"ix_work_content_code_band{i}", "family", f"band{i}", "body", "work_id", "metadata_cid")
            for i in range(BANDS)
        ),
    )

    work_id: int = u256(primary_key=True)
    metadata_cid: str = Field(primary_key=True, max_length=MAX_CID_CHARS)
    family: str = Field(primary_key=True, max_length=16, description=" | ".join(CODE_FAMILIES))
    code: str = Field(max_length=64, description="the unit as text, ISCC:...")
    body: int = Field(sa_type=sa.BigInteger, description="the 64-bit body as a signed integer")
    band0: int = Field(description="bits 63-48 of the body")
    band1: int = Field(description="bits 47-32 of the body")
    band2: int = Field(description="bits 31-16 of the body")
    band3: int = Field(description="bits 15-0 of the body")
