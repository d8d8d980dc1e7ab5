"""The read layer: one list/get implementation for every :class:`~api.resources.Resource`.

- :func:`list_rows` pages a filtered query (one ``COUNT`` and one ``SELECT``);
- :func:`related_values` loads each relation for a whole page in one query (``... WHERE on IN (keys)``),
  so a page costs ``2 + relations`` queries whatever its size;
- :func:`present` merges a row's columns with its related values and validates the public model, and
  :func:`json_response` writes it as the route's answer (FastAPI does not validate it a second time);
- :func:`router` makes ``GET /{name}`` and ``GET /{name}/{key}`` with operation ids
  ``{name}-list`` and ``{name}-get``, query parameters taken from the resource's filters;
- :class:`CachedRoute` serves a route's answers through the response cache (:mod:`api.cache`): every
  resource route, and the catalogue page.
"""

from __future__ import annotations

import inspect
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from indexer import models

from . import tokens
from .deps import UINT256_MAX, Page, PageDep, mirror_session
from .problems import Problem
from .resources import RESOURCES, Filter, KeysIn, Related, Resource
from .services import services_of

T = TypeVar("T")


class CachedRoute(APIRoute):
    """A route whose ``200`` answers depend only on the mirror (and on the current second when
    :meth:`reads_clock` says so), served through the app's response cache (:mod:`api.cache`)."""

    def reads_clock(self, request: Request) -> bool:
        return False

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def cached(request: Request) -> Response:
            cache = services_of(request.app).response_cache
            if cache is None:
                return await handler(request)
            return await cache.serve(request, handler, self.reads_clock(request))

        return cached


def _route_class(resource: Resource) -> type[CachedRoute]:
    """The cached route of ``resource``: it reads the clock when its model does, or when a filter that
    does is in the query."""
    clock_filters = tuple(f.name for f in resource.filters if f.clock)

    class ResourceRoute(CachedRoute):
        def reads_clock(self, request: Request) -> bool:
            return resource.clock or any(name in request.query_params for name in clock_filters)

    return ResourceRoute


def columns(row: Any) -> dict[str, Any]:
    """A row's columns as a dict: a SQL row (what the read layer loads) or a table object."""
    return row._asdict() if isinstance(row, sa.Row) else row.model_dump()


def conditions(resource: Resource, values: dict[str, Any]) -> list[Any]:
    """The SQL conditions of the filters given; a value outside a filter's choices is a 422 problem.
    Filters with the same ``within`` give one condition, on one related row."""
    out: list[Any] = []
    grouped: dict[Callable[[list[Any], bool], Any], list[Any]] = {}
    for f in resource.filters:
        value = values.get(f.name)
        if value is None or (value == "" and not f.choices):
            continue
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL text cannot hold NUL; nothing matches it
            raise Problem(422, "Invalid request", f"{f.name} must not contain NUL characters")
        if f.choices and value not in f.choices:
            raise Problem(422, "Invalid request", f"{f.name} must be one of {', '.join(f.choices)}")
        condition = f.where(value)
        if condition is not None:
            (out if f.within is None else grouped.setdefault(f.within, [])).append(condition)
    ranked = any(f.ranks is not None and values.get(f.name) not in (None, "") for f in resource.filters)
    return out + [within(group, ranked) for within, group in grouped.items()]


def ranking(resource: Resource, values: dict[str, Any]) -> Any:
    """The relevance subquery ``(key, score)`` of the first ranking filter given, or ``None``."""
    for f in resource.filters:
        if f.ranks is not None and values.get(f.name) not in (None, ""):
            return f.ranks(values[f.name])
    return None


