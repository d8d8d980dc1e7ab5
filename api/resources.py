"""What the API serves from the mirror: one :class:`Resource` per entity, listed in :data:`RESOURCES`.

Each resource names its table, public model, key, list filters and related rows; :mod:`api.read`
serves every one of them the same way (``GET /{name}`` paged and filtered, newest first, and
``GET /{name}/{key}``), loading related rows in one query per relation for the whole page. To serve a
new table, add a ``Resource`` here (its public model is derived from the table in :mod:`api.models`).
Routes that are not plain resources (keys, gateway, provenance, pages, health) live in ``routes/``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, or_
from sqlmodel import SQLModel, col, select

from client_sdk.terms import WORK_TYPES
from indexer import models as m

from . import models as api


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


def _work_search(needle: str) -> Any:
    needle = needle.strip()
    return or_(
        func.lower(m.Work.content_digest) == needle.lower(),
        col(m.Work.content_cid) == needle,
        col(m.Work.metadata_cid) == needle,
        func.lower(m.Work.owner) == needle.lower(),
    )


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


WORKS = Resource(
    name="works",
    noun="work",
    table=m.Work,
    public=api.WorkPublic,
    key="work_id",
    summary="Works, newest first, filtered by the given fields.",
    filters=(
        Filter("q", str | None, "content digest, CID, or owner address (exact)", _work_search),
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
        Related("offers", m.Offer, "work_id", order_by=("offer_id",)),
        Related("licence_count", m.Licence, "work_id", count=True),
    ),
)

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
    ),
)

LICENCES = Resource(
    name="licences",
    noun="licence",
    table=m.Licence,
    public=api.LicencePublic,
    key="licence_id",
    summary="Licences, newest first, by work and/or holder.",
    clock=True,
    filters=(
        Filter("work_id", int | None, "licences on this work", lambda v: m.Licence.work_id == v),
        Filter("holder", str | None, "the current holder's address", _lower(m.Licence.holder)),
    ),
)

#: Everything served as a plain resource, in the order the API documents them.
RESOURCES: tuple[Resource, ...] = (WORKS, OFFERS, LICENCES)
