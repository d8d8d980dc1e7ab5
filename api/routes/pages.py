"""Pages for people who buy: the catalogue at ``/`` and a work's page at ``/work/{work_id}``.

- The catalogue lists works with their titles in the page's language (``?lang=``, else the remembered
  choice, else ``Accept-Language``), posters from the content gateway, a search box and filters that are
  the query parameters of ``GET /works`` (the same :data:`api.resources.WORKS` filters, so the page and
  the API cannot disagree), and each work's open offers in words. Server-rendered: it works without JS.
- A work's page adds its metadata, on-chain offers and the valid signed offers of the order book, each
  with a Buy button. ``/pages/buy.js`` (small, vanilla) buys through an EIP-1193 browser wallet: the
  unsigned transaction comes from the fulfil endpoints (:mod:`api.routes.trading`), a refusal shows the
  problem document's text, and the status endpoint (``GET /relay/{hash}``) says when the licence is minted.

Offers are written in words from the declared names: rights by :func:`client_sdk.terms.rights_names`
(labels ``right.<name>`` in :mod:`api.i18n`), territories by :func:`api.models.territory`, amounts by
:func:`client_sdk.terms.format_amount`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from client_sdk._licensing import signed_offer_from_json
from client_sdk.terms import WORK_TYPES, Right, format_amount, rights_names
from indexer import models as m

from ..deps import UINT256_MAX, ChainId, Page
from ..i18n import LANG_COOKIE, LANGUAGES, STRINGS, LangQuery, Locale, locale_of
from ..middleware import PAGE_CSP
from ..models import in_currency, territory
from ..read import CachedRoute, conditions, get_row, in_session, list_rows, present, ranking
from ..rendering import render
from ..requirements import WorkRules, kind_names
from ..resources import OFFERS, RIGHT_NAMES, WORKS, Filter
from ..services import services_of
from ..stores.signed_offers import BookFilter, SignedOfferBook
from .requirements import rules_of, work_requirements

#: how many works the catalogue page shows (the best matches, else the newest)
CATALOGUE_SIZE = 200
#: open offers shown per page at most (a work with more lists them through ``GET /offers``)
OFFERS_SHOWN = 1000
#: how long the language cookie remembers a choice
LANG_COOKIE_SECONDS = 365 * 24 * 3600
#: a work's page runs one script, its own (``/pages/buy.js``), and talks to this server only
BUY_PAGE_CSP = PAGE_CSP.replace("default-src 'none';", "default-src 'none'; script-src 'self'; connect-src 'self';")
BUY_SCRIPT = Path(__file__).resolve().parent.parent / "static" / "buy.js"


def _remember(lang: str | None, response: Response) -> Response:
    """A language chosen with ``?lang=`` is remembered in a cookie for the pages that do not name one."""
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_SECONDS, samesite="lax")
    return response


class CataloguePageRoute(CachedRoute):
    """The catalogue through the response cache, which keys answers by path and query string: a request
    that names no language gets the one its cookie or ``Accept-Language`` picks written into its query
    first, so an answer in one language is never served to a reader of the other."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        cached = super().get_route_handler()

        async def localized(request: Request) -> Response:
            chosen = request.query_params.get("lang")
            if chosen is None:
                pairs = [*request.query_params.multi_items(), ("lang", locale_of(request, None).lang)]
                request = Request({**request.scope, "query_string": urlencode(pairs).encode()}, request.receive)
            return _remember(chosen, await cached(request))

        return localized


catalogue_router = APIRouter(tags=["pages"], route_class=CataloguePageRoute)
#: every page's route; the catalogue's keeps its route class (the cache) when included here
router = APIRouter(tags=["pages"])


# -- filters: the query parameters of GET /works, read from a form ----------------------------------


def _filter_value(f: Filter, raw: str) -> Any:
    """One filter's value from its text, bounded as ``GET /works`` bounds it; ``ValueError`` says why not."""
    if f.type in (int, int | None):
        low, high = f.ge or 0, UINT256_MAX if f.le is None else f.le
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise ValueError(f"{f.name} must be a whole number from {low} to {high}, not {raw[:40]!r}")
        return int(raw)
    if f.type in (bool, bool | None):
        if raw.lower() not in ("true", "false"):
            raise ValueError(f"{f.name} must be true or false, not {raw[:40]!r}")
        return raw.lower() == "true"
    if len(raw) > 200 or "\x00" in raw:
        raise ValueError(f"{f.name} must be at most 200 characters without NUL")
    if f.choices and raw not in f.choices:
        raise ValueError(f"{f.name} must be one of {', '.join(f.choices)}")
    if f.pattern is not None and not re.fullmatch(f.pattern, raw):
        raise ValueError(f"{f.name} {raw[:40]!r} does not fit: {f.description}")
    return raw