def list_rows(
    session: Session, resource: Resource, where: Iterable[Any], page: Page, rank: Any = None
) -> tuple[list[Any], int]:
    """One page of the resource's rows matching ``where``, newest (highest key) first, and how many match
    in all. Plain SQL rows (attribute access, no ORM objects: building those was a fifth of a list's CPU).
    With ``rank`` (:func:`ranking`): only the rows it scores, highest score first, then newest."""
    where = list(where)
    table = resource.table.__table__  # type: ignore[attr-defined]
    key = table.c[resource.key]
    if rank is None and len(where) == 1 and isinstance(where[0], KeysIn):
        return _rows_by_keys(session, table, key, where[0], page)
    where = [key.in_(w.keys) if isinstance(w, KeysIn) else w for w in where]
    source, order = table, [key.desc()]
    if rank is not None:
        # one statement: the ranking runs once, its page of keys carrying the count (COUNT(*) OVER ()),
        # and only the page's rows are read (sorting every match's whole row was half a search's SQL)
        ranked_key = rank.c[resource.key]
        source = table.join(rank, ranked_key == key)
        keyed = sa.select(ranked_key, rank.c.score, func.count().over().label("ranked_count"))
        keyed = keyed.select_from(source).where(*where) if where else keyed.select_from(rank)
        keys = keyed.order_by(rank.c.score.desc(), ranked_key.desc()).offset(page.offset).limit(page.limit)
        paged = keys.subquery("page")
        rows_of_page = (
            sa.select(table, paged.c.ranked_count)
            .join(paged, paged.c[resource.key] == key)
            .order_by(paged.c.score.desc(), key.desc())
        )
        found = list(session.execute(rows_of_page))
        if found or page.offset == 0:
            return found, int(found[0].ranked_count) if found else 0
        order.insert(0, rank.c.score.desc())
    count = session.execute(sa.select(func.count()).select_from(source).where(*where)).scalar_one()
    page_query = sa.select(table).select_from(source).where(*where).order_by(*order)
    rows = session.execute(page_query.offset(page.offset).limit(page.limit))
    return list(rows), int(count)


def _rows_by_keys(session: Session, table: sa.Table, key: Any, keys: KeysIn, page: Page) -> tuple[list[Any], int]:
    """:func:`list_rows` when one :class:`KeysIn` is the only condition: its keys grouped (distinct, in
    key order: an index led by the key gives them without a sort) are counted, and the page's keys are
    taken from the same order before the table is read for those rows only."""
    column = keys.keys.selected_columns[0]
    distinct = keys.keys.group_by(column)
    count = session.execute(sa.select(func.count()).select_from(distinct.subquery())).scalar_one()
    page_keys = distinct.order_by(column.desc()).offset(page.offset).limit(page.limit)
    rows = session.execute(sa.select(table).where(key.in_(page_keys)).order_by(key.desc()))
    return list(rows), int(count)


def resource_named(name: str) -> Resource:
    """The resource of :data:`api.resources.RESOURCES` called ``name``."""
    return next(r for r in RESOURCES if r.name == name)


def get_row(session: Session, resource: Resource, key: int) -> Any:
    """The row with this key, or a 404 problem that says what to check."""
    row = session.get(resource.table, key)
    if row is None:
        raise Problem(
            404,
            f"{resource.noun.capitalize()} not found",
            f"no {resource.noun} {key} in the mirror; check the id, or wait for the indexer",
        )
    return row


