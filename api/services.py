"""What the API holds for its whole life, built once from one :class:`~api.settings.Settings`:
the mirror's engine, the content store, the key-release stores, the page templates, the response
cache, and the chain
client (connected on first use, so the API starts while the chain is down and answers 503 until it
is up).

:func:`lifespan` builds them when the app starts and disposes of them when it stops. An app served
without its lifespan (``TestClient(app)`` outside ``with``, uvicorn ``lifespan="off"``) builds them
on its first request instead, through :func:`services_of`; either way once per app.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field

import jinja2
from fastapi import FastAPI
from sqlalchemy import Engine
from web3.exceptions import Web3Exception

from client_sdk import ContractRevert, Hub, HubError
from client_sdk.content import ContentStore
from indexer.db import make_engine

from . import rendering
from .cache import ResponseCache
from .problems import Problem
from .settings import Settings
from .stores import EncryptionKeyStore, NonceStore, RateLimiter, WrappedKeyStore


@dataclass
class Services:
    settings: Settings
    engine: Engine
    content_store: ContentStore
    wrapped_keys: WrappedKeyStore
    encryption_keys: EncryptionKeyStore
    nonces: NonceStore
    rate_limiter: RateLimiter
    templates: jinja2.Environment
    #: answers of mirror-only routes per mirror version; ``None`` when ``settings.response_cache_bytes`` is 0
    response_cache: ResponseCache | None = None
    _hub: Hub | None = field(default=None, repr=False)
    _hub_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        store = settings.content_store()  # the same store the indexer's metadata worker reads
        engine = make_engine(
            settings.database_url, pool_size=settings.database_pool_size, max_overflow=settings.database_pool_overflow
        )
        return cls(
            settings=settings,
            engine=engine,
            content_store=store,
            wrapped_keys=WrappedKeyStore(engine),
            encryption_keys=EncryptionKeyStore(engine),
            nonces=NonceStore(engine, settings.nonce_ttl_seconds, settings.nonce_cap),
            rate_limiter=RateLimiter(engine, settings.rate_limit_per_minute),
            templates=rendering.environment(),
            response_cache=ResponseCache(
                engine,
                poll_seconds=settings.response_cache_poll_ms / 1000,
                max_bytes=settings.response_cache_bytes,
            )
            if settings.response_cache_bytes
            else None,
        )

    def hub(self) -> Hub:
        """A read-only :class:`Hub` on ``settings.rpc_url`` and its manifest, connected on first use.

        The chain down or no deployment on it: 503 problem, and the next request tries again."""
        with self._hub_lock:
            if self._hub is None:
                try:
                    self._hub = Hub.connect(self.settings.rpc_url, deployments_dir=self.settings.deployments_dir)
                except HubError:
                    raise Problem(
                        503, "Chain unavailable", "the chain did not answer this server; try again later"
                    ) from None
            return self._hub

    def close(self) -> None:
        self.engine.dispose()


#: what a chain call raises when the RPC went away after the API connected (``requests`` errors are
#: ``OSError``s); a revert is an answer, not an outage, and is let through
CHAIN_DOWN: tuple[type[BaseException], ...] = (HubError, OSError, Web3Exception)


def is_chain_down(exc: BaseException) -> bool:
    return isinstance(exc, CHAIN_DOWN) and not isinstance(exc, ContractRevert)


@contextmanager
def chain_call() -> Iterator[None]:
    """Around calls to the chain: an RPC that stopped answering is a 503 problem (retry later), not a
    500. The detail stays generic: the raw error names the RPC's host and port."""
    try:
        yield
    except CHAIN_DOWN as exc:
        if isinstance(exc, ContractRevert):
            raise
        raise Problem(503, "Chain unavailable", "the chain did not answer this server; try again later") from None


_build_lock = threading.Lock()


def services_of(app: FastAPI) -> Services:
    """The app's services, built now if its lifespan has not run."""
    services: Services | None = getattr(app.state, "services", None)
    if services is None:
        with _build_lock:
            services = getattr(app.state, "services", None)
            if services is None:
                services = app.state.services = Services.build(app.state.settings)
    return services


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    services = services_of(app)
    try:
        yield
    finally:
        services.close()
        app.state.services = None
