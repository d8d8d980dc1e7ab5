"""What the API serves from the mirror: one :class:`Resource` per entity, listed in :data:`RESOURCES`.

Each resource names its table, public model, key, list filters and related rows; :mod:`api.read`
serves every one of them the same way (``GET /{name}`` paged and filtered, newest first, and
``GET /{name}/{key}``), loading related rows in one query per relation for the whole page. To serve a
new table, add a ``Resource`` here (its public model is derived from the table in :mod:`api.models`).
Routes that are not plain resources (keys, gateway, provenance, pages, health) live in ``routes/``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy import func, or_
from sqlmodel import SQLModel, col, select

from client_sdk.terms import ETH, WORK_TYPES, Right
from indexer import models as m
from indexer import search
from indexer.tables.distribution import AttestationKindRow, DistributionRequirement

from . import models as api
from . import tokens
from .deps import LICENCE_ID_DESCRIPTION, LICENCE_ID_EXAMPLE


@dataclass(frozen=True)
class Filter:
    """A query parameter of a list endpoint and the SQL condition it adds (``None``: no condition)."""

    name: str
    type: Any
    description: str
    where: Callable[[Any], Any]
    default: Any = None
    #: accepted values, when only some are (a 422 problem names them otherwise)
    choices: tuple[str, ...] = ()
    #: the condition reads the wall clock, so a cached answer holds for the current second only
    clock: bool = False
    #: bounds of a number and the pattern of a text, in OpenAPI and checked (422); default: a number
    #: is a uint256, a text any text up to 200 characters without NUL
    ge: int | None = None
    le: int | None = None
    pattern: str | None = None
    #: filters with the same ``within`` condition one related row together: ``within(conditions,
    #: ranked)`` is the list's condition (works with *an* offer that has this right *and* this price);
    #: ``ranked``: a ranking filter is given too, so only its candidates are tested
    within: Callable[[list[Any], bool], Any] | None = None
    #: a relevance ranking: ``ranks(value)`` is a subquery (key, score) the list joins and orders by
    #: (score, then key, highest first); ``None``: no ranking for this value
    ranks: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class KeysIn:
    """A list condition given by the keys that meet it: ``keys`` selects one column, keys of rows that
    exist (repeats allowed). Alone (no other condition, no ranking) the list is read from it alone
    (:func:`api.read.list_rows`): its keys, grouped in order, give the exact count and the page, with no
    probe of the table per match; with others it is ``key IN (keys)``."""

    keys: Any


@dataclass(frozen=True)
class Related:
    """Rows of ``table`` whose ``on`` column holds the parent's key, loaded for a whole page at once.

    ``shape(parent, rows)`` turns one parent's rows (ordered by ``order_by``) into the public field's
    value; the default hands the rows' columns to the public model. ``count``: only count them."""

    field: str
    table: type[SQLModel]
    on: str
    order_by: tuple[str, ...] = ()
    shape: Callable[[Any, list[Any]], Any] = lambda _parent, rows: [r._asdict() for r in rows]
    count: bool = False
    #: the parent's column that ``on`` matches (default: the parent's key); ``"work_id"`` relates an
    #: offer to its work's rows
    by: str | None = None
    #: the rows are items of this resource (its name in :data:`RESOURCES`): each comes with that
    #: resource's own related values (an offer in a work's detail with its work's titles and sales, as
    #: ``/offers`` shows it), loaded for every row of the page at once; ``shape`` is not used
    presented_as: str | None = None


@dataclass(frozen=True)
class Resource:
    name: str  # URL segment and OpenAPI tag: /works, tag "works"
    noun: str  # "work": titles and messages
    table: type[SQLModel]
    key: str
    summary: str
    #: the list item's model; default: every column of the table (:func:`api.models.public_model`)
    public: type[BaseModel] = None  # type: ignore[assignment]
    filters: tuple[Filter, ...] = ()
    related: tuple[Related, ...] = ()
    #: the single-item model and the extra relations it carries (default: the list's)
    detail: type[BaseModel] | None = None
    detail_related: tuple[Related, ...] = ()
    #: the public model reads the wall clock (a licence's status), so a cached answer holds for the
    #: current second only (:mod:`api.cache`)
    clock: bool = False
    #: the largest key, when narrower than a uint256 (a uint32 requirement id, a uint8 kind): the item's
    #: path parameter is bounded to it (a 422 beyond, never a database overflow)
    key_max: int | None = None
    #: the item path parameter's description and an id that exists on a fresh hub (OpenAPI ``examples``:
    #: documentation, and the fuzz run's first case), when the key needs more than "uint256"
    key_doc: tuple[str, int] | None = None
    page: type[BaseModel] = field(init=False)

    def __post_init__(self) -> None:
        if self.public is None:
            name = self.table.__name__ + "Public"
            object.__setattr__(self, "public", api.public_model(name, self.table))
        object.__setattr__(self, "page", api.page_model(self.public))

    @property
    def path(self) -> str:
        return f"/{self.name}"