def related_values(
    session: Session, resource: Resource, rows: Sequence[Any], relations: Iterable[Related]
) -> list[dict[str, Any]]:
    """For each row, ``{field: value}`` of every relation; one query per relation for all rows."""
    out: list[dict[str, Any]] = [{} for _ in rows]
    if not rows:
        return out
    for rel in relations:
        keys = [getattr(r, rel.by or resource.key) for r in rows]
        table = rel.table.__table__  # type: ignore[attr-defined]
        on = table.c[rel.on]
        # one expanding parameter, not a literal per key: coercing each literal was a tenth of a page's CPU
        wanted = {"keys": list(set(keys))}
        within = on.in_(sa.bindparam("keys", expanding=True, type_=on.type))
        if rel.count:
            counts = dict(session.execute(sa.select(on, func.count()).where(within).group_by(on), wanted).all())
            for values, key in zip(out, keys, strict=True):
                values[rel.field] = counts.get(key, 0)
            continue
        order = [on, *(table.c[c] for c in rel.order_by)]
        children = list(session.execute(sa.select(table).where(within).order_by(*order), wanted))
        grouped: dict[Any, list[Any]] = defaultdict(list)
        if rel.presented_as is not None:  # each child as its own resource presents it
            child_resource = resource_named(rel.presented_as)
            extras = related_values(session, child_resource, children, child_resource.related)
            for child, extra in zip(children, extras, strict=True):
                grouped[getattr(child, rel.on)].append({**columns(child), **extra})
            for values, key in zip(out, keys, strict=True):
                values[rel.field] = grouped.get(key, [])
            continue
        for child in children:
            grouped[getattr(child, rel.on)].append(child)
        for values, row, key in zip(out, rows, keys, strict=True):
            values[rel.field] = rel.shape(row, grouped.get(key, []))
    return out


def present(session: Session, resource: Resource, rows: Sequence[Any], *, detail: bool = False) -> list[BaseModel]:
    """The public models of ``rows`` (the detail model with its extra relations when ``detail``)."""
    model = (resource.detail or resource.public) if detail else resource.public
    relations = (*resource.related, *resource.detail_related) if detail else resource.related
    context = {"now": int(time.time())}
    return [
        model.model_validate({**columns(row), **extra}, context=context)
        for row, extra in zip(rows, related_values(session, resource, rows, relations), strict=True)
    ]


async def in_session(request: Request, work: Callable[[Session], T]) -> T:
    """``work`` on a read session of the mirror (:func:`api.deps.mirror_session`), in one thread."""
    services = services_of(request.app)
    engine = services.engine

    def run() -> T:
        # an ERC-20 shown for the first time is read from the chain then (api.tokens)
        reach = tokens.REACH.set(tokens.Reach(lambda: services.hub().w3, engine))
        try:
            with mirror_session(engine) as session:
                return work(session)
        finally:
            tokens.REACH.reset(reach)

    return await run_in_threadpool(run)


def json_response(model: BaseModel) -> Response:
    """``model`` as the JSON FastAPI would make of it as a route's ``response_model`` (no serialization
    aliases here, so the same bytes), without FastAPI validating the model again on the way out."""
    return Response(model.__pydantic_serializer__.to_json(model), media_type="application/json")


def _signature(params: list[inspect.Parameter], returns: Any) -> inspect.Signature:
    return inspect.Signature(params, return_annotation=returns)


def _query(f: Filter) -> Any:
    """The filter's ``Query``: an integer filter holds an on-chain id, so it is bounded to uint256 (422
    outside, and the bounds are in OpenAPI); a text filter refuses NUL (PostgreSQL text cannot hold it)."""
    if f.type in (int, int | None):
        return Query(description=f.description, ge=f.ge or 0, le=UINT256_MAX if f.le is None else f.le)
    if f.type in (str, str | None):
        return Query(description=f.description, max_length=200, pattern=f.pattern or r"^[^\x00]*$")
    return Query(description=f.description)


def _parameter(f: Filter) -> Any:
    """The filter's query parameter type: one with choices declares them as an enum in OpenAPI
    (:func:`conditions` refuses anything else with a 422 naming them, an empty value included), any
    other its type with :func:`_query`'s bounds."""
    if f.choices:
        return Annotated[f.type, Query(description=f.description, json_schema_extra={"enum": [*f.choices]})]
    return Annotated[f.type, _query(f)]


def _item_link(resource: Resource) -> dict[str, Any]:
    """The OpenAPI link from a list to its first item (``GET /{name}/{key}`` with the key of ``data[0]``):
    what clients and API fuzzers follow from a list to the items it names."""
    key = resource.key
    return {"get": {"operationId": f"{resource.name}-get", "parameters": {key: f"$response.body#/data/0/{key}"}}}


