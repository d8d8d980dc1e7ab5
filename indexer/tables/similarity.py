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

__all__ = ["BANDS", "CODE_FAMILIES", "PREVIEW_CODE_STATUSES", "ContentCode", "PreviewCode"]

#: what ``family`` may hold: a Content-Code's media kind, or the Data-/Instance-Code
CODE_FAMILIES = ("content-video", "content-audio", "content-image", "data", "instance")
#: 16-bit bands of a 64-bit body, most significant first
BANDS = 4
#: what ``work_preview_code.status`` may hold
PREVIEW_CODE_STATUSES = ("ok", "failed")


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


class PreviewCode(OffChainTable, table=True):
    """The hub's computation of a work's codes from the public preview its metadata names (for a
    document that declares none; :mod:`indexer.preview_codes`): ``ok`` rows' codes are in
    ``work_content_code`` under the same key, and search answers them as ``origin`` ``hub-preview``."""

    __tablename__ = "work_preview_code"

    work_id: int = u256(primary_key=True)
    metadata_cid: str = Field(primary_key=True, max_length=MAX_CID_CHARS)
    preview_cid: str = Field(max_length=MAX_CID_CHARS, description="the preview the codes were computed from")
    status: str = Field(max_length=16, description=" | ".join(PREVIEW_CODE_STATUSES))
    error: str | None = Field(default=None, sa_type=sa.Text, description="why the preview gave no codes")
    method: int = Field(description="client_sdk.content.iscc.CODE_METHOD of the computation")
    codes: str | None = Field(default=None, sa_type=sa.Text, description="the contentCodes object (JSON) when ok")
    computed_at: int = Field(sa_type=sa.BigInteger, description="unix time of the computation")
    attempts: int = Field(default=1, description="computations of this key so far")
    next_attempt_at: int | None = Field(default=None, sa_type=sa.BigInteger, description="retry time when failed")