def _lower(column: Any) -> Callable[[str], Any]:
    return lambda value: func.lower(column) == value.lower()


def _choice(column: Any, names: list[str] | tuple[str, ...]) -> Callable[[str], Any]:
    return lambda value: column == list(names).index(value)


#: a query that names a work by an identifier (hex digest or address, CID) rather than by words
_IDENTIFIER = re.compile(r"0x[0-9a-fA-F]{8,}|(Qm|baf)[1-9A-Za-z]{20,}")
#: rights by name, in Art. 10 order (the names :func:`client_sdk.terms.rights_names` gives)
RIGHT_NAMES: tuple[str, ...] = tuple(str(r.name).lower() for r in Right if r is not Right.ALL)


def _work_search(needle: str) -> Any:
    """An identifier matches exactly; words are ranked by :func:`_work_relevance` (no condition here),
    and a query without a letter or digit finds nothing."""
    needle = needle.strip()
    if not _IDENTIFIER.fullmatch(needle):
        return None if search.query_terms(needle) else sa.false()
    return or_(
        func.lower(m.Work.content_digest) == needle.lower(),
        col(m.Work.content_cid) == needle,
        col(m.Work.metadata_cid) == needle,
        func.lower(m.Work.owner) == needle.lower(),
    )


def _work_relevance(needle: str) -> Any:
    needle = needle.strip()
    return None if _IDENTIFIER.fullmatch(needle) else search.scores(search.query_terms(needle))


def _speaks(language: str) -> Any:
    """Works whose current metadata lists ``language`` (a BCP 47 tag; ``zh`` also finds ``zh-Hant``)."""
    doc = m.MetadataDocument
    tag = func.lower(col(doc.languages))
    return sa.exists().where(
        col(doc.work_id) == m.Work.work_id,
        col(doc.metadata_cid) == m.Work.metadata_cid,
        or_(tag.like(f'%"{language.lower()}"%'), tag.like(f'%"{language.lower()}-%')),
    )


def _on_offer(conditions: list[Any], ranked: bool) -> Any:
    """Works with one open offer (not cancelled, not ended) meeting every offer filter given, from
    ``open_offer`` (the narrow, indexed copy of each offer not cancelled). Ranked (``q`` given: a
    search's thousand or so candidates): each candidate probes that table by work. Otherwise (every
    work a candidate) the offers name the works (:class:`KeysIn`: one ordered read of the covering
    index, not one probe per work), which is what keeps the exact count fast (``benchmarks/search.py``:
    176 ms p95 on SQLite, 224 ms on PostgreSQL before, over 100,000 works)."""
    o = m.OpenOffer
    matching = [col(o.end) > int(time.time()), *conditions]
    if ranked:
        return sa.exists().where(col(o.work_id) == m.Work.work_id, *matching)
    # an open offer's work is in the mirror (the market takes offers on registered works only)
    return KeysIn(select(o.work_id).where(*matching))


def _covers(table: Any) -> Callable[[int], Any]:
    """Offers covering the ISO 3166-1 numeric code: listing it, or worldwide. ``offer`` keeps the codes
    as a JSON list (``[]``: worldwide), ``open_offer`` as ``|156|344|`` (``""``: worldwide)."""
    if table is m.OpenOffer:
        return lambda code: or_(col(m.OpenOffer.territories) == "", col(m.OpenOffer.territories).like(f"%|{code}|%"))

    def json_list(code: int) -> Any:
        t = col(table.territories)
        return or_(t == "[]", t == f"[{code}]", t.like(f"[{code}, %"), t.like(f"%, {code}]"), t.like(f"%, {code}, %"))

    return json_list


def offer_terms(table: Any) -> tuple[Filter, ...]:
    """The filters on an offer's terms, on ``table`` (``offer`` for /offers, ``open_offer`` for /works)."""
    currency = col(table.currency)
    # open_offer keeps addresses as the projection writes them, lower case, so its index serves equality
    lower = (lambda c: c) if table is m.OpenOffer else func.lower
    return (
        Filter(
            "right", str | None, "an offer granting this right: " + " | ".join(RIGHT_NAMES),
            lambda v: col(table.rights).op("&")(1 << RIGHT_NAMES.index(v)) != 0, choices=RIGHT_NAMES,
        ),
        Filter("territory", int | None, "an offer covering this ISO 3166-1 numeric code (worldwide offers do)",
               _covers(table), ge=1, le=999),
        Filter("price_min", int | None, "an offer priced at least this (base units of its currency)",
               lambda v: col(table.price) >= v),
        Filter("price_max", int | None, "an offer priced at most this (base units of its currency)",
               lambda v: col(table.price) <= v),
        Filter("exclusive", bool | None, "an exclusive (true) or non-exclusive (false) offer",
               lambda v: col(table.exclusive).is_(v)),
        Filter("currency", str | None, "an offer in this currency: ETH, or an ERC-20 token address",
               lambda v: lower(currency) == (ETH if v.upper() == "ETH" else v).lower(),
               pattern=r"^(ETH|eth|0x[0-9a-fA-F]{40})$"),
        Filter("active_at", int | None, "an offer whose window holds this unix time (start <= t < end)",
               lambda v: (col(table.start) <= v) & (col(table.end) > v), le=2**40 - 1),
    )  # fmt: skip