def filter_values(params: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The :data:`WORKS` filters given in ``params`` (blank form fields are not filters) and what is
    wrong with the others."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for f in WORKS.filters:
        raw = (params.get(f.name) or "").strip()
        if not raw:
            continue
        try:
            values[f.name] = _filter_value(f, raw)
        except ValueError as exc:
            problems.append(str(exc))
    return values, problems


# -- offers in words ------------------------------------------------------------------------------


def _date(loc: Locale, seconds: int) -> str | None:
    try:
        d = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None  # past year 9999: an open end
    mon = loc.t["months"].split()[d.month - 1]
    return loc.t["date"].format(day=d.day, month=d.month, mon=mon, year=d.year)


@functools.lru_cache(maxsize=4096)
def _rights_words(lang: str, mask: int) -> str:
    t = STRINGS[lang]  # type: ignore[index]
    return t["rights_sep"].join(t.get(f"right.{name}", name) for name in rights_names(mask))


def _mask(names: Sequence[str]) -> int:
    """The rights mask of right names (as the API lists them)."""
    return functools.reduce(lambda mask, name: mask | Right[name.upper()].value, names, 0)


@functools.lru_cache(maxsize=1024)
def _token_unit(currency: str) -> str:
    """The words after an ERC-20 amount (``units of token 0x…``, as :func:`format_amount` writes them),
    once per token: the checksum is a keccak."""
    return format_amount(0, currency).removeprefix("0 ")


def _amount(price: int, currency: str) -> str:
    decimal, symbol, _decimals = in_currency(price, currency)
    return f"{decimal} {symbol}" if decimal is not None else f"{price} {_token_unit(currency.lower())}"


def terms_in_words(
    loc: Locale,
    *,
    rights: int,
    territories: Sequence[int],
    start: int,
    end: int,
    exclusive: bool,
    price: int,
    currency: str,
    supply_cap: int,
    sold: int,
) -> str:
    """``Information-network dissemination, worldwide, 1 Jan 2027 – 31 Dec 2027, non-exclusive, 0.5 ETH,
    7 of 10 left`` in the locale's language (the end date is the last day the licence is valid)."""
    t = loc.t
    last = _date(loc, end - 1)
    parts = [
        _rights_words(loc.lang, rights),
        t["worldwide"] if not territories else t["words_sep"].join(territory(c).name for c in territories),
        f"{_date(loc, start)} – {last}" if last else f"{_date(loc, start)} – {t['open_end']}",
        t["exclusive"] if exclusive else t["non_exclusive"],
        _amount(price, currency),
        t["supply_left"].format(left=max(supply_cap - sold, 0), cap=supply_cap) if supply_cap else t["no_supply_cap"],
    ]
    return t["words_sep"].join(parts)


@dataclass(frozen=True)
class SaleCheck:
    """Whether an offer can sell now under the distribution requirements of its territories, in words:
    ``blocked`` names each territory and kind that is not met (the page shows it instead of a Buy
    button); ``met`` the territories whose requirements it meets."""

    blocked: str | None
    met: str | None


@dataclass(frozen=True)
class OfferView:
    """An offer as a page shows it: its words, and what the Buy button posts to."""

    label: str  # "#3", or a signed offer's digest shortened
    words: str
    price: int  # base units: the max_price the buyer agrees to
    fulfil: str  # the fulfil endpoint's path
    seller: str
    rights: int = 0
    territories: tuple[int, ...] = ()  # empty: worldwide
    sale: SaleCheck | None = None  # on a work's page: :func:`sale_check`


def _territory_words(code: int) -> str:
    return f"{territory(code).name} ({code})"


def sale_check(
    rules: WorkRules, kinds: Mapping[int, str], loc: Locale, rights: int, territories: Sequence[int]
) -> SaleCheck:
    """An offer of ``rights`` in ``territories`` (empty: worldwide, so every regulated territory) checked now
    against the requirements that apply (:meth:`api.requirements.WorkRules.compliance`), in words."""
    t = loc.t
    reasons, met = [], []
    for code, rows in rules.compliance(rights=rights, territories=territories).items():
        unmet = [c for c in rows if not c.met]
        for c in unmet:
            name = kinds.get(c.requirement.kind, str(c.requirement.kind))
            kind = t.get(f"kind.{name}", name)
            reasons.append(
                t["sale_unmet"].format(territory=_territory_words(code), kind=kind, state=t[f"state.{c.state}"])
            )
        if rows and not unmet:
            met.append(_territory_words(code))
    return SaleCheck(
        t["sale_blocked"].format(reasons=t["words_sep"].join(reasons)) if reasons else None,
        t["sale_met"].format(territories=t["words_sep"].join(met)) if met else None,
    )


def _open_offers(session: Session, work_ids: Sequence[int], loc: Locale) -> dict[int, list[OfferView]]:
    """The open offers (not cancelled, not ended, not sold out) of ``work_ids``, oldest first, in words:
    two statements (the offers, their sales), words from the columns (no public models: a page of 200
    offers cost three times the rest of the catalogue through them)."""
    if not work_ids:
        return {}
    offers, licences = m.Offer.__table__, m.Licence.__table__  # type: ignore[attr-defined]
    where = [offers.c.work_id.in_(list(work_ids)), *conditions(OFFERS, {"active": True})]
    # no count: the page shows what there is (up to OFFERS_SHOWN)
    rows = session.execute(sa.select(offers).where(*where).order_by(offers.c.offer_id).limit(OFFERS_SHOWN)).all()
    if not rows:
        return {}
    keys = sa.bindparam("keys", expanding=True, type_=licences.c.offer_id.type)
    counted = sa.select(licences.c.offer_id, sa.func.count()).where(licences.c.offer_id.in_(keys))
    sold: dict[int, int] = dict(
        session.execute(counted.group_by(licences.c.offer_id), {"keys": [r.offer_id for r in rows]}).all()
    )
    by_work: dict[int, list[OfferView]] = {}
    for r in rows:
        n = sold.get(r.offer_id, 0)
        if r.supply_cap and n >= r.supply_cap:
            continue  # sold out
        words = terms_in_words(
            loc, rights=r.rights, territories=json.loads(r.territories or "[]"), start=r.start, end=r.end,
            exclusive=r.exclusive, price=int(r.price), currency=r.currency, supply_cap=r.supply_cap, sold=n,
        )  # fmt: skip
        view = OfferView(
            f"#{r.offer_id}", words, int(r.price), f"/offers/{r.offer_id}/fulfil", r.creator, int(r.rights),
            tuple(json.loads(r.territories or "[]")),
        )  # fmt: skip
        by_work.setdefault(int(r.work_id), []).append(view)
    return by_work


def _signed_offers(book: SignedOfferBook, work_id: int, loc: Locale) -> list[OfferView]:
    """The order book's offers on ``work_id`` that sell now, in words. Sales are the book's own count: per
    seller and nonce, as the market counts a signed offer's supply (a repriced offer shares its nonce)."""
    rows, _count = book.list(BookFilter(work_id=work_id, active=True), limit=OFFERS_SHOWN, offset=0)
    views = []
    for r in rows:
        t = signed_offer_from_json({"offer": json.loads(r["offer"]), "signature": r["signature"]}).terms
        words = terms_in_words(
            loc, rights=t.rights, territories=t.territories, start=t.start, end=t.end, exclusive=t.exclusive,
            price=t.price, currency=t.currency, supply_cap=t.supply_cap, sold=int(r["sold"] or 0),
        )  # fmt: skip
        view = OfferView(
            r["digest"][:10] + "…", words, t.price, f"/signed-offers/{r['digest']}/fulfil", r["seller"],
            int(t.rights), tuple(t.territories),
        )  # fmt: skip
        views.append(view)
    return views


# -- titles and posters ---------------------------------------------------------------------------


def titles(work: Any, loc: Locale) -> tuple[str | None, str, str | None]:
    """(the title in the page's language, else the other; the language of that title; the other
    language's title when both exist)."""
    zh, en = work.title_zh, work.title_en
    first, second = (zh, en) if loc.lang == "zh" else (en, zh)
    other_lang = "en" if loc.lang == "zh" else "zh"
    if not first:
        return second, other_lang, None
    return first, loc.lang, (second if second and second != first else None)


def _posters(session: Session, works: Sequence[Any]) -> dict[int, str]:
    """Poster CIDs of the works' current metadata documents that read ok."""
    if not works:
        return {}
    doc = m.MetadataDocument
    current = {(int(w.work_id), w.metadata_cid) for w in works}
    query = select(doc.work_id, doc.metadata_cid, doc.poster_cid).where(
        col(doc.work_id).in_([w for w, _ in current]), col(doc.status) == "ok", col(doc.poster_cid).is_not(None)
    )
    return {int(w): p for w, c, p in session.exec(query) if (int(w), c) in current and p}


# -- the pages ------------------------------------------------------------------------------------


@catalogue_router.get("/", operation_id="pages-catalogue", response_class=HTMLResponse, include_in_schema=False)
async def catalogue_page(request: Request, lang: LangQuery = None) -> HTMLResponse:
    """Works matching the search and filters (``GET /works``'s query parameters), best matches or newest
    first, each with its open offers in words; a filter that is not understood is a 422 page saying
    which, with nothing applied."""
    loc = locale_of(request, lang)
    templates = services_of(request.app).templates
    values, problems = filter_values(request.query_params)
    form = {k: v for k, v in request.query_params.items() if k != "lang"}

    def answer(session: Session) -> HTMLResponse:
        works: list[Any] = []
        count = 0
        if not problems:
            rows, count = list_rows(
                session, WORKS, conditions(WORKS, values), Page(CATALOGUE_SIZE, 0), ranking(WORKS, values)
            )
            works = present(session, WORKS, rows)
        ids = [int(w.work_id) for w in works]
        page = render(
            templates, "catalogue.html", t=loc.t, lang=loc.lang, switch=loc.switch("/", **form), form=form,
            works=works, count=count, titles=lambda w: titles(w, loc), offers=_open_offers(session, ids, loc),
            posters=_posters(session, works), problems=problems, work_types=WORK_TYPES, right_names=RIGHT_NAMES,
            href=loc.href,
        )  # fmt: skip
        if problems:
            page.status_code = 422
        return page

    return await in_session(request, answer)


router.include_router(catalogue_router)


@router.get("/work/{work_id}", operation_id="pages-work", response_class=HTMLResponse, include_in_schema=False)
async def work_page(request: Request, work_id: ChainId, lang: LangQuery = None) -> Response:
    """A work's metadata, owners, open on-chain offers and the order book's valid signed offers, each
    with a Buy button for a browser wallet. Not cached: the order book changes without the mirror."""
    loc = locale_of(request, lang)
    services = services_of(request.app)
    book = SignedOfferBook(services.engine)

    def answer(session: Session) -> HTMLResponse:
        (work,) = present(session, WORKS, [get_row(session, WORKS, work_id)], detail=True)
        rules, kinds = rules_of(session, work_id), kind_names(session)
        requirements = work_requirements(rules, work_id, kinds)

        def checked(views: list[OfferView]) -> list[OfferView]:
            return [replace(v, sale=sale_check(rules, kinds, loc, v.rights, v.territories)) for v in views]

        return render(
            services.templates, "work.html", t=loc.t, lang=loc.lang, switch=loc.switch(f"/work/{work_id}"),
            work=work, titles=titles(work, loc),
            offers=checked(_open_offers(session, [work_id], loc).get(work_id, [])),
            signed=checked(_signed_offers(book, work_id, loc)), href=loc.href, requirements=requirements,
            territory_words=_territory_words, rights_words=lambda names: _rights_words(loc.lang, _mask(names)),
            day=lambda seconds: _date(loc, seconds),
            script_strings={k: v for k, v in loc.t.items() if k.startswith(("buy_", "install_wallet"))},
        )  # fmt: skip

    page = await in_session(request, answer)
    page.headers["content-security-policy"] = BUY_PAGE_CSP
    return _remember(lang, page)


@router.get("/pages/buy.js", operation_id="pages-buy-script", include_in_schema=False)
def buy_script() -> Response:
    """The work page's script: buy through the visitor's EIP-1193 wallet."""
    return Response(BUY_SCRIPT.read_bytes(), media_type="text/javascript; charset=utf-8")
