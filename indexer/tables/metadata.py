"""Work metadata documents as the metadata worker (:mod:`indexer.metadata`) last read them.

Derived from the chain *and* the content store, so it is neither a state nor a history table:
:class:`OffChainTable` is its own base. No event writes it and a reorg leaves it alone: a row is keyed
by ``(work_id, metadata_cid)`` and says what the document behind that CID is, which no reorg changes
(content addressing); which CID is a work's *current* one is ``work.metadata_cid``, a mirror column
that reorgs do restore, and readers join on it. So the mirror-equals-rebuild property holds for the
chain tables unchanged (:data:`~indexer.tables.MIRROR_TABLES` leaves this table out), and this table
converges to the same rows from any start: ``index --rebuild`` drops it with the mirror and the worker
reads every current document again.

``status``: ``ok`` (fetched, CID checked, valid; the fields below are filled), ``missing`` (the store
does not hold it, or did not answer), ``invalid`` (not a CID, bytes that do not hash to the CID, not
UTF-8 JSON, against the schema), ``too_large`` (over the bound). A work whose current CID has no row
yet is *pending*. Rows not ``ok`` are tried again at ``next_attempt_at`` (exponential back-off).
``revision`` grows with every write (one worker per database), so a reader can tell that something
changed without a checkpoint moving.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ._base import u256

__all__ = ["MAX_CID_CHARS", "MAX_TOKEN_CHARS", "METADATA_STATUSES", "MetadataDocument", "OffChainTable", "SearchToken"]

#: what ``work_metadata.status`` may hold (``pending``: no row yet for the current CID)
METADATA_STATUSES = ("ok", "missing", "invalid", "too_large")
#: longest metadata CID text the worker reads; the chain accepts any string, a CID is at most ~100
MAX_CID_CHARS = 128
#: longest search token kept (longer words are cut to this, in documents and queries alike)
MAX_TOKEN_CHARS = 64
#: search tokens compare by code point on both databases (SQLite's BINARY; PostgreSQL's "C"), so a
#: prefix is an index range (``token >= 'riv' AND token < 'riw'``) whatever the database's locale
TOKEN_TYPE = sa.String(MAX_TOKEN_CHARS).with_variant(sa.String(MAX_TOKEN_CHARS, collation="C"), "postgresql")


class OffChainTable(SQLModel):
    """Base of a table derived from the chain and something off chain (the content store): not
    mirror state, not rolled back on a reorg, rebuilt by reading again."""


class MetadataDocument(OffChainTable, table=True):
    """A work's metadata document, fetched by CID, checked and mirrored field by field."""

    __tablename__ = "work_metadata"

    work_id: int = u256(primary_key=True)
    metadata_cid: str = Field(primary_key=True, max_length=MAX_CID_CHARS)
    status: str = Field(max_length=16, description="ok | missing | invalid | too_large")
    error: str | None = Field(default=None, sa_type=sa.Text, description="why the document is not ok")
    attempts: int = Field(default=0, description="reads of this CID so far")
    next_attempt_at: int | None = Field(
        default=None, sa_type=sa.BigInteger, index=True, description="unix time of the next read; NULL when ok"
    )
    checked_at: int = Field(sa_type=sa.BigInteger, description="unix time of the last read")
    revision: int = Field(sa_type=sa.BigInteger, index=True, description="grows with every write")
    size: int | None = Field(default=None, description="bytes of the document")
    schema_version: int | None = None
    title_zh: str | None = Field(default=None, sa_type=sa.Text)
    title_en: str | None = Field(default=None, sa_type=sa.Text)
    description_zh: str | None = Field(default=None, sa_type=sa.Text)
    description_en: str | None = Field(default=None, sa_type=sa.Text)
    work_type: str | None = Field(default=None, max_length=32, description="the document's workType")
    languages: str | None = Field(default=None, sa_type=sa.Text, description="JSON list of BCP 47 tags")
    country: str | None = Field(default=None, max_length=2, description="ISO 3166-1 alpha-2")
    duration_seconds: int | None = Field(default=None, sa_type=sa.BigInteger)
    episode_count: int | None = None
    first_published: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD")
    created: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD")
    poster_cid: str | None = Field(default=None, max_length=MAX_CID_CHARS)
    preview_cid: str | None = Field(default=None, max_length=MAX_CID_CHARS)
    document: str | None = Field(default=None, sa_type=sa.Text, description="the document (canonical JSON) when ok")


class SearchToken(OffChainTable, table=True):
    """One search token of a metadata document (:mod:`indexer.search`): written by the metadata worker
    with its ``ok`` row, keyed like it by ``(work_id, metadata_cid)``, so a search joins on the work's
    current CID exactly as readers of ``work_metadata`` do, and an older CID's tokens never match."""

    __tablename__ = "work_search_token"
    __table_args__ = (sa.Index("ix_work_search_token_document", "work_id", "metadata_cid"),)

    token: str = Field(primary_key=True, sa_type=TOKEN_TYPE)
    work_id: int = u256(primary_key=True)
    metadata_cid: str = Field(primary_key=True, max_length=MAX_CID_CHARS)
    weight: int = Field(sa_type=sa.SmallInteger, description="2: in a title; 1: in a description only")


_tokens = SearchToken.__table__  # type: ignore[attr-defined]
# a term's best postings in order (by token, then title first, then newest), cut at the cap
sa.Index(
    "ix_work_search_token_rank",
    _tokens.c.token,
    _tokens.c.weight.desc(),
    _tokens.c.work_id.desc(),
    _tokens.c.metadata_cid,
)

# a search keeps the postings of a work's current document only (``work.metadata_cid``): this index
# answers that check without reading the work's row (``indexer.search.scores``)
from .works import Work  # noqa: E402 - the index belongs with the search that needs it

sa.Index("ix_work_current_metadata", Work.__table__.c.work_id, Work.__table__.c.metadata_cid)  # type: ignore[attr-defined]