#: the filters on an offer's terms: served on /offers as they are, and on /works as "has such an offer"
OFFER_TERMS: tuple[Filter, ...] = offer_terms(m.Offer)


def _owned_by(account: str) -> Any:
    co_owned = select(m.WorkOwner.work_id).where(func.lower(m.WorkOwner.account) == account.lower())
    return or_(func.lower(m.Work.owner) == account.lower(), col(m.Work.work_id).in_(co_owned))


def _owners(work: Any, rows: list[Any]) -> list[dict[str, Any]]:
    """A work's owners by position; none recorded: the token owner with all 10,000 bps. The lead
    share follows the token, so position 0 is shown as the current token owner."""
    if not rows:
        return [{"account": work.owner, "bps": 10_000}]
    return [{"account": work.owner if i == 0 else r.account, "bps": r.bps} for i, r in enumerate(rows)]


def _current_metadata(work: Any, rows: list[Any]) -> dict[str, Any] | None:
    """The row of the work's current metadata CID (older CIDs' rows stay in the table), or None."""
    for r in rows:
        if r.metadata_cid == work.metadata_cid:
            return r._asdict() if hasattr(r, "_asdict") else r.model_dump()
    return None


def _active(active: bool) -> Any:
    return (col(m.Offer.cancelled).is_(False)) & (col(m.Offer.end) > int(time.time())) if active else None


def _ok_titles(_parent: Any, rows: list[Any]) -> dict[str, dict[str, Any]]:
    """A work's metadata documents that read ok, by CID: their titles."""
    return {r.metadata_cid: {"title_zh": r.title_zh, "title_en": r.title_en} for r in rows if r.status == "ok"}


def _token_facts(offer: Any, rows: list[Any]) -> tuple[str | None, int | None] | None:
    """An ERC-20's (symbol, decimals) as stored, or as this request just read them (:mod:`api.tokens`)."""
    return (rows[0].symbol, rows[0].decimals) if rows else tokens.unknown(offer.currency)


def _metadata_cid(_parent: Any, rows: list[Any]) -> str | None:
    return rows[0].metadata_cid if rows else None


OFFERS = Resource(
    name="offers",
    noun="offer",
    table=m.Offer,
    public=api.OfferPublic,
    key="offer_id",
    summary="Offers, newest first.",
    filters=(
        Filter("work_id", int | None, "offers on this work", lambda v: m.Offer.work_id == v),
        Filter("active", bool, "only offers not cancelled and not ended", _active, default=False, clock=True),
        *OFFER_TERMS,
    ),
    related=(
        # the work's titles: its current metadata CID, and the titles of its documents that read ok
        Related("work_metadata_cid", m.Work, "work_id", by="work_id", shape=_metadata_cid),
        Related("work_documents", m.MetadataDocument, "work_id", by="work_id", shape=_ok_titles),
        Related("sold", m.Licence, "offer_id", count=True),
        # an ERC-20's symbol and decimals, read from the chain the first time one is shown
        Related("currency_token", m.TokenFacts, "address", by="currency", shape=_token_facts),
    ),
)

