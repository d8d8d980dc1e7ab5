"""``Annotated`` dependencies shared by the routers (``ContentStoreDep``, ``LicenceCheckerDep``...)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from client_sdk import Hub, HubError
from client_sdk.content import ContentStore, KuboStore, LocalBlockStore
from client_sdk.content.keys import LicenceChecker, WrappedKeyStore
from client_sdk.licence_check import OnChainLicenceChecker
from indexer.db import make_engine

from .problems import Problem


def get_content_store(request: Request) -> ContentStore:
    """``app.state.content_store`` if one was set (e.g. a KuboStore), else the local block store in
    ``settings.content_dir``, created on first use."""
    state = request.app.state
    store = getattr(state, "content_store", None)
    if store is None:
        kubo_url = state.settings.kubo_api_url
        store = KuboStore(kubo_url) if kubo_url else LocalBlockStore(state.settings.content_dir)
        state.content_store = store
    return store


ContentStoreDep = Annotated[ContentStore, Depends(get_content_store)]


def get_wrapped_keys(request: Request) -> WrappedKeyStore:
    state = request.app.state
    keys = getattr(state, "wrapped_keys", None)
    if keys is None:
        keys = WrappedKeyStore(state.settings.content_dir / "keys")
        state.wrapped_keys = keys
    return keys


WrappedKeysDep = Annotated[WrappedKeyStore, Depends(get_wrapped_keys)]


def get_hub(request: Request) -> Hub:
    """A read-only :class:`Hub` on ``settings.rpc_url`` and its manifest, connected on first use.

    The chain down or no deployment on it: 503 problem, and the next request tries again.
    """
    state = request.app.state
    hub = getattr(state, "hub", None)
    if hub is None:
        settings = state.settings
        try:
            hub = Hub.connect(settings.rpc_url, deployments_dir=settings.deployments_dir)
        except HubError as exc:
            raise Problem(503, "Chain unavailable", str(exc)) from None
        state.hub = hub
    return hub


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


# -- the SQL mirror ---------------------------------------------------------------------------------


def get_engine(request: Request) -> Engine:
    """One engine per app, on ``settings.database_url`` (the indexer's database)."""
    state = request.app.state
    engine = getattr(state, "engine", None)
    if engine is None:
        engine = make_engine(state.settings.database_url)
        state.engine = engine
    return engine


def get_session(request: Request) -> Iterator[Session]:
    """A read session on the mirror; 503 problem while the indexer has not created its tables yet."""
    engine = get_engine(request)
    with Session(engine) as session:
        try:
            yield session
        except OperationalError as exc:
            if "no such table" in str(exc) or "does not exist" in str(exc):
                raise Problem(
                    503, "Mirror not ready", "the indexer has not created the database yet; start `copyright-hub index`"
                ) from None
            raise Problem(503, "Database unavailable", "the mirror database did not answer; try again") from None


SessionDep = Annotated[Session, Depends(get_session)]


# -- paging -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def get_page(
    request: Request,
    limit: Annotated[int, Query(ge=1, description="rows per page (at most settings.page_size_max)")] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    """``limit``/``offset`` of a list endpoint, refusing a page larger than the server allows."""
    largest = request.app.state.settings.page_size_max
    if limit > largest:
        raise Problem(422, "Invalid request", f"limit must be at most {largest}; page with offset")
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(get_page)]