def router(resource: Resource) -> APIRouter:
    """``GET /{name}`` and ``GET /{name}/{key}`` for ``resource``."""
    r = APIRouter(prefix=resource.path, tags=[resource.name], route_class=_route_class(resource))

    # async, with all the database work in one thread hand-off: sync routes and a session dependency
    # cost four (the dependency's enter and exit, the page, the route)
    async def list_endpoint(request: Request, page: Page, **filters: Any) -> Response:
        where, rank = conditions(resource, filters), ranking(resource, filters)

        def answer(session: Session) -> Response:
            rows, count = list_rows(session, resource, where, page, rank)
            return json_response(resource.page(data=present(session, resource, rows), count=count))

        return await in_session(request, answer)

    async def get_endpoint(request: Request, **key: Any) -> Response:
        def answer(session: Session) -> Response:
            row = get_row(session, resource, key[resource.key])
            return json_response(present(session, resource, [row], detail=True)[0])

        return await in_session(request, answer)

    keyword = inspect.Parameter.KEYWORD_ONLY
    list_endpoint.__signature__ = _signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", keyword, annotation=Request),
            inspect.Parameter("page", keyword, annotation=PageDep),
            *(
                inspect.Parameter(f.name, keyword, annotation=_parameter(f), default=f.default)
                for f in resource.filters
            ),
        ],
        resource.page,
    )
    get_endpoint.__signature__ = _signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", keyword, annotation=Request),
            inspect.Parameter(
                resource.key,
                keyword,
                annotation=Annotated[
                    int,
                    _key_path(resource),
                ],
            ),
        ],
        resource.detail or resource.public,
    )
    r.add_api_route(
        "", list_endpoint, methods=["GET"], name="list", operation_id=f"{resource.name}-list",
        summary=resource.summary, response_model=resource.page, responses={200: {"links": _item_link(resource)}},
    )  # fmt: skip
    r.add_api_route(
        f"/{{{resource.key}}}", get_endpoint, methods=["GET"], name="get", operation_id=f"{resource.name}-get",
        summary=f"One {resource.noun}", response_model=resource.detail or resource.public,
        responses={404: {"description": f"no such {resource.noun} in the mirror"}},
    )  # fmt: skip
    return r


def _key_path(resource: Resource) -> Any:
    """The item's path parameter: bounded to the key's range, described, with an example id if declared."""
    top = UINT256_MAX if resource.key_max is None else resource.key_max
    if resource.key_doc is not None:
        description, example = resource.key_doc
        return Path(ge=0, le=top, description=description, examples=[example])
    return Path(ge=0, le=top, description="uint256" if resource.key_max is None else f"0 to {resource.key_max}")


# -- earnings: shared by the accounts route and the explorer's address page ---------------------------


def earnings(session: Session, account: str) -> list[dict[str, Any]]:
    """Per (contract, currency), lower case: what ``account`` was credited (licence sale shares,
    dispute bonds) and withdrew, from the mirror (amounts are exact decimal text in SQL, so they are
    summed here), with an ERC-20's ``currency_token`` (symbol, decimals) when known (:mod:`api.tokens`)."""
    totals: dict[tuple[str, str], list[int]] = {}
    tables: tuple[type[models.Payment] | type[models.Withdrawal], ...] = (models.Payment, models.Withdrawal)
    for i, table in enumerate(tables):
        query = select(table.contract, table.currency, table.amount).where(col(table.payee) == account.lower())
        for contract, currency, amount in session.exec(query):
            totals.setdefault((contract.lower(), currency.lower()), [0, 0])[i] += int(amount)
    facts = tokens.facts_of(session, (currency for _contract, currency in totals))
    return [
        {
            "contract": contract, "currency": currency, "credited": credited, "withdrawn": withdrawn,
            "currency_token": facts.get(currency),
        }
        for (contract, currency), (credited, withdrawn) in sorted(totals.items())
    ]  # fmt: skip