WORKS = Resource(
    name="works",
    noun="work",
    table=m.Work,
    public=api.WorkPublic,
    key="work_id",
    summary="Works, newest first, filtered by the given fields.",
    filters=(
        Filter(
            "q",
            str | None,
            "words of a title or description, Chinese or English (the last word is a prefix), ranked by "
            "relevance; or a content digest, CID or owner address (exact)",
            _work_search,
            ranks=_work_relevance,
        ),
        Filter("owner", str | None, "lead owner or co-owner address", _owned_by),
        Filter(
            "work_type", str | None, " | ".join(WORK_TYPES), _choice(m.Work.work_type, WORK_TYPES), choices=WORK_TYPES
        ),
        Filter(
            "status",
            str | None,
            " | ".join(api.WORK_STATUSES),
            _choice(m.Work.status, api.WORK_STATUSES),
            choices=tuple(api.WORK_STATUSES),
        ),
        Filter(
            "language",
            str | None,
            "a language of the work (BCP 47: zh, en, zh-Hant)",
            _speaks,
            pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$",
        ),
        *(replace(f, within=_on_offer, clock=True) for f in offer_terms(m.OpenOffer)),
    ),
    related=(
        Related("owners", m.WorkOwner, "work_id", order_by=("position",), shape=_owners),
        Related(
            "parents",
            m.WorkParent,
            "work_id",
            order_by=("parent_id",),
            shape=lambda _w, rows: [r.parent_id for r in rows],
        ),
        Related("royalty_bps", m.WorkRoyalty, "work_id", shape=lambda _w, rows: rows[0].bps if rows else 0),
        Related("metadata", m.MetadataDocument, "work_id", shape=_current_metadata),  # titles, metadata_status
    ),
    detail=api.WorkDetail,
    detail_related=(
        Related("metadata_versions", m.MetadataVersion, "work_id", order_by=("version",)),
        Related("attestations", m.Attestation, "work_id", order_by=("attestation_id",)),
        Related("disputes", m.Dispute, "work_id", order_by=("dispute_id",)),
        Related("offers", m.Offer, "work_id", order_by=("offer_id",), presented_as="offers"),
        Related("licence_count", m.Licence, "work_id", count=True),
    ),
)


LICENCES = Resource(
    name="licences",
    noun="licence",
    table=m.Licence,
    public=api.LicencePublic,
    key="licence_id",
    key_doc=(LICENCE_ID_DESCRIPTION, LICENCE_ID_EXAMPLE),
    summary="Licences, newest first, by work and/or holder.",
    clock=True,
    filters=(
        Filter("work_id", int | None, "licences on this work", lambda v: m.Licence.work_id == v),
        Filter("holder", str | None, "the current holder's address", _lower(m.Licence.holder)),
    ),
)

#: A work's evidence records, served only under their work (``GET /works/{id}/evidence``,
#: :mod:`api.routes.evidence`), so not in :data:`RESOURCES`; the filters are what that route applies.
EVIDENCE = Resource(
    name="evidence",
    noun="evidence record",
    table=m.Evidence,
    key="evidence_id",
    summary="A work's infringement evidence records, newest first.",
    filters=(Filter("work_id", int | None, "evidence about this work", lambda v: m.Evidence.work_id == v),),
)

ATTESTATIONS = Resource(
    name="attestations",
    noun="attestation",
    table=m.Attestation,
    public=api.AttestationPublic,
    key="attestation_id",
    summary="Reviewers' attestations (content review, filing number...), newest first.",
    filters=(
        Filter("work_id", int | None, "attestations about this work", lambda v: m.Attestation.work_id == v),
        Filter(
            "kind",
            int | None,
            "of this attestation kind (GET /attestation-kinds)",
            lambda v: m.Attestation.kind == v,
            ge=1,
            le=255,
        ),
        Filter(
            "territory",
            int | None,
            "for this ISO 3166-1 numeric code (0: for everywhere)",
            lambda v: m.Attestation.territory == v,
            le=999,
        ),
    ),
)


def _kind_name(_parent: Any, rows: list[Any]) -> str | None:
    return rows[0].name if rows else None


REQUIREMENTS = Resource(
    name="requirements",
    noun="distribution requirement",
    table=DistributionRequirement,
    public=api.RequirementPublic,
    key="requirement_id",
    key_max=2**32 - 1,
    summary="Distribution requirements regulators set per territory (every sale there must meet them), newest first.",
    filters=(
        Filter(
            "territory",
            int | None,
            "requirements of this ISO 3166-1 numeric code",
            lambda v: col(DistributionRequirement.territory) == v,
            ge=1,
            le=999,
        ),
        Filter(
            "kind",
            int | None,
            "requirements of this attestation kind",
            lambda v: col(DistributionRequirement.kind) == v,
            ge=1,
            le=255,
        ),
        Filter(
            "active",
            bool,
            "only requirements in force (false: withdrawn ones too)",
            lambda v: col(DistributionRequirement.active).is_(True) if v else None,
            default=True,
        ),
    ),
    related=(Related("kind_name", AttestationKindRow, "kind", by="kind", shape=_kind_name),),
)

ATTESTATION_KINDS = Resource(
    name="attestation-kinds",
    noun="attestation kind",
    table=AttestationKindRow,
    public=api.AttestationKindPublic,
    key="kind",
    key_max=255,
    summary="Attestation kinds with their names and meanings, as defined on chain.",
)

#: Everything served as a plain resource, in the order the API documents them.
RESOURCES: tuple[Resource, ...] = (WORKS, OFFERS, LICENCES, ATTESTATIONS, REQUIREMENTS, ATTESTATION_KINDS)
