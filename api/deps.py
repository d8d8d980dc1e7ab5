"""``Annotated`` dependencies shared by the routers (``SessionDep``, ``PageDep``, ``HubDep``...), each
handed out from the app's :class:`~api.services.Services`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import jinja2
from fastapi import Depends, Path, Query, Request
from pydantic import Field
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session

from client_sdk import Hub
from client_sdk.content import ContentStore
from indexer.backends import backend_for

from .problems import Problem
from .services import Services, services_of
from .stores import EncryptionKeyStore, LicenceChecker, NonceStore, OnChainLicenceChecker, WrappedKeyStore


def get_services(request: Request) -> Services:
    """Everything the app built at start-up (:mod:`api.services`)."""
    return services_of(request.app)


ServicesDep = Annotated[Services, Depends(get_services)]


def get_content_store(request: Request) -> ContentStore:
    """``app.state.content_store`` if one was set (e.g. a test's store), else the app's content store
    (a kubo node when ``settings.kubo_api_url`` is set, else the local block store)."""
    return getattr(request.app.state, "content_store", None) or get_services(request).content_store


ContentStoreDep = Annotated[ContentStore, Depends(get_content_store)]


def get_wrapped_keys(request: Request) -> WrappedKeyStore:
    return get_services(request).wrapped_keys


WrappedKeysDep = Annotated[WrappedKeyStore, Depends(get_wrapped_keys)]


def get_encryption_keys(request: Request) -> EncryptionKeyStore:
    return get_services(request).encryption_keys


EncryptionKeysDep = Annotated[EncryptionKeyStore, Depends(get_encryption_keys)]


def get_nonces(request: Request) -> NonceStore:
    return get_services(request).nonces


NoncesDep = Annotated[NonceStore, Depends(get_nonces)]


def get_hub(request: Request) -> Hub:
    """A read-only :class:`Hub` on ``settings.rpc_url``; 503 problem while the chain is unreachable."""
    return get_services(request).hub()


HubDep = Annotated[Hub, Depends(get_hub)]


def get_licence_checker(request: Request) -> LicenceChecker:
    """The object that answers "does this account hold a valid licence?": ``app.state.licence_checker``
    if one was set, else the on-chain checker (the chain is asked, never the SQL mirror)."""
    checker = getattr(request.app.state, "licence_checker", None)
    if checker is None:
        checker = OnChainLicenceChecker(get_hub(request))
        request.app.state.licence_checker = checker
    return checker


LicenceCheckerDep = Annotated[LicenceChecker, Depends(get_licence_checker)]


def get_templates(request: Request) -> jinja2.Environment:
    return get_services(request).templates


TemplatesDep = Annotated[jinja2.Environment, Depends(get_templates)]


# -- the SQL mirror ---------------------------------------------------------------------------------


@contextmanager
def mirror_session(engine: Engine) -> Iterator[Session]:
    """A read session on the mirror; 503 problem while the indexer has not created its tables yet (a
    missing table is an ``OperationalError`` on SQLite and a ``ProgrammingError`` on PostgreSQL: the
    mirror's backend tells which)."""
    with Session(engine) as session:
        try:
            yield session
        except (OperationalError, ProgrammingError) as exc:
            if backend_for(engine).is_missing_schema(exc):
                raise Problem(
                    503, "Mirror not ready", "the indexer has not created the database yet; start `copyright-hub index`"
                ) from None
            raise Problem(503, "Database unavailable", "the mirror database did not answer; try again") from None


def get_session(request: Request) -> Iterator[Session]:
    """:func:`mirror_session` on the app's engine, as a route dependency."""
    with mirror_session(get_services(request).engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


# -- bounds of numeric parameters -------------------------------------------------------------------

#: the largest uint256: every on-chain id (work, offer, licence) is one
UINT256_MAX = 2**256 - 1
#: the largest ``offset`` a list accepts: SQL ``OFFSET`` is a signed 64-bit integer on both databases,
#: and ``offset + limit`` must stay below it
OFFSET_MAX = 2**62

#: an on-chain id in a path (``/works/{work_id}``): declared 0..2^256-1 in OpenAPI, 422 outside
ChainId = Annotated[int, Path(ge=0, le=UINT256_MAX, description="an on-chain id (uint256)")]
#: a licence id is its work's id times 2^64 plus the market's sale serial (``LicenceMarket._sell``); the
#: documentation's example is the first licence sold on a fresh hub, on work 1 (the demo's, and the tests')
LICENCE_ID_EXAMPLE = (1 << 64) | 1
LICENCE_ID_DESCRIPTION = "a licence id: its work's id × 2^64 + the market's sale serial (uint256)"
LicenceId = Annotated[
    int, Path(ge=0, le=UINT256_MAX, description=LICENCE_ID_DESCRIPTION, examples=[LICENCE_ID_EXAMPLE])
]
#: an on-chain id in a JSON body (its bounds are written exactly by :func:`declare_exact_bounds`)
Uint256 = Annotated[int, Field(ge=0, le=UINT256_MAX, description="an on-chain id (uint256)")]
#: an on-chain id as an optional query filter
ChainIdQuery = Annotated[int | None, Query(ge=0, le=UINT256_MAX, description="an on-chain id (uint256)")]


# -- paging -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


#: the description of ``limit``; :func:`declare_page_size` finds the parameter by it
LIMIT_DESCRIPTION = "rows per page (at most settings.page_size_max)"


async def get_page(  # async: no thread hand-off for arithmetic
    request: Request,
    limit: Annotated[int, Query(ge=1, description=LIMIT_DESCRIPTION)] = 50,
    offset: Annotated[int, Query(ge=0, le=OFFSET_MAX, description="rows to skip")] = 0,
) -> Page:
    """``limit``/``offset`` of a list endpoint, refusing a page larger than the server allows."""
    largest = request.app.state.settings.page_size_max
    if limit > largest:
        raise Problem(422, "Invalid request", f"limit must be at most {largest}; page with offset")
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(get_page)]


def declare_page_size(spec: dict[str, Any], largest: int) -> None:
    """Write the largest page this server serves (``settings.page_size_max``, which :func:`get_page`
    enforces) into the OpenAPI document ``spec`` as the ``maximum`` of every list's ``limit``: the bound
    is a setting, so it cannot be in the parameter's declaration, which is made once at import."""
    for item in spec.get("paths", {}).values():
        for op in item.values():
            for param in op.get("parameters", ()):
                if param.get("in") == "query" and param.get("description") == LIMIT_DESCRIPTION:
                    param["schema"]["maximum"] = largest


def declare_exact_bounds(spec: dict[str, Any]) -> None:
    """Write the bounds of integer schemas in the OpenAPI document ``spec`` as integers. FastAPI's
    OpenAPI model types ``minimum``/``maximum`` as floats, so a body field's ``le=UINT256_MAX`` came out
    as ``1.157920892373162e+77``: 2^256, one more than the largest id, and ``minimum`` as ``0.0``. The
    float of :data:`UINT256_MAX` can only be that bound; other integral floats are exact as they are."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "integer":
                for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                    value = node.get(key)
                    if isinstance(value, float) and value.is_integer():
                        node[key] = UINT256_MAX if value == float(UINT256_MAX) else int(value)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(spec)
